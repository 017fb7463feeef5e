package dev.coproxy.coprocess.lua;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.Poll;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Lua scripts whose top-level code does what an event loop must not ({@code require} of a module
 * in the plugin folder, a loop far past {@code lua_loop_instructions}), in the default config
 * (default {@code lua_instances} and loop budget): the top-level code runs to its end off the loop,
 * and the hook works on the first request, on the following ones (once the event-loop instances
 * have their globals) and after a reload.
 */
class LuaTopLevelIT {

  /** Top-level iterations: about 100 times the default loop budget of 20000 instructions. */
  private static final int TOP_LEVEL_WORK = 500_000;

  private static Path lua;
  private static TestGateway gw;
  private static Upstream upstream;

  @BeforeAll
  static void start() throws Exception {
    Path middleware = Files.createTempDirectory("coproxy-lua-top");
    lua = Files.createDirectories(middleware.resolve("lua"));
    Files.writeString(lua.resolve("top_helper.lua"), helper("helped-1"));
    Files.writeString(lua.resolve("top_main.lua"), main("top_pre", "top_helper"));
    Files.writeString(lua.resolve("reload_helper.lua"), helper("reloaded-1"));
    Files.writeString(lua.resolve("reload_main.lua"), main("reload_pre", "reload_helper"));
    gw = TestGateway.start(new JsonObject().put("middleware_path", middleware.toString())
        .put("coprocess_options", new JsonObject().put("enable_coprocess", true)), Map.of());
    upstream = Upstream.start(gw.vertx);
  }

  @AfterAll
  static void stop() throws Exception {
    upstream.close();
    gw.close();
  }

  // A module: loaded as a script of the folder too, where its return value is dropped.
  private static String helper(String tag) {
    return "local M = {}\nfunction M.tag() return \"" + tag + "\" end\nreturn M\n";
  }

  private static String main(String hook, String module) {
    return "package.path = \"" + lua + "/?.lua;\" .. package.path\n"
        + "local helper = require(\"" + module + "\")\n"
        + "local work = 0\nfor i = 1, " + TOP_LEVEL_WORK + " do work = work + 1 end\n"
        + "function " + hook + "(request, session, spec)\n"
        + "  tyk.req.set_header(\"X-Helper\", helper.tag())\n"
        + "  tyk.req.set_header(\"X-Work\", tostring(work))\n"
        + "  return request, session\nend\n";
  }

  private static void deploy(String id, String hook) throws Exception {
    JsonObject api = Apis.keyless(id, "/" + id + "/", upstream.url("/")).put("custom_middleware",
        new JsonObject().put("driver", "lua").put("pre", new JsonArray().add(new JsonObject().put("name", hook))));
    gw.writeApi(id + ".json", api);
    JsonObject answer = gw.reload();
    assertEquals(new JsonArray(), answer.getJsonArray("errors"), answer.encodePrettily());
  }

  private static double onLoop() {
    Counter counter = gw.meters.find("coproxy.hook.front").tags("driver", "lua", "result", "event_loop").counter();
    return counter == null ? 0 : counter.count();
  }

  // One request; the hook's headers reached the upstream.
  private static void expect(String uri, String tag) throws Exception {
    TestGateway.Reply reply = gw.call(HttpMethod.GET, uri, Map.of(), null);
    assertEquals(200, reply.status(), reply.text());
    JsonObject seen = reply.json().getJsonObject("headers");
    assertEquals(tag, seen.getString("x-helper"), seen.encode());
    assertEquals(String.valueOf(TOP_LEVEL_WORK), seen.getString("x-work"), seen.encode());
  }

  // Requests until event-loop instances have answered a few: every one must have the hook's effect.
  private static void expectUntilTheLoopAnswers(String uri, String tag) throws Exception {
    double before = onLoop();
    Poll.until(Duration.ofSeconds(20), "three calls answered by event-loop instances", () -> {
      expect(uri, tag);
      return onLoop() >= before + 3;
    });
  }

  @Test
  void topLevelRequireAndWorkRunOffTheLoopAndTheHookAnswersOnEveryRequest() throws Exception {
    deploy("ltop", "top_pre");
    expect("/ltop/x", "helped-1");
    expectUntilTheLoopAnswers("/ltop/x", "helped-1");
  }

  @Test
  void aReloadedGenerationIsBuiltOffTheLoopToo() throws Exception {
    deploy("ltop-reload", "reload_pre");
    expectUntilTheLoopAnswers("/ltop-reload/x", "reloaded-1");
    Files.writeString(lua.resolve("reload_helper.lua"), helper("reloaded-2"));
    JsonObject answer = gw.reload();
    assertEquals(new JsonArray(), answer.getJsonArray("errors"), answer.encodePrettily());
    expect("/ltop-reload/x", "reloaded-2");
    expectUntilTheLoopAnswers("/ltop-reload/x", "reloaded-2");
  }
}
