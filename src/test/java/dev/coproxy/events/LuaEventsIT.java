package dev.coproxy.events;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.Poll;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Events and a real plugin: a Lua cp_dynamic_handler receives them, and tyk.trigger_event fires them. */
class LuaEventsIT {

  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static final String SCRIPT = """
      function trigger_hook(request, session, spec)
        tyk.trigger_event("FromLua", "hello-from-lua")
        return request, session
      end

      function on_auth_failure(message, spec)
        tyk.store_data("auth-failure-seen", message.Type .. ":" .. message.Meta.Key .. ":" .. spec.APIID, 60)
      end
      """;

  @TempDir
  Path middleware;
  private Vertx side;
  private Upstream webhook;
  private Upstream upstream;
  private TestGateway gw;

  @BeforeEach
  void start() throws Exception {
    side = Vertx.vertx();
    webhook = Upstream.start(side);
    upstream = Upstream.start(side);
    Files.createDirectories(middleware.resolve("lua"));
    Files.writeString(middleware.resolve("lua").resolve("events.lua"), SCRIPT);
    JsonObject keyless = Apis.keyless("k", "/k/", upstream.url("/"))
        .put("custom_middleware", new JsonObject().put("driver", "lua")
            .put("pre", new JsonArray().add(new JsonObject().put("name", "trigger_hook"))));
    JsonObject protectedApi = Apis.protectedApi("p", "/p/", upstream.url("/"))
        .put("custom_middleware", new JsonObject().put("driver", "lua"))
        .put("event_handlers", new JsonObject().put("events", new JsonObject().put("AuthFailure", new JsonArray()
            .add(new JsonObject().put("handler_name", "cp_dynamic_handler")
                .put("handler_meta", new JsonObject().put("name", "on_auth_failure"))))));
    JsonObject global = new JsonObject().put("events", new JsonObject().put("FromLua", new JsonArray()
        .add(new JsonObject().put("handler_name", "eh_web_hook_handler")
            .put("handler_meta", new JsonObject().put("target_path", webhook.url("/events")).put("method", "POST")))));
    gw = TestGateway.start(new JsonObject().put("middleware_path", middleware.toString()).put("event_handlers", global)
        .put("coprocess_options", new JsonObject().put("enable_coprocess", true).put("lua_instances", 1)),
        Map.of("k.json", keyless, "p.json", protectedApi));
  }

  @AfterEach
  void stop() throws Exception {
    gw.close();
    side.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void triggerEventFromLuaReachesGlobalHandlers() throws Exception {
    assertEquals(200, gw.call(HttpMethod.GET, "/k/x", Map.of(), null).status());
    Poll.until(DEADLINE, () -> !webhook.received.isEmpty(), () -> "the webhook got nothing");
    JsonObject message = new JsonObject(webhook.received.get(0).getString("body")).getJsonObject("message");
    assertEquals("FromLua", message.getString("Type"));
    assertEquals("hello-from-lua", message.getJsonObject("Meta").getString("Message"));
  }

  @Test
  void cpDynamicHandlerCallsTheLuaFunction() throws Exception {
    assertEquals(403, gw.call(HttpMethod.GET, "/p/x", Map.of("Authorization", "bad-key"), null).status());
    Poll.until(DEADLINE, "the Lua event function stored what it saw",
        () -> "AuthFailure:bad-key:p".equals(gw.gateway.sessions().store().get("coprocess-data:auth-failure-seen")
            .await(5, TimeUnit.SECONDS)));
  }
}
