package dev.coproxy.plugintest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.app.GatewayProcess;
import dev.coproxy.testing.Bundles;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code coproxy.jar plugin test} as a plugin author runs it in CI: the fat jar in its own process,
 * the real Lua and Python drivers, the test plugins of LuaDriverIT and PythonDriverIT.
 */
class PluginTestProcessIT {

  private static final Path JAR = Path.of("target", "coproxy.jar");
  private static Path work;

  @BeforeAll
  static void plugins() throws Exception {
    work = Files.createTempDirectory("coproxy-plugin-test-it");
    Files.createDirectories(work.resolve("lua"));
    Files.createDirectories(work.resolve("python"));
    copy("/lua/plugins.lua", work.resolve("lua/plugins.lua"));
    copy("/python/middleware.py", work.resolve("python/middleware.py"));
  }

  @Test
  void luaHookThatSetsHeadersPrintsTheObjectAndTheChanges() throws Exception {
    Path request = request("lua.json", new JsonObject().put("method", "GET").put("url", "/things?a=1")
        .put("headers", new JsonObject().put("x-probe", "probe-1").put("X-Drop-1", "x")));
    Run run = run("--driver", "lua", "--plugins", work.resolve("lua").toString(), "--hook", "lua_pre", "--request", request.toString());
    assertEquals(0, run.status, run.output);
    JsonObject returned = run.object();
    JsonObject setHeaders = returned.getJsonObject("request").getJsonObject("set_headers");
    assertEquals("yes", setHeaders.getString("X-Lua-Pre"), run.output);
    assertEquals("probe-1", setHeaders.getString("X-Seen-Probe"), "headers reach the hook with Go's canonical names");
    assertEquals("1", returned.getJsonObject("request").getJsonObject("params").getString("a"));
    assertTrue(run.stderr.contains("request.set_headers.X-Lua-Pre: + \"yes\""), run.output);
    assertTrue(run.stderr.contains("request.add_params.added: + \"1\""), run.output);
  }

  @Test
  void postHookGetsTheSessionOfTheFileAndAPreHookRefusesOne() throws Exception {
    Path request = request("lua-post.json", new JsonObject().put("url", "http://example.com/x")
        .put("session", new JsonObject().put("rate", 10).put("per", 1).put("meta_data", new JsonObject().put("user", "ann"))));
    Run run = run("--driver", "lua", "--plugins", work.toString(), "--hook", "lua_post", "--hook-type", "post", "--request", request.toString());
    assertEquals(0, run.status, run.output);
    JsonObject returned = run.object();
    assertEquals("ann", returned.getJsonObject("request").getJsonObject("set_headers").getString("X-User"), run.output);
    assertEquals("ann", returned.getJsonObject("metadata").getString("user"), "session metadata is the object's metadata too");
    assertEquals("example.com", returned.getJsonObject("request").getJsonObject("headers").getString("Host"));

    run = run("--driver", "lua", "--plugins", work.toString(), "--hook", "lua_pre", "--request", request.toString());
    assertEquals(2, run.status, run.output);
    assertTrue(run.stderr.contains("\"session\": a pre hook gets no session"), run.output);
  }

  @Test
  void failingLuaHookExitsOneWithTheMessage() throws Exception {
    Path request = request("lua-fail.json", new JsonObject().put("url", "/"));
    Run run = run("--driver", "lua", "--plugins", work.toString(), "--hook", "lua_runtime_error", "--request", request.toString());
    assertEquals(1, run.status, run.output);
    assertTrue(run.stderr.contains("pre hook \"lua_runtime_error\" (driver lua) failed"), run.output);
    assertTrue(run.stderr.contains("boom from lua"), run.output);
    assertTrue(run.stdout.isBlank(), "no object is printed for a failed hook: " + run.output);
  }

  @Test
  void pythonHookSeesSpecConfigDataAndItsHeadersArePrinted() throws Exception {
    Path request = request("py.json", new JsonObject().put("method", "POST").put("url", "/things?drop=1")
        .put("headers", new JsonObject().put("X-Probe", "p").put("X-Drop", "d")).put("body", "hello")
        .put("spec", new JsonObject().put("config_data", new JsonObject().put("greeting", "hi"))));
    Run run = run("--driver", "python", "--plugins", work.resolve("python").toString(), "--hook", "Helpers", "--request", request.toString());
    assertEquals(0, run.status, run.output);
    JsonObject setHeaders = run.object().getJsonObject("request").getJsonObject("set_headers");
    assertEquals("yes", setHeaders.getString("X-Added"), run.output);
    assertEquals("hi", setHeaders.getString("X-Config"), "config_data reaches the plugin as JSON text");
    assertEquals("plugin-test", setHeaders.getString("X-Api"));
    assertTrue(run.stderr.contains("request.set_headers.X-Added: + \"yes\""), run.output);
  }

