package dev.coproxy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.session.BasicAuthPasswords;
import dev.coproxy.session.Session;
import dev.coproxy.testing.Apis;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.TestGateway.Reply;
import dev.coproxy.testing.Upstream;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, "nothing exposed that a user did not ask for", against real gateways: the echo
 * endpoint, {@code /metrics} on the control port and behind the secret, basic-auth passwords,
 * master keys, {@code /tyk/keys/preview}, and Gateway API bodies sent with a form content type.
 */
class ExposureIT {

  private static final Map<String, String> SECRET = Map.of("x-tyk-authorization", TestGateway.SECRET);

  private static TestGateway plain;
  private static Upstream upstream;

  @BeforeAll
  static void start() throws Exception {
    plain = TestGateway.start(new JsonObject().put("enable_echo_endpoint", false),
        Map.of("p.json", Apis.protectedApi("p", "/p/", "http://127.0.0.1:1/")));
    upstream = Upstream.start(plain.vertx);
  }

  @AfterAll
  static void stop() throws Exception {
    if (plain != null) {
      plain.close();
    }
  }

  @Test
  void echoEndpointIsAPathLikeAnyOtherUnlessEnabled() throws Exception {
    Reply off = plain.call(HttpMethod.GET, "/coproxy/echo/x", Map.of(), null);
    assertEquals(404, off.status(), off.text());
    assertFalse(off.text().contains("\"method\""), off.text());

    plain.writeApi("echo-path.json", Apis.keyless("echo-path", "/coproxy/echo/", upstream.url("/up")));
    assertEquals(2, plain.reload().getInteger("loaded"));
    Reply routed = plain.call(HttpMethod.GET, "/coproxy/echo/x", Map.of(), null);
    assertEquals(200, routed.status(), routed.text());
    assertTrue(routed.text().contains("/up"), "an API that listens there gets it: " + routed.text());
    assertEquals(200, plain.admin(HttpMethod.DELETE, "/tyk/apis/echo-path", null).status());
    plain.reload();

    try (TestGateway demo = TestGateway.start(new JsonObject().put("enable_echo_endpoint", true), Map.of())) {
      Reply on = demo.call(HttpMethod.GET, "/coproxy/echo/x?a=1", Map.of(), null);
      assertEquals(200, on.status(), on.text());
      assertEquals("/coproxy/echo/x", on.json().getString("path"));
    }
  }

  @Test
  void metricsLeaveTheTrafficPortForTheControlPortAndMayRequireTheSecret() throws Exception {
    int control = freePort();
    JsonObject config = new JsonObject().put("control_api_port", control)
        .put("metrics", new JsonObject().put("enabled", true).put("path", "/metrics").put("require_secret", true));
    try (TestGateway split = TestGateway.start(config, Map.of())) {
      Reply traffic = split.call(HttpMethod.GET, "/metrics", Map.of(), null);
      assertEquals(404, traffic.status(), "not on the traffic port: " + traffic.text());
      Reply anonymous = split.call(control, HttpMethod.GET, "/metrics", Map.of(), null);
      assertEquals(403, anonymous.status(), anonymous.text());
      assertEquals(403, split.call(control, HttpMethod.GET, "/metrics", Map.of("x-tyk-authorization", "wrong"), null).status());
      Reply scraped = split.call(control, HttpMethod.GET, "/metrics", SECRET, null);
      assertEquals(200, scraped.status());
      assertTrue(scraped.text().contains("# TYPE"), scraped.text());
      Reply bearer = split.call(control, HttpMethod.GET, "/metrics", Map.of("Authorization", "Bearer " + TestGateway.SECRET), null);
      assertEquals(200, bearer.status(), "Prometheus' own authorization block works too");
      assertEquals(200, split.call(control, HttpMethod.GET, "/hello", Map.of(), null).status(), "health stays open");
    }
    // Without control_api_port and without require_secret, as before: open, on the traffic port.
    assertEquals(200, plain.call(HttpMethod.GET, "/metrics", Map.of(), null).status());
  }

  @Test
  void storedBasicAuthPasswordIsABcryptHashThatTheGatewayApiNeverShows() throws Exception {
    // Sessions with basic_auth_data reach the store from plugins (auth_check), not the Gateway API.
    JsonObject made = new JsonObject().put("org_id", "test-org")
        .put("access_rights", new JsonObject().put("p", new JsonObject().put("api_id", "p")))
        .put("basic_auth_data", new JsonObject().put("password", "s3cret-pass").put("hash_type", ""));
    plain.gateway.sessions().save("basic-user", Session.parse(made)).await(20, TimeUnit.SECONDS);

    String raw = plain.gateway.sessions().store().get("apikey-basic-user").await(5, TimeUnit.SECONDS);
    assertFalse(raw.contains("s3cret-pass"), raw);
    JsonObject stored = new JsonObject(raw);
    assertEquals("bcrypt", stored.getJsonObject("basic_auth_data").getString("hash_type"));
    assertTrue(stored.getJsonObject("basic_auth_data").getString("password").startsWith("$2a$10$"), raw);
    assertTrue(BasicAuthPasswords.verify("s3cret-pass", stored));

    Reply read = plain.admin(HttpMethod.GET, "/tyk/keys/basic-user", null);
    assertEquals(200, read.status(), read.text());
    assertEquals("", read.json().getJsonObject("basic_auth_data").getString("password"));
    assertFalse(read.text().contains("$2a$"), "no hash either: " + read.text());
    assertFalse(read.text().contains("s3cret-pass"), read.text());

    // An update that sends back what GET showed keeps the stored hash.
    Reply put = plain.admin(HttpMethod.PUT, "/tyk/keys/basic-user", read.json().put("rate", 5).encode());
    assertEquals(200, put.status(), put.text());
    JsonObject after = new JsonObject(plain.gateway.sessions().store().get("apikey-basic-user").await(5, TimeUnit.SECONDS));
    assertTrue(BasicAuthPasswords.verify("s3cret-pass", after), after.encode());
    assertEquals(5, after.getInteger("rate"));
  }

