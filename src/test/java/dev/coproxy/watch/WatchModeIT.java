package dev.coproxy.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.LogCapture;
import dev.coproxy.testing.Poll;
import dev.coproxy.testing.TempDirs;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Traffic;
import dev.coproxy.testing.Upstream;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Watch mode with real plugins: a gateway with {@code coprocess_options.watch} on, real Lua scripts
 * and a real CPython worker, a real upstream, traffic running while files are saved. A saved script
 * is live without a reload call and without a failed request; a save that does not compile keeps the
 * previous version and is logged once with its file and line; a new API file is served. With watch
 * off (the default) a saved script waits for {@code /tyk/reload}.
 */
class WatchModeIT {

  /** Generous for a loaded two-core machine; the gateway itself polls every 200 ms. */
  private static final Duration LIVE = Duration.ofSeconds(10);

  private static Path middleware;
  private static TestGateway gw;
  private static Upstream upstream;

  @BeforeAll
  static void start() throws Exception {
    middleware = Files.createTempDirectory("coproxy-watch-mw");
    Files.createDirectories(middleware.resolve("lua"));
    Files.createDirectories(middleware.resolve("python"));
    Files.writeString(middleware.resolve("lua/watch.lua"), lua("watch_pre", "1"));
    Files.writeString(middleware.resolve("lua/unwatched.lua"), lua("unwatched_pre", "1"));
    Files.writeString(middleware.resolve("python/watch.py"), python("1"));
    gw = start(true);
    upstream = Upstream.start(gw.vertx);
  }

