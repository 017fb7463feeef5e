package dev.coproxy.coprocess;

import static dev.coproxy.coprocess.CoprocessFixture.hook;
import static dev.coproxy.coprocess.CoprocessFixture.middleware;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coproxy.testing.TestGateway;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A path on a version's {@code ignored} list skips an {@code auth_check} plugin as Tyk's
 * {@code CoProcessMiddleware} does for custom key checks: the plugin is not called and the request
 * reaches the upstream without a key; other paths still go through the plugin.
 */
class IgnoredPathAuthIT {

  private static CoprocessFixture fx;

  @BeforeAll
  static void start() throws Exception {
    fx = CoprocessFixture.start();
    // The plugin authorises nobody: without the ignored list, every request is refused.
    fx.driver.on("deny", o -> o);
    fx.deploy(fx.protectedApi("ign", middleware().put("auth_check", hook("deny"))).put("custom_plugin_auth_enabled", true)
        .put("version_data", new JsonObject().put("not_versioned", true).put("versions", new JsonObject()
            .put("Default", new JsonObject().put("use_extended_paths", true).put("extended_paths", new JsonObject()
                .put("ignored", new JsonArray().add(new JsonObject().put("path", "/public").put("method", "GET"))))))));
  }

  @AfterAll
  static void stop() throws Exception {
    fx.close();
  }

  @Test
  void anIgnoredPathDoesNotCallTheAuthPlugin() throws Exception {
    TestGateway.Reply reply = fx.gw.call(HttpMethod.GET, "/ign/public/page", Map.of(), null);
    assertEquals(200, reply.status(), reply.text());
    assertEquals("/public/page", reply.json().getString("uri"));
    assertEquals(0, fx.driver.callsTo("deny").size());

    TestGateway.Reply post = fx.gw.call(HttpMethod.POST, "/ign/public/page", Map.of("Authorization", "k"), "x");
    assertEquals(403, post.status(), "another method is not ignored: " + post.text());
    assertEquals(1, fx.driver.callsTo("deny").size());
  }
}
