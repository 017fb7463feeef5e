package dev.coproxy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.TestGateway.Reply;
import dev.coproxy.testing.Upstream;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /tyk/apis}, {@code /tyk/reload} and {@code /hello} against a real gateway: definitions are
 * written to app_path and go live on reload; the Gateway API on its own port when
 * {@code control_api_port} is set.
 */
class ApisApiIT {

  private static TestGateway gw;
  private static Upstream upstream;

  @BeforeAll
  static void start() throws Exception {
    gw = TestGateway.start(new JsonObject(), Map.of());
    upstream = Upstream.start(gw.vertx);
  }

  @AfterAll
  static void stop() throws Exception {
    if (upstream != null) {
      upstream.close();
    }
    if (gw != null) {
      gw.close();
    }
  }

  @Test
  void postedApiIsWrittenToAppPathAndRoutesAfterReload() throws Exception {
    String id = unique("posted");
    JsonObject def = Apis.keyless(id, "/" + id + "/", upstream.url("/base"));
    Reply added = gw.admin(HttpMethod.POST, "/tyk/apis", def.encode());
    assertEquals(200, added.status(), added.text());
    assertEquals(new JsonObject().put("key", id).put("status", "ok").put("action", "added"), added.json());
    Path file = gw.appPath.resolve(id + ".json");
    assertEquals(def, new JsonObject(Files.readString(file)));
    assertEquals(404, get("/" + id + "/x").status(), "not live before a reload");

    JsonObject reload = gw.reload();
    assertEquals("ok", reload.getString("status"));
    Reply routed = get("/" + id + "/x");
    assertEquals(200, routed.status(), routed.text());
    assertEquals("/base/x", routed.json().getString("uri"));
  }

  @Test
  void postWithoutApiIdGetsOne() throws Exception {
    String listen = "/" + unique("noid") + "/";
    JsonObject def = Apis.keyless("x", listen, upstream.url("/"));
    def.remove("api_id");
    Reply added = gw.admin(HttpMethod.POST, "/tyk/apis", def.encode());
    assertEquals(200, added.status(), added.text());
    String id = added.json().getString("key");
    assertTrue(Files.exists(gw.appPath.resolve(id + ".json")), id);
    gw.reload();
    assertEquals(200, get(listen + "x").status());
    assertEquals(id, gw.admin(HttpMethod.GET, "/tyk/apis/" + id, null).json().getString("api_id"));
  }

  @Test
  void invalidDefinitionIs400NamingTheKeyAndWritesNothing() throws Exception {
    String id = unique("invalid");
    Map<String, JsonObject> bad = Map.of(
        "proxy.listen_path", Apis.keyless(id, "/x/", upstream.url("/")).put("proxy", new JsonObject().put("target_url", upstream.url("/"))),
        "proxy.target_url", Apis.keyless(id, "/x/", upstream.url("/")).put("proxy", new JsonObject().put("listen_path", "/x/")),
        "api_id", Apis.keyless("../" + id, "/x/", upstream.url("/")),
        "use_keyless", Apis.keyless(id, "/x/", upstream.url("/")).put("use_keyless", "sometimes"));
    for (Map.Entry<String, JsonObject> def : bad.entrySet()) {
      Reply refused = gw.admin(HttpMethod.POST, "/tyk/apis", def.getValue().encode());
      assertError(400, refused, def.getKey());
      assertTrue(refused.json().getString("message").contains(def.getKey()), refused.text());
    }
    for (String body : List.of("", "{", "[]", "null")) {
      assertError(400, gw.admin(HttpMethod.POST, "/tyk/apis", body), "body " + body);
    }
    try (var files = Files.list(gw.appPath)) {
      assertTrue(files.noneMatch(p -> p.getFileName().toString().contains(id)), "nothing written");
    }
    try (var files = Files.list(gw.appPath.getParent())) {
      assertTrue(files.noneMatch(p -> p.getFileName().toString().equals(id + ".json")), "nothing written outside app_path");
    }
  }

