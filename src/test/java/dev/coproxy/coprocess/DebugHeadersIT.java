package dev.coproxy.coprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.TempDirs;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The debug headers with real plugins: a real CPython worker and real Lua scripts in
 * {@code <middleware_path>}, a real gateway and upstream. {@code X-Coproxy-Plugin-Error} names the
 * plugin's file and line, {@code X-Coproxy-Hooks} lists the hooks that ran; neither is there unless
 * the API or the gateway turns them on.
 */
class DebugHeadersIT {

  private static final String ERROR = "X-Coproxy-Plugin-Error";
  private static final String HOOKS = "X-Coproxy-Hooks";

  private static Path middleware;
  private static TestGateway gw;
  private static Upstream upstream;

  @BeforeAll
  static void start() throws Exception {
    middleware = Files.createTempDirectory("coproxy-debug-mw");
    copy("debug.py", middleware.resolve("python"));
    copy("debug.lua", middleware.resolve("lua"));
    gw = start(new JsonObject());
    upstream = Upstream.start(gw.vertx);
  }

  private static TestGateway start(JsonObject coprocessOptions) throws Exception {
    return TestGateway.start(new JsonObject().put("middleware_path", middleware.toString()).put("coprocess_options",
        new JsonObject().put("enable_coprocess", true).put("python_workers", 1).put("lua_instances", 1).mergeIn(coprocessOptions)), Map.of());
  }

