package dev.coproxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.RawHttp;
import dev.coproxy.testing.ScriptedDriver;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Path traversal against a keyless API on {@code /pub/} and a token-protected one on {@code /priv/}
 * that share one upstream. Request lines are written raw, as an attacker would send them. With
 * cleaning on (the default), a path that is not clean gets 301 to its clean form or 400, so that
 * what reaches routing, the hooks and the upstream is clean; with {@code skip_url_cleaning} the raw
 * path is kept and the API chosen is the one whose listen path prefixes what goes upstream.
 */
class PathTraversalIT {

  private static final String KEY = "path-traversal-key";

  private static TestGateway cleaning;
  private static TestGateway skipping;
  private static Upstream upstream;
  private static ScriptedDriver cleaningHooks;
  private static ScriptedDriver skippingHooks;

  @BeforeAll
  static void start() throws Exception {
    JsonObject coprocess = new JsonObject().put("coprocess_options", new JsonObject().put("enable_coprocess", true));
    cleaning = TestGateway.start(coprocess, Map.of());
    skipping = TestGateway.start(coprocess.copy()
        .put("http_server_options", new JsonObject().put("skip_url_cleaning", true)), Map.of());
    upstream = Upstream.start(cleaning.vertx);
    cleaningHooks = ScriptedDriver.deploy(cleaning.vertx, "test");
    skippingHooks = ScriptedDriver.deploy(skipping.vertx, "test");
    for (TestGateway gw : List.of(cleaning, skipping)) {
      gw.writeApi("pub.json", Apis.keyless("pub", "/pub/", upstream.url("/PUB")));
      gw.writeApi("priv.json", Apis.protectedApi("priv", "/priv/", upstream.url("/PRIV")));
      gw.writeApi("hooked.json", Apis.keyless("hooked", "/hooked/", upstream.url("/HOOKED"))
          .put("custom_middleware", new JsonObject().put("driver", "test")
              .put("pre", new JsonArray().add(new JsonObject().put("name", "seePath")))));
      JsonObject reload = gw.reload();
      assertEquals(new JsonArray(), reload.getJsonArray("errors"), reload.encode());
      JsonObject session = new JsonObject().put("org_id", "test-org").put("access_rights", new JsonObject()
          .put("priv", new JsonObject().put("api_id", "priv").put("api_name", "priv").put("versions", new JsonArray().add("Default"))));
      TestGateway.Reply created = gw.admin(HttpMethod.POST, "/tyk/keys/" + KEY, session.encode());
      assertEquals(200, created.status(), created.text());
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (upstream != null) {
      upstream.close();
    }
    if (cleaning != null) {
      cleaning.close();
    }
    if (skipping != null) {
      skipping.close();
    }
  }

  @BeforeEach
  void forget() {
    upstream.received.clear();
    cleaningHooks.calls.clear();
    skippingHooks.calls.clear();
  }

  @Test
  void dotSegmentsAnswer301ToTheCleanPathWhoseOwnerDecides() throws Exception {
    for (String target : List.of("/pub/../priv/secret", "/pub/%2e%2e/priv/secret", "/pub/%2E%2E/priv/secret",
        "/pub/.%2e/priv/secret", "/pub/%2e./priv/secret", "//priv/secret", "/pub/./../priv//secret",
        "/pub/x/../../priv/secret")) {
      RawHttp.Response moved = get(cleaning, target);
      assertEquals(301, moved.status(), target);
      assertEquals("/priv/secret", moved.header("Location"), target);
      assertEquals(401, get(cleaning, moved.header("Location")).status(), target + " followed without a key");
    }
    assertTrue(upstream.received.isEmpty(), "nothing reached the upstream: " + upstream.received);
    RawHttp.Response withKey = get(cleaning, "/priv/secret", "Authorization: " + KEY);
    assertEquals(200, withKey.status(), withKey.text());
    assertEquals("/PRIV/secret", withKey.json().getString("uri"));
  }

  @Test
  void theRedirectKeepsTheQuery() throws Exception {
    RawHttp.Response moved = get(cleaning, "/pub/./a/../b?x=1&y=%2e%2e/z&q");
    assertEquals(301, moved.status());
    assertEquals("/pub/b?x=1&y=%2e%2e/z&q", moved.header("Location"));
    RawHttp.Response followed = get(cleaning, moved.header("Location"));
    assertEquals(200, followed.status(), followed.text());
    assertEquals("/PUB/b?x=1&y=%2e%2e/z&q", followed.json().getString("uri"));
  }

  @Test
  void dotSegmentsHiddenFromUsButNotFromAnUpstreamAnswer400() throws Exception {
    for (String target : List.of("/pub/..%2fpriv/secret", "/pub/..%2Fpriv/secret", "/pub/%2e%2e%2fpriv/secret",
        "/pub/..;/priv/secret", "/pub/..;jsessionid=x/priv/secret", "/pub/..%5cpriv/secret", "/pub/..\\priv/secret")) {
      RawHttp.Response refused = get(cleaning, target);
      assertEquals(400, refused.status(), target);
      assertTrue(refused.json().getString("error").contains("dot segment"), refused.text());
    }
    assertTrue(upstream.received.isEmpty(), "nothing reached the upstream: " + upstream.received);
  }

  @Test
  void anEncodedSlashThatFormsNoDotSegmentIsForwardedAsWritten() throws Exception {
    RawHttp.Response answer = get(cleaning, "/pub/a%2fb");
    assertEquals(200, answer.status(), answer.text());
    assertEquals("/PUB/a%2fb", answer.json().getString("uri"));
  }

  @Test
  void controlCharactersAnswer400WithOrWithoutCleaning() throws Exception {
    for (TestGateway gw : List.of(cleaning, skipping)) {
      for (String target : List.of("/pub/a%00b", "/pub/a%01", "/pub/a%7f", "/pub/a%0d%0aSet-Cookie:%20x=y",
          "/pub/a\u0001b", "/pub/a\u007fb", "/pub/a?q=\u0001")) {
        RawHttp.Response refused = get(gw, target);
        assertEquals(400, refused.status(), target);
        assertTrue(refused.json().getString("error").contains("control character"), refused.text());
        assertNull(refused.header("Set-Cookie"));
      }
    }
    assertTrue(upstream.received.isEmpty(), "nothing reached the upstream: " + upstream.received);
  }

  @Test
  void theGatewayApiIsMatchedOnTheCleanPath() throws Exception {
    RawHttp.Response keys = get(cleaning, "/pub/../tyk/keys", "x-tyk-authorization: " + TestGateway.SECRET);
    assertEquals(301, keys.status());
    assertEquals("/tyk/keys", keys.header("Location"));
    RawHttp.Response hello = get(cleaning, "/pub/%2e%2e/hello");
    assertEquals(301, hello.status());
    assertEquals("/hello", hello.header("Location"));
    assertEquals(200, get(cleaning, "/hello").status());
    assertTrue(upstream.received.isEmpty(), "nothing reached the upstream: " + upstream.received);
  }

  @Test
  void hooksAndUpstreamSeeTheOneCleanPath() throws Exception {
    RawHttp.Response moved = get(cleaning, "/hooked/a/./b//c?k=v");
    assertEquals(301, moved.status());
    assertTrue(cleaningHooks.calls.isEmpty(), "no hook runs before the redirect");
    RawHttp.Response answer = get(cleaning, moved.header("Location"));
    assertEquals(200, answer.status(), answer.text());
    assertEquals("/hooked/a/b/c?k=v", cleaningHooks.callsTo("seePath").get(0).getRequest().getUrl());
    assertEquals("/HOOKED/a/b/c?k=v", answer.json().getString("uri"));
  }

  @Test
  void skippingCleaningForwardsTheRawPathToTheApiWhoseListenPathPrefixesIt() throws Exception {
    RawHttp.Response answer = get(skipping, "/pub/../priv/secret");
    assertEquals(200, answer.status(), answer.text());
    assertEquals("/PUB/../priv/secret", answer.json().getString("uri"), "routed to pub, sent as written");
    RawHttp.Response encoded = get(skipping, "/pub/%2e%2e/priv/secret?x=1");
    assertEquals(200, encoded.status(), encoded.text());
    assertEquals("/PUB/%2e%2e/priv/secret?x=1", encoded.json().getString("uri"));
    // "//priv/secret" does not start with "/priv/": no API listens there.
    assertEquals(404, get(skipping, "//priv/secret").status());
    assertEquals(2, upstream.received.size(), upstream.received.toString());

    RawHttp.Response hooked = get(skipping, "/hooked/a/../b");
    assertEquals(200, hooked.status(), hooked.text());
    assertEquals("/hooked/a/../b", skippingHooks.callsTo("seePath").get(0).getRequest().getUrl());
    assertEquals("/HOOKED/a/../b", hooked.json().getString("uri"));
  }

  private static RawHttp.Response get(TestGateway gw, String target, String... headers) throws Exception {
    try (RawHttp http = RawHttp.connect(gw.port())) {
      String[] lines = new String[headers.length + 2];
      lines[0] = "Host: 127.0.0.1:" + gw.port();
      lines[1] = "Connection: close";
      System.arraycopy(headers, 0, lines, 2, headers.length);
      return http.head("GET " + target + " HTTP/1.1", lines).read();
    }
  }
}