  @Test
  void postOfAnExistingApiIdIs409() throws Exception {
    String id = unique("twice");
    JsonObject def = Apis.keyless(id, "/" + id + "/", upstream.url("/"));
    assertEquals(200, gw.admin(HttpMethod.POST, "/tyk/apis", def.encode()).status());
    assertError(409, gw.admin(HttpMethod.POST, "/tyk/apis", def.encode()), "written, not loaded yet");
    gw.reload();
    assertError(409, gw.admin(HttpMethod.POST, "/tyk/apis", def.put("name", "changed").encode()), "loaded");
    assertEquals(id, gw.admin(HttpMethod.GET, "/tyk/apis/" + id, null).json().getString("name"));
  }

  @Test
  void putChangesTheApiAfterReload() throws Exception {
    String id = unique("changed");
    gw.writeApi(id + ".json", Apis.keyless(id, "/" + id + "/", upstream.url("/v1")));
    gw.reload();
    assertEquals("/v1/x", get("/" + id + "/x").json().getString("uri"));

    Reply modified = gw.admin(HttpMethod.PUT, "/tyk/apis/" + id, Apis.keyless(id, "/" + id + "/", upstream.url("/v2")).encode());
    assertEquals(200, modified.status(), modified.text());
    assertEquals(new JsonObject().put("key", id).put("status", "ok").put("action", "modified"), modified.json());
    gw.reload();
    assertEquals("/v2/x", get("/" + id + "/x").json().getString("uri"));
    assertEquals(upstream.url("/v2"), gw.admin(HttpMethod.GET, "/tyk/apis/" + id, null).json()
        .getJsonObject("proxy").getString("target_url"));
  }

  @Test
  void putWithMismatchedIdIs400AndUnknownIs404() throws Exception {
    String id = unique("put");
    gw.writeApi(id + ".json", Apis.keyless(id, "/" + id + "/", upstream.url("/v1")));
    gw.reload();
    Reply mismatch = gw.admin(HttpMethod.PUT, "/tyk/apis/" + id, Apis.keyless("other", "/" + id + "/", upstream.url("/v2")).encode());
    assertError(400, mismatch, "mismatch");
    assertError(400, gw.admin(HttpMethod.PUT, "/tyk/apis/" + id, new JsonObject().put("api_id", id).encode()), "invalid");
    assertError(404, gw.admin(HttpMethod.PUT, "/tyk/apis/" + unique("unknown"),
        Apis.keyless("x", "/unknown/", upstream.url("/")).put("api_id", (String) null).encode()), "unknown");
    gw.reload();
    assertEquals("/v1/x", get("/" + id + "/x").json().getString("uri"), "refused PUTs changed nothing");
  }

  @Test
  void deletedApiStopsRoutingAfterReload() throws Exception {
    String id = unique("deleted");
    // A file not named after its api_id: DELETE finds it through the loaded API.
    gw.writeApi("legacy-" + id + ".json", Apis.keyless(id, "/" + id + "/", upstream.url("/")));
    gw.reload();
    assertEquals(200, get("/" + id + "/x").status());
    Reply deleted = gw.admin(HttpMethod.DELETE, "/tyk/apis/" + id, null);
    assertEquals(200, deleted.status(), deleted.text());
    assertEquals(new JsonObject().put("key", id).put("status", "ok").put("action", "deleted"), deleted.json());
    assertFalse(Files.exists(gw.appPath.resolve("legacy-" + id + ".json")));
    gw.reload();
    assertEquals(404, get("/" + id + "/x").status());
    assertError(404, gw.admin(HttpMethod.GET, "/tyk/apis/" + id, null), "gone");
    assertError(404, gw.admin(HttpMethod.DELETE, "/tyk/apis/" + id, null), "twice");
  }

  @Test
  void deleteCannotReachFilesOutsideAppPath() throws Exception {
    String name = unique("outside");
    Path victim = gw.appPath.getParent().resolve(name + ".json");
    Files.writeString(victim, "{}");
    try {
      Reply reply = gw.admin(HttpMethod.DELETE, "/tyk/apis/..%2F" + name, null);
      assertTrue(reply.status() == 400 || reply.status() == 404, reply.status() + " " + reply.text());
      assertTrue(Files.exists(victim), "DELETE removed a file outside app_path");
    } finally {
      Files.deleteIfExists(victim);
    }
  }