  private static void copy(String name, Path folder) throws Exception {
    Files.createDirectories(folder);
    try (InputStream in = DebugHeadersIT.class.getResourceAsStream("/debug/" + name)) {
      Files.write(folder.resolve(name), in.readAllBytes());
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (upstream != null) {
      upstream.close();
    }
    if (gw != null) {
      gw.close();
    }
    TempDirs.delete(middleware);
  }

  /** The 1-based line of the plugin file that carries {@code line: <marker>}. */
  private static int line(String file, String marker) throws Exception {
    try (InputStream in = DebugHeadersIT.class.getResourceAsStream("/debug/" + file)) {
      List<String> lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
      for (int i = 0; i < lines.size(); i++) {
        if (lines.get(i).contains("line: " + marker)) {
          return i + 1;
        }
      }
    }
    throw new AssertionError("no marker " + marker + " in " + file);
  }

  private static JsonObject api(String id, JsonObject customMiddleware, Boolean debug) {
    if (debug != null) {
      customMiddleware.put("debug_headers", debug);
    }
    return Apis.keyless(id, "/" + id + "/", upstream.url("/")).put("custom_middleware", customMiddleware);
  }

  private static JsonObject hooks(String driver, String key, String... names) {
    JsonArray list = new JsonArray();
    for (String name : names) {
      list.add(new JsonObject().put("name", name));
    }
    return new JsonObject().put("driver", driver).put(key, list);
  }

  private static void deploy(TestGateway gateway, JsonObject api) throws Exception {
    gateway.writeApi(api.getString("api_id") + ".json", api);
    JsonObject answer = gateway.reload();
    assertEquals(new JsonArray(), answer.getJsonArray("errors"), answer.encodePrettily());
  }

  private static TestGateway.Reply get(TestGateway gateway, String id) throws Exception {
    return gateway.call(HttpMethod.GET, "/" + id + "/x", Map.of(), null);
  }

  @Test
  void pythonFailureNamesThePluginsFileAndLine() throws Exception {
    deploy(gw, api("dbg-py-div", hooks("python", "pre", "DbgDivides"), true));
    TestGateway.Reply reply = get(gw, "dbg-py-div");
    assertEquals(500, reply.status(), reply.text());
    assertEquals(new JsonObject().put("error", "Middleware error"), reply.json());
    assertEquals("pre:DbgDivides driver=python file=debug.py line=" + line("debug.py", "divide")
        + ": ZeroDivisionError: division by zero", reply.headers().get(ERROR));
    assertTrue(reply.headers().get(HOOKS).matches("pre:DbgDivides=\\d+\\.\\dms"), reply.headers().get(HOOKS));
  }

  @Test
  void pythonFailureInALibraryNamesThePluginsLineThatCalledIt() throws Exception {
    deploy(gw, api("dbg-py-json", hooks("python", "post", "DbgBadJson"), true));
    TestGateway.Reply reply = get(gw, "dbg-py-json");
    assertEquals(500, reply.status(), reply.text());
    String error = reply.headers().get(ERROR);
    assertTrue(error.startsWith("post:DbgBadJson driver=python file=debug.py line=" + line("debug.py", "json") + ": JSONDecodeError: "),
        error);
  }

  @Test
  void luaFailuresNameTheScriptAndLineAlsoForAuth() throws Exception {
    deploy(gw, api("dbg-lua", hooks("lua", "pre", "dbg_ok", "dbg_fails"), true));
    TestGateway.Reply reply = get(gw, "dbg-lua");
    assertEquals(500, reply.status(), reply.text());
    assertEquals("pre:dbg_fails driver=lua file=lua/debug.lua line=" + line("debug.lua", "error") + ": lua says no",
        reply.headers().get(ERROR));
    assertTrue(reply.headers().get(HOOKS).matches("pre:dbg_ok=\\d+\\.\\dms,pre:dbg_fails=\\d+\\.\\dms"), reply.headers().get(HOOKS));

    JsonObject auth = Apis.protectedApi("dbg-lua-auth", "/dbg-lua-auth/", upstream.url("/")).put("custom_plugin_auth_enabled", true)
        .put("custom_middleware", new JsonObject().put("driver", "lua").put("debug_headers", true)
            .put("auth_check", new JsonObject().put("name", "dbg_auth")));
    deploy(gw, auth);
    TestGateway.Reply refused = gw.call(HttpMethod.GET, "/dbg-lua-auth/x", Map.of("Authorization", "k"), null);
    assertEquals(403, refused.status(), refused.text());
    String error = refused.headers().get(ERROR);
    assertTrue(error.startsWith("auth_check:dbg_auth driver=lua file=lua/debug.lua line=" + line("debug.lua", "auth") + ": "), error);
  }

  @Test
  void everyAnswerListsTheHooksThatRanInOrder() throws Exception {
    JsonObject cm = hooks("python", "pre", "DbgOk").put("post", new JsonArray().add(new JsonObject().put("name", "DbgOk")))
        .put("response", new JsonArray().add(new JsonObject().put("name", "DbgOk")));
    deploy(gw, api("dbg-times", cm, true));
    TestGateway.Reply reply = get(gw, "dbg-times");
    assertEquals(200, reply.status(), reply.text());
    assertTrue(reply.headers().get(HOOKS).matches("pre:DbgOk=\\d+\\.\\dms,post:DbgOk=\\d+\\.\\dms,response:DbgOk=\\d+\\.\\dms"),
        reply.headers().get(HOOKS));
    assertNull(reply.headers().get(ERROR));
  }

  @Test
  void offByDefaultAndWhenTheApiSaysFalse() throws Exception {
    deploy(gw, api("dbg-off", hooks("python", "pre", "DbgOk", "DbgDivides"), null));
    deploy(gw, api("dbg-false", hooks("lua", "pre", "dbg_fails"), false));
    for (String id : new String[] {"dbg-off", "dbg-false"}) {
      TestGateway.Reply reply = get(gw, id);
      assertEquals(500, reply.status(), reply.text());
      assertEquals(new JsonObject().put("error", "Middleware error"), reply.json());
      assertNull(reply.headers().get(ERROR), id);
      assertNull(reply.headers().get(HOOKS), id);
    }
  }

  @Test
  void theGatewaySwitchTurnsThemOnForEveryApi() throws Exception {
    try (TestGateway debug = start(new JsonObject().put("debug_headers", true))) {
      deploy(debug, api("dbg-gw-ok", hooks("lua", "pre", "dbg_ok"), null));
      deploy(debug, api("dbg-gw-fails", hooks("lua", "post", "dbg_fails"), null));
      TestGateway.Reply ok = get(debug, "dbg-gw-ok");
      assertEquals(200, ok.status(), ok.text());
      assertTrue(ok.headers().get(HOOKS).matches("pre:dbg_ok=\\d+\\.\\dms"), ok.headers().get(HOOKS));
      TestGateway.Reply failed = get(debug, "dbg-gw-fails");
      assertEquals(500, failed.status(), failed.text());
      assertEquals("post:dbg_fails driver=lua file=lua/debug.lua line=" + line("debug.lua", "error") + ": lua says no",
          failed.headers().get(ERROR));
    }
  }
}