  private static TestGateway start(boolean watch) throws Exception {
    JsonObject coprocess = new JsonObject().put("enable_coprocess", true).put("python_workers", 1).put("lua_instances", 1);
    if (watch) {
      coprocess.put("watch", true);
    }
    return TestGateway.start(new JsonObject().put("middleware_path", middleware.toString()).put("coprocess_options", coprocess), Map.of());
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

  private static String lua(String function, String version) {
    return "function " + function + "(request, session, spec)\n  tyk.req.set_header(\"X-Version\", \"" + version + "\")\n"
        + "  return request, session\nend\n";
  }

  private static String python(String version) {
    return "import os\nfrom tyk.decorators import *\n\n@Hook\ndef WatchPre(request, session, spec):\n"
        + "    request.add_header(\"X-Pid\", str(os.getpid()))\n"
        + "    request.add_header(\"X-Version\", \"" + version + "\")\n    return request, session\n";
  }

  private static JsonObject api(String id, String driver, String hook) {
    return Apis.keyless(id, "/" + id + "/", upstream.url("/")).put("custom_middleware", new JsonObject().put("driver", driver)
        .put("pre", new JsonArray().add(new JsonObject().put("name", hook))));
  }

  private static void deploy(TestGateway gateway, JsonObject api) throws Exception {
    gateway.writeApi(api.getString("api_id") + ".json", api);
    JsonObject answer = gateway.reload();
    assertEquals(new JsonArray(), answer.getJsonArray("errors"), answer.encodePrettily());
  }

  private static TestGateway.Reply get(TestGateway gateway, String id) throws Exception {
    return gateway.call(HttpMethod.GET, "/" + id + "/x", Map.of(), null);
  }

  private static String version(TestGateway.Reply reply) {
    return reply.json().getJsonObject("headers").getString("x-version");
  }

  private static void save(String file, String text) throws Exception {
    Files.writeString(middleware.resolve(file), text, StandardCharsets.UTF_8);
  }

  @Test
  void savedLuaScriptIsLiveWithoutAReloadAndABrokenSaveKeepsIt() throws Exception {
    deploy(gw, api("w-lua", "lua", "watch_pre"));
    assertEquals("1", version(get(gw, "w-lua")));
    Traffic traffic = Traffic.start(2, () -> get(gw, "w-lua"), WatchModeIT::version);
    List<String> versions = traffic.values;
    try (traffic; LogCapture log = new LogCapture()) {
      Poll.until(LIVE, () -> versions.size() >= 5, () -> "traffic before the save");
      save("lua/watch.lua", lua("watch_pre", "2"));
      Poll.until(LIVE, () -> versions.get(versions.size() - 1).equals("2"), () -> "the saved script served, last: " + versions.get(versions.size() - 1));

      // Line 2 lacks a comma: the file does not compile.
      save("lua/watch.lua", "function watch_pre(request, session, spec)\n  return request session\nend\n");
      Poll.until(LIVE, () -> log.count("lua/watch.lua:2") >= 1, () -> "a log line naming the file and line, got " + log.lines);
      String line = log.lines.stream().filter(l -> l.contains("lua/watch.lua:2")).findFirst().orElseThrow();
      assertTrue(line.contains("does not compile") && line.contains("previous version stays live"), line);

      // A new API file is served without a reload call; that reload also shows the broken file is not logged again.
      JsonObject fresh = api("w-new", "lua", "unwatched_pre");
      gw.writeApi("w-new.json", fresh);
      Poll.until(LIVE, "the new API file served", () -> get(gw, "w-new").status() == 200);
      int seen = versions.size();
      Poll.until(LIVE, () -> versions.size() >= seen + 5, () -> "traffic after the broken save");
      assertEquals(1, log.count("lua/watch.lua:2"), String.join("\n", log.lines));
    }
    assertEquals(List.of(), traffic.failures);
    assertEquals("2", versions.get(versions.size() - 1), "the broken save kept version 2 live");
    save("lua/watch.lua", lua("watch_pre", "3"));
    Poll.until(LIVE, "the fixed script served", () -> "3".equals(version(get(gw, "w-lua"))));
  }

  @Test
  void savedPythonPluginIsLiveWithoutAReloadOrAFailedRequest() throws Exception {
    deploy(gw, api("w-py", "python", "WatchPre"));
    assertEquals("1", version(get(gw, "w-py")));
    Traffic traffic = Traffic.start(2, () -> get(gw, "w-py"), WatchModeIT::version);
    List<String> versions = traffic.values;
    try (traffic; LogCapture log = new LogCapture()) {
      Poll.until(LIVE, () -> versions.size() >= 5, () -> "traffic before the save");
      save("python/watch.py", python("2"));
      Poll.until(LIVE, () -> versions.get(versions.size() - 1).equals("2"), () -> "the saved plugin served");
      save("python/watch.py", python("3").replace("return request, session", "return request session"));
      Poll.until(LIVE, () -> log.count("watch.py line 8") >= 1, () -> "a log line naming the file and line, got " + log.lines);
      int seen = versions.size();
      Poll.until(LIVE, () -> versions.size() >= seen + 5, () -> "traffic after the broken save");
    }
    assertEquals(List.of(), traffic.failures);
    assertEquals("2", versions.get(versions.size() - 1), "the broken save kept version 2 live");

    // The worker dies; its replacement never saw version 2 load, yet serves it rather than nothing.
    String first = get(gw, "w-py").json().getJsonObject("headers").getString("x-pid");
    ProcessHandle.of(Long.parseLong(first)).orElseThrow().destroyForcibly();
    Poll.until(LIVE, "a replacement worker serving version 2", () -> {
      TestGateway.Reply reply = get(gw, "w-py");
      return reply.status() == 200 && !first.equals(reply.json().getJsonObject("headers").getString("x-pid"))
          && "2".equals(version(reply));
    });
    save("python/watch.py", python("4"));
    Poll.until(LIVE, "the fixed plugin served", () -> "4".equals(version(get(gw, "w-py"))));
  }

  @Test
  void withoutWatchASavedScriptWaitsForAReload() throws Exception {
    try (TestGateway plain = start(false)) {
      deploy(plain, api("w-off", "lua", "unwatched_pre"));
      assertEquals("1", version(get(plain, "w-off")));
      save("lua/unwatched.lua", lua("unwatched_pre", "2"));
      assertEquals("1", version(get(plain, "w-off")), "served before any reload");
      assertEquals(new JsonArray(), plain.reload().getJsonArray("errors"));
      assertEquals("2", version(get(plain, "w-off")), "served after /tyk/reload");
    } finally {
      save("lua/unwatched.lua", lua("unwatched_pre", "1"));
    }
  }
}