  @Test
  void listAndGetShowLoadedDefinitions() throws Exception {
    String id = unique("listed");
    JsonObject def = Apis.keyless(id, "/" + id + "/", upstream.url("/"));
    gw.writeApi(id + ".json", def);
    gw.reload();
    Reply list = gw.admin(HttpMethod.GET, "/tyk/apis", null);
    assertEquals(200, list.status());
    JsonArray apis = new JsonArray(list.body());
    assertTrue(apis.stream().anyMatch(a -> id.equals(((JsonObject) a).getString("api_id"))), apis.encode());
    Reply one = gw.admin(HttpMethod.GET, "/tyk/apis/" + id, null);
    assertEquals(200, one.status());
    assertEquals(def, one.json());
    assertError(404, gw.admin(HttpMethod.GET, "/tyk/apis/" + unique("nope"), null), "unknown");
  }

  @Test
  void helloAnswersTykHealthShapeWithoutSecret() throws Exception {
    Reply hello = gw.call(HttpMethod.GET, "/hello", Map.of(), null);
    assertEquals(200, hello.status());
    assertEquals("application/json", hello.headers().get("content-type"));
    JsonObject health = hello.json();
    assertEquals("pass", health.getString("status"));
    assertNotNull(health.getString("version"));
    assertNotNull(health.getString("description"));
    JsonObject details = health.getJsonObject("details");
    assertNotNull(details);
    for (String component : details.fieldNames()) {
      JsonObject c = details.getJsonObject(component);
      assertEquals("pass", c.getString("status"), component);
      assertNotNull(c.getString("componentType"), component);
      assertNotNull(c.getString("time"), component);
    }
  }

  @Test
  void controlApiPortServesTheGatewayApiAndTheTrafficPortDoesNot() throws Exception {
    int control = freePort();
    try (TestGateway split = TestGateway.start(new JsonObject().put("control_api_port", control), Map.of())) {
      split.writeApi("k.json", Apis.keyless("k", "/k/", upstream.url("/")));
      assertEquals(control, split.gateway.controlPort());
      assertEquals(1, split.reload().getInteger("loaded"));
      Reply apis = split.call(control, HttpMethod.GET, "/tyk/apis", Map.of("x-tyk-authorization", TestGateway.SECRET), null);
      assertEquals(200, apis.status(), apis.text());
      assertEquals(1, new JsonArray(apis.body()).size());
      assertEquals(200, split.call(control, HttpMethod.GET, "/hello", Map.of(), null).status());

      int traffic = split.port();
      for (String uri : List.of("/tyk/apis", "/tyk/keys", "/tyk/reload")) {
        Reply refused = split.call(traffic, HttpMethod.GET, uri, Map.of("x-tyk-authorization", TestGateway.SECRET), null);
        assertEquals(404, refused.status(), uri + ": " + refused.text());
        assertFalse(refused.text().contains("\"status\":\"ok\""), refused.text());
      }
      Reply key = split.call(traffic, HttpMethod.POST, "/tyk/keys/abcdef", Map.of("x-tyk-authorization", TestGateway.SECRET), "{}");
      assertEquals(404, key.status());
      assertEquals(404, split.call(control, HttpMethod.GET, "/tyk/keys/abcdef", Map.of("x-tyk-authorization", TestGateway.SECRET), null).status());
      assertEquals(200, split.call(traffic, HttpMethod.GET, "/k/x", Map.of(), null).status(), "traffic still flows");
    }
  }

  private static Reply get(String uri) throws Exception {
    return gw.call(HttpMethod.GET, uri, Map.of(), null);
  }

  private static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void assertError(int status, Reply reply, String what) {
    assertEquals(status, reply.status(), what + ": " + reply.text());
    assertEquals("application/json", reply.headers().get("content-type"), what);
    assertEquals("error", reply.json().getString("status"), what);
    assertFalse(reply.json().getString("message", "").isBlank(), what);
  }
}