  @Test
  void failingPythonHookExitsOneWithTheMessageAndTheUsersFile() throws Exception {
    Path request = request("py-fail.json", new JsonObject().put("url", "/"));
    Run run = run("--driver", "python", "--plugins", work.resolve("python").toString(), "--hook", "Raises", "--request", request.toString());
    assertEquals(1, run.status, run.output);
    assertTrue(run.stderr.contains("ValueError: raised on purpose"), run.output);
    assertTrue(run.stderr.contains(work.resolve("python/middleware.py").toString()), "the traceback names the plugin's own file: " + run.output);
  }

  @Test
  void pythonResponseHookGetsTheResponseOfTheFile() throws Exception {
    Path request = request("py-response.json", new JsonObject().put("url", "/")
        .put("response", new JsonObject().put("status_code", 201).put("headers", new JsonObject().put("content-type", "text/plain"))
            .put("body", "old")));
    Run run = run("--driver", "python", "--plugins", work.toString(), "--hook", "MyResponseHook", "--hook-type", "response",
        "--request", request.toString());
    assertEquals(0, run.status, run.output);
    JsonObject response = run.object().getJsonObject("response");
    assertEquals(201, response.getInteger("status_code"));
    assertEquals("bmV3Ym9keQ==", response.getString("raw_body"), "raw_body is b'newbody': " + run.output);
  }

  @Test
  void luaBundleArchiveRunsAsTheGatewayUnpacksIt() throws Exception {
    Path zip = Bundles.build(Files.createTempDirectory("coproxy-plugin-test-bundle"), "bundle.zip",
        Bundles.middleware("lua", "pre", "bundled_pre"), Bundles.files("middleware.lua", Bundles.luaHeaderHook("bundled_pre", "X-Bundled", "1")), null);
    Path request = request("bundle.json", new JsonObject().put("url", "/"));
    Run run = run("--driver", "lua", "--plugins", zip.toString(), "--hook", "bundled_pre", "--request", request.toString());
    assertEquals(0, run.status, run.output);
    assertEquals("1", run.object().getJsonObject("request").getJsonObject("set_headers").getString("X-Bundled"), run.output);
  }

  @Test
  void badRequestFilesAndUsageExitTwoNamingTheProblem() throws Exception {
    Path notJson = work.resolve("not-json.json");
    Files.writeString(notJson, "{\"url\": ");
    Run run = run("--driver", "lua", "--plugins", work.toString(), "--hook", "lua_pre", "--request", notJson.toString());
    assertEquals(2, run.status, run.output);
    assertTrue(run.stderr.contains("not-json.json is not a JSON object"), run.output);

    Path typo = request("typo.json", new JsonObject().put("url", "/").put("headrs", new JsonObject()));
    run = run("--driver", "lua", "--plugins", work.toString(), "--hook", "lua_pre", "--request", typo.toString());
    assertEquals(2, run.status, run.output);
    assertTrue(run.stderr.contains("unknown key \"headrs\""), run.output);

    Path noResponse = request("no-response.json", new JsonObject().put("url", "/"));
    run = run("--driver", "python", "--plugins", work.toString(), "--hook", "MyResponseHook", "--hook-type", "response",
        "--request", noResponse.toString());
    assertEquals(2, run.status, run.output);
    assertTrue(run.stderr.contains("a response hook needs \"response\""), run.output);

    run = run("--driver", "lua", "--server", "tcp://127.0.0.1:1", "--hook", "lua_pre", "--request", typo.toString());
    assertEquals(2, run.status, run.output);
    assertTrue(run.stderr.contains("--driver lua needs --plugins DIR_OR_BUNDLE"), run.output);
  }

  private static Path request(String name, JsonObject json) throws Exception {
    Path file = work.resolve(name);
    Files.writeString(file, json.encodePrettily());
    return file;
  }

  private static void copy(String resource, Path target) throws Exception {
    try (InputStream in = PluginTestProcessIT.class.getResourceAsStream(resource)) {
      Files.write(target, in.readAllBytes());
    }
  }

  /** Runs the jar with {@code plugin test} and the arguments. */
  static Run run(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("plugin", "test"));
    all.addAll(List.of(args));
    try (GatewayProcess process = GatewayProcess.startJar(work, JAR, List.of(), all.toArray(String[]::new))) {
      int status = process.awaitExit(Duration.ofSeconds(120));
      String output = process.output();
      int split = output.indexOf("\n--- stderr\n");
      return new Run(status, output.substring("--- stdout\n".length(), split), output.substring(split), output);
    }
  }

  /** A finished run: exit status, standard output, standard error. */
  record Run(int status, String stdout, String stderr, String output) {
    JsonObject object() {
      return new JsonObject(stdout);
    }
  }
}