  @Test
  void masterKeysAreRefusedAsTykRefusesThemUnlessAllowed() throws Exception {
    Reply named = plain.admin(HttpMethod.POST, "/tyk/keys/master-key", new JsonObject().put("org_id", "test-org").encode());
    assertEquals(500, named.status(), named.text());
    assertEquals("Failed to create key, ensure security settings are correct.", named.json().getString("message"));
    assertEquals(404, plain.admin(HttpMethod.GET, "/tyk/keys/master-key", null).status(), "not stored");
    Reply generated = plain.admin(HttpMethod.POST, "/tyk/keys/create", "{\"access_rights\": {}}");
    assertEquals(400, generated.status(), generated.text());
    assertEquals("Failed to create key, keys must have at least one Access Rights record set.", generated.json().getString("message"));

    JsonObject rights = new JsonObject().put("p", new JsonObject().put("api_id", "p").put("api_name", "p"));
    assertEquals(200, plain.admin(HttpMethod.POST, "/tyk/keys/scoped-key", new JsonObject().put("access_rights", rights).encode()).status());
    Reply emptied = plain.admin(HttpMethod.PUT, "/tyk/keys/scoped-key", new JsonObject().put("access_rights", new JsonObject()).encode());
    assertEquals(500, emptied.status(), "an update cannot make a master key: " + emptied.text());

    try (TestGateway allowing = TestGateway.start(new JsonObject().put("allow_master_keys", true), Map.of())) {
      Reply allowed = allowing.admin(HttpMethod.POST, "/tyk/keys/master-key", "{}");
      assertEquals(200, allowed.status(), allowed.text());
    }
  }

  @Test
  void previewAnswersTheSessionAndStoresNothing() throws Exception {
    JsonObject body = new JsonObject().put("org_id", "test-org").put("rate", 7)
        .put("basic_auth_data", new JsonObject().put("password", "never-shown"));
    Reply preview = plain.admin(HttpMethod.POST, "/tyk/keys/preview", body.encode());
    assertEquals(200, preview.status(), preview.text());
    assertEquals(7, preview.json().getInteger("rate"));
    assertFalse(preview.json().getString("last_updated").isEmpty());
    assertFalse(preview.text().contains("never-shown"), preview.text());
    assertEquals(404, plain.admin(HttpMethod.GET, "/tyk/keys/preview", null).status(), "no key named preview");
    assertTrue(plain.gateway.sessions().ids().await(5, TimeUnit.SECONDS).stream().noneMatch("preview"::equals));
    Reply malformed = plain.admin(HttpMethod.POST, "/tyk/keys/preview", "{not json");
    assertEquals(500, malformed.status());
    assertEquals("Unmarshalling failed", malformed.json().getString("message"));
  }

  @Test
  void bodiesOverOneKilobyteWithAFormContentTypeAreReadAsJson() throws Exception {
    // What curl --data sends: application/x-www-form-urlencoded, here with a 2 KB JSON body.
    JsonObject session = new JsonObject().put("org_id", "test-org")
        .put("access_rights", new JsonObject().put("p", new JsonObject().put("api_id", "p")))
        .put("meta_data", new JsonObject().put("note", "x".repeat(2048)));
    Map<String, String> form = Map.of("x-tyk-authorization", TestGateway.SECRET, "Content-Type", "application/x-www-form-urlencoded");
    Reply created = plain.call(plain.gateway.controlPort(), HttpMethod.POST, "/tyk/keys/form-key", form, session.encode());
    assertEquals(200, created.status(), created.text());
    Reply read = plain.admin(HttpMethod.GET, "/tyk/keys/form-key", null);
    assertEquals(2048, read.json().getJsonObject("meta_data").getString("note").length());

    Map<String, String> multipart = Map.of("x-tyk-authorization", TestGateway.SECRET, "Content-Type", "multipart/form-data; boundary=x");
    Reply api = plain.call(plain.gateway.controlPort(), HttpMethod.POST, "/tyk/apis", multipart,
        Apis.keyless("form-api", "/form-api/", upstream.url("/")).put("description", "y".repeat(2048)).encode());
    assertEquals(200, api.status(), api.text());
    assertEquals(200, plain.admin(HttpMethod.DELETE, "/tyk/apis/form-api", null).status());
    assertNull(plain.gateway.sessions().find("preview").await(5, TimeUnit.SECONDS));
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
