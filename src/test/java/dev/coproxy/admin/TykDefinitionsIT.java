package dev.coproxy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.TestGateway.Reply;
import dev.coproxy.testing.Upstream;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, "what Tyk accepts, Coproxy accepts", for API definitions: a file without api_id, the
 * api_id values Tyk allows, and two APIs on one listen path, at load and through the Gateway API.
 */
class TykDefinitionsIT {

  private static TestGateway gw;
  private static Upstream upstream;

  @BeforeAll
  static void start() throws Exception {
    gw = TestGateway.start(new JsonObject(), Map.of());
    upstream = Upstream.start(gw.vertx);
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
  }

  @Test
  void aDefinitionWithoutApiIdTakesItsFileNameAcrossReloads() throws Exception {
    JsonObject noId = Apis.keyless("x", "/no-id/", upstream.url("/no-id-up"));
    noId.remove("api_id");
    gw.writeApi("tyk-plugin-fixture.json", noId);
    gw.reload();
    Reply read = gw.admin(HttpMethod.GET, "/tyk/apis/tyk-plugin-fixture", null);
    assertEquals(200, read.status(), read.text());
    assertEquals("tyk-plugin-fixture", read.json().getString("api_id"));
    assertEquals(200, gw.call(HttpMethod.GET, "/no-id/a", Map.of(), null).status());
    gw.reload();
    assertEquals(200, gw.admin(HttpMethod.GET, "/tyk/apis/tyk-plugin-fixture", null).status(), "the same id after a reload");
    Files.delete(gw.appPath.resolve("tyk-plugin-fixture.json"));
    gw.reload();
  }

  @Test
  void apiIdsHoldWhatTykAllowsButNeverAPathOrControlCharacter() throws Exception {
    String id = "Tyk API: 1 (v2) ü";
    Reply created = gw.admin(HttpMethod.POST, "/tyk/apis", Apis.keyless(id, "/odd-id/", upstream.url("/")).encode());
    assertEquals(200, created.status(), created.text());
    assertTrue(Files.exists(gw.appPath.resolve(id + ".json")));
    gw.reload();
    assertEquals(200, gw.call(HttpMethod.GET, "/odd-id/", Map.of(), null).status());
    assertEquals(200, gw.admin(HttpMethod.DELETE, "/tyk/apis/Tyk%20API:%201%20(v2)%20%C3%BC", null).status());
    gw.reload();

    for (String bad : new String[] {"a/b", "a\\b", "..", ".", "a%2Fb", "a%252Fb", "tab\there"}) {
      Reply refused = gw.admin(HttpMethod.POST, "/tyk/apis", Apis.keyless(bad, "/bad/", upstream.url("/")).encode());
      assertEquals(400, refused.status(), bad + ": " + refused.text());
      assertTrue(refused.json().getString("message").contains("api_id"), refused.text());
    }
    try (var files = Files.list(gw.appPath)) {
      assertTrue(files.noneMatch(f -> f.getFileName().toString().contains("bad")), "nothing written");
    }
  }

  @Test
  void theApiServingAListenPathKeepsItAndTheNewcomerIsRefused() throws Exception {
    gw.writeApi("zz-owner.json", Apis.keyless("owner", "/shared/", upstream.url("/owner")));
    gw.reload();
    // "aa-" sorts first: by file order alone it would displace the live API.
    gw.writeApi("aa-newcomer.json", Apis.keyless("newcomer", "/shared/", upstream.url("/newcomer")));
    JsonObject report = gw.reload();
    assertTrue(report.getJsonArray("errors").encode().contains("newcomer"), report.encode());
    assertTrue(report.getJsonArray("errors").encode().contains("owner"), report.encode());
    Reply served = gw.call(HttpMethod.GET, "/shared/x", Map.of(), null);
    assertTrue(served.text().contains("/owner"), served.text());
    assertEquals(404, gw.admin(HttpMethod.GET, "/tyk/apis/newcomer", null).status());

    Reply posted = gw.admin(HttpMethod.POST, "/tyk/apis", Apis.keyless("third", "/shared/", upstream.url("/")).encode());
    assertEquals(400, posted.status(), posted.text());
    assertTrue(posted.json().getString("message").contains("proxy.listen_path"), posted.text());
    assertTrue(posted.json().getString("message").contains("owner"), posted.text());
    Reply put = gw.admin(HttpMethod.PUT, "/tyk/apis/newcomer", Apis.keyless("newcomer", "/shared/", upstream.url("/")).encode());
    assertEquals(400, put.status(), put.text());
    // The holder itself may be updated on its own listen path.
    assertEquals(200, gw.admin(HttpMethod.PUT, "/tyk/apis/owner", Apis.keyless("owner", "/shared/", upstream.url("/owner")).encode()).status());

    Files.delete(gw.appPath.resolve("aa-newcomer.json"));
    Files.delete(gw.appPath.resolve("zz-owner.json"));
    gw.reload();
  }
}
