package dev.coproxy.coprocess;

import static dev.coproxy.coprocess.CoprocessFixture.hook;
import static dev.coproxy.coprocess.CoprocessFixture.hooks;
import static dev.coproxy.coprocess.CoprocessFixture.middleware;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** API definitions whose hooks cannot work are skipped at load, with an error naming the key. */
class HookLoadErrorsIT {

  private static CoprocessFixture fx;

  @BeforeAll
  static void start() throws Exception {
    fx = CoprocessFixture.start();
  }

  @AfterAll
  static void stop() throws Exception {
    fx.close();
  }

  private static String errorFor(JsonArray errors, String apiId) {
    List<String> mine = errors.stream().map(String::valueOf).filter(e -> e.contains(apiId + ".json")).toList();
    assertEquals(1, mine.size(), errors.encodePrettily());
    return mine.get(0);
  }

  @Test
  void invalidHookSetUpsAreSkippedWithTheirKeyNamed() throws Exception {
    fx.gw.writeApi("le-nodriver.json", fx.keyless("le-nodriver", new JsonObject().put("pre", hooks("a"))));
    fx.gw.writeApi("le-otto.json", fx.keyless("le-otto", new JsonObject().put("driver", "otto").put("pre", hooks("a"))));
    fx.gw.writeApi("le-notobject.json", fx.keyless("le-notobject", middleware().put("post", new JsonArray().add("a"))));
    fx.gw.writeApi("le-negative.json", fx.keyless("le-negative",
        middleware().put("response", new JsonArray().add(hook("a").put("timeout_ms", -5)))));
    fx.gw.writeApi("le-authneg.json", fx.protectedApi("le-authneg", middleware().put("auth_check", hook("a").put("timeout_ms", -1)))
        .put("custom_plugin_auth_enabled", true));
    fx.gw.writeApi("le-good.json", fx.keyless("le-good", middleware().put("pre", hooks("leGood"))));
    JsonObject answer = fx.gw.reload();
    JsonArray errors = answer.getJsonArray("errors");

    assertTrue(errorFor(errors, "le-nodriver").contains("custom_middleware.driver"), errors.encodePrettily());
    String otto = errorFor(errors, "le-otto");
    assertTrue(otto.contains("custom_middleware.driver") && otto.contains("otto"), otto);
    assertTrue(errorFor(errors, "le-notobject").contains("custom_middleware.post[0]"), errors.encodePrettily());
    assertTrue(errorFor(errors, "le-negative").contains("custom_middleware.response[0].timeout_ms"), errors.encodePrettily());
    assertTrue(errorFor(errors, "le-authneg").contains("custom_middleware.auth_check.timeout_ms"), errors.encodePrettily());

    for (String id : List.of("le-nodriver", "le-otto", "le-notobject", "le-negative", "le-authneg")) {
      assertEquals(404, fx.call(HttpMethod.GET, "/" + id + "/x").status(), id + " is not served");
    }
    assertEquals(200, fx.call(HttpMethod.GET, "/le-good/x").status(), "the valid API still loads");
    assertEquals(1, fx.driver.callsTo("leGood").size());
    for (String id : List.of("le-nodriver", "le-otto", "le-notobject", "le-negative", "le-authneg")) {
      Files.delete(fx.gw.appPath.resolve(id + ".json"));
    }
  }

  @Test
  void badNewVersionKeepsThePreviousOneLive() throws Exception {
    JsonObject good = fx.keyless("le-reload", middleware().put("pre", hooks("leReload")));
    fx.gw.writeApi("le-reload.json", good);
    assertTrue(fx.gw.reload().getJsonArray("errors").stream().noneMatch(e -> String.valueOf(e).contains("le-reload")));
    fx.gw.writeApi("le-reload.json", fx.keyless("le-reload", middleware().put("pre", new JsonArray().add(hook("leReload2").put("timeout_ms", 0)))));
    JsonArray errors = fx.gw.reload().getJsonArray("errors");
    String error = errorFor(errors, "le-reload");
    assertTrue(error.contains("custom_middleware.pre[0].timeout_ms") && error.contains("previous version"), error);
    assertEquals(200, fx.call(HttpMethod.GET, "/le-reload/x").status());
    assertEquals(1, fx.driver.callsTo("leReload").size());
    fx.gw.writeApi("le-reload.json", good);
  }
}
