package dev.coproxy.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.routing.ReloadBus;
import dev.coproxy.testing.Apis;
import dev.coproxy.testing.BundleServer;
import dev.coproxy.testing.Bundles;
import dev.coproxy.testing.Poll;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bundles end to end with Lua plugins: built with the builder, served by a real HTTP server on
 * loopback, downloaded, verified and run by a real gateway. Each test uses its own API ids.
 */
class BundlesIT {

  private static Path middleware;
  private static TestGateway gw;
  private static Upstream upstream;
  private static BundleServer server;
  private static Vertx helpers;

  @BeforeAll
  static void start() throws Exception {
    middleware = Files.createTempDirectory("coproxy-bundles-mw");
    helpers = Vertx.vertx();
    server = BundleServer.start(helpers, Files.createTempDirectory("coproxy-bundles-served"));
    upstream = Upstream.start(helpers);
    gw = TestGateway.start(new JsonObject().put("middleware_path", middleware.toString())
        .put("enable_bundle_downloader", true)
        .put("bundle_base_url", server.baseUrl())
        .put("coprocess_options", new JsonObject().put("enable_coprocess", true).put("lua_instances", 2)), Map.of());
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
    upstream.close();
    server.close();
    helpers.close().await(10, TimeUnit.SECONDS);
  }

  private static JsonObject api(String id, String bundle) {
    return Apis.keyless(id, "/" + id + "/", upstream.url("/")).put("custom_middleware_bundle", bundle);
  }

  private static Path luaBundle(String zip, String hook, String header, String value) throws Exception {
    return Bundles.build(server.dir, zip, Bundles.middleware("lua", "pre", hook),
        Bundles.files("plugin.lua", Bundles.luaHeaderHook(hook, header, value)), null);
  }

  private static TestGateway.Reply get(String id) throws Exception {
    return gw.call(HttpMethod.GET, "/" + id + "/x", Map.of(), null);
  }

  private static String seen(String id, String header) throws Exception {
    TestGateway.Reply reply = get(id);
    assertEquals(200, reply.status(), reply.text());
    return reply.json().getJsonObject("headers").getString(header);
  }

  private static JsonObject deploy(JsonObject... apis) throws Exception {
    for (JsonObject api : apis) {
      gw.writeApi(api.getString("api_id") + ".json", api);
    }
    return gw.reload();
  }

  @Test
  void luaBundleReplacesTheInlineMiddlewareAndItsHookRuns() throws Exception {
    luaBundle("lua-one.zip", "bundle_pre", "X-Bundle", "one");
    JsonObject api = api("b-lua", "lua-one.zip")
        .put("custom_middleware", Bundles.middleware("grpc", "pre", "inlineHookThatMustNotRun"));
    JsonObject answer = deploy(api);
    assertEquals(List.of(), errorsAbout(answer, "b-lua"));
    assertEquals("one", seen("b-lua", "x-bundle"));
    Path dir = middleware.resolve("bundles").resolve(BundleLoader.md5("lua-one.zip"));
    assertTrue(Files.isRegularFile(dir.resolve("manifest.json")), dir.toString());
    assertTrue(Files.isRegularFile(dir.resolve("plugin.lua")));
  }

  @Test
  void refusedBundlesLeaveTheirApiOutAndTheOthersLoad() throws Exception {
    luaBundle("good.zip", "good_pre", "X-Good", "yes");
    Path tampered = luaBundle("tampered.zip", "t_pre", "X-T", "t");
    rewrite(tampered, "plugin.lua", Bundles.luaHeaderHook("t_pre", "X-T", "evil"));
    Files.write(server.dir.resolve("slip.zip"), zip("manifest.json", "{\"file_list\": [], \"custom_middleware\": {}}", "../../escaped.lua", "x"));
    Files.write(server.dir.resolve("nomanifest.zip"), zip("plugin.lua", "-- only code"));
    JsonObject answer = deploy(api("r-good", "good.zip"), api("r-sum", "tampered.zip"), api("r-slip", "slip.zip"),
        api("r-nomani", "nomanifest.zip"), api("r-missing", "does-not-exist.zip"));
    String errors = answer.getJsonArray("errors").encode();
    assertTrue(errors.contains("api r-sum: bundle \\\"tampered.zip\\\" refused: invalid checksum"), errors);
    assertTrue(errors.contains("api r-slip") && errors.contains("zip slip"), errors);
    assertTrue(errors.contains("api r-nomani") && errors.contains("manifest.json: file does not exist"), errors);
    assertTrue(errors.contains("api r-missing") && errors.contains("status code 404"), errors);
    for (String id : new String[] {"r-sum", "r-slip", "r-nomani", "r-missing"}) {
      assertEquals(404, get(id).status(), id);
    }
    assertEquals("yes", seen("r-good", "x-good"));
    assertTrue(Files.notExists(middleware.resolve("escaped.lua")) && Files.notExists(middleware.resolve("bundles/escaped.lua")));
    assertTrue(Files.notExists(middleware.resolve("bundles").resolve(BundleLoader.md5("tampered.zip"))), "a refused download is removed");
    for (String id : new String[] {"r-sum", "r-slip", "r-nomani", "r-missing"}) {
      Files.delete(gw.appPath.resolve(id + ".json"));
    }
  }

  @Test
  void newCodeGoesLiveWithANewNameOrWithRefresh() throws Exception {
    luaBundle("v.zip", "v_pre", "X-Version", "1");
    deploy(api("b-ver", "v.zip"));
    assertEquals("1", seen("b-ver", "x-version"));
    luaBundle("v.zip", "v_pre", "X-Version", "2");
    gw.reload();
    assertEquals("1", seen("b-ver", "x-version"), "as in Tyk, a bundle on disk is not fetched again");
    JsonObject refreshed = gw.admin(HttpMethod.GET, "/tyk/reload?refresh_bundles=true", null).json();
    assertEquals(List.of(), errorsAbout(refreshed, "b-ver"));
    assertEquals("2", seen("b-ver", "x-version"));
    luaBundle("v3.zip", "v_pre", "X-Version", "3");
    deploy(api("b-ver", "v3.zip"));
    assertEquals("3", seen("b-ver", "x-version"));
    luaBundle("v3.zip", "v_pre", "X-Version", "4");
    long before = server.fetches("v3.zip");
    gw.vertx.eventBus().publish(ReloadBus.ADDRESS, new JsonObject().put(ReloadBus.REFRESH_BUNDLES, true));
    Poll.until(Duration.ofSeconds(20), "the bus reload fetches v3.zip again", () -> server.fetches("v3.zip") > before
        && "4".equals(seen("b-ver", "x-version")));
  }

  @Test
  void aBundleThatNowFailsKeepsThePreviousVersionLive() throws Exception {
    luaBundle("keep.zip", "keep_pre", "X-Keep", "good");
    deploy(api("b-keep", "keep.zip"));
    assertEquals("good", seen("b-keep", "x-keep"));
    // A new name that cannot be fetched.
    JsonObject answer = deploy(api("b-keep", "gone.zip"));
    assertTrue(answer.getJsonArray("errors").encode().contains("keeping its previous version live"), answer.encodePrettily());
    assertEquals("good", seen("b-keep", "x-keep"));
    // The same name refreshed with a tampered archive: the good copy on disk stays.
    deploy(api("b-keep", "keep.zip"));
    rewrite(server.dir.resolve("keep.zip"), "plugin.lua", Bundles.luaHeaderHook("keep_pre", "X-Keep", "evil"));
    answer = gw.admin(HttpMethod.GET, "/tyk/reload?refresh_bundles=true", null).json();
    assertTrue(answer.getJsonArray("errors").encode().contains("invalid checksum"), answer.encodePrettily());
    assertEquals("good", seen("b-keep", "x-keep"));
    gw.reload();
    assertEquals("good", seen("b-keep", "x-keep"));
  }

  @Test
  void mergedBundlesRunEveryHookEachInItsOwnGlobals() throws Exception {
    // Both bundles define helper(): each hook must see its own bundle's.
    String one = "function helper() return \"one\" end\nfunction m1_pre(request, session, spec)\n"
        + "  request.set_headers[\"X-M1\"] = helper()\n  return request, session\nend\n";
    String two = "function helper() return \"two\" end\nfunction m2_pre(request, session, spec)\n"
        + "  request.set_headers[\"X-M2\"] = helper()\n  return request, session\nend\n";
    Bundles.build(server.dir, "m1.zip", Bundles.middleware("lua", "pre", "m1_pre"), Bundles.files("one.lua", one), null);
    Bundles.build(server.dir, "m2.zip", Bundles.middleware("lua", "pre", "m2_pre"), Bundles.files("two.lua", two), null);
    JsonObject answer = deploy(api("b-merge", "m1.zip, m2.zip"));
    assertEquals(List.of(), errorsAbout(answer, "b-merge"));
    TestGateway.Reply reply = get("b-merge");
    assertEquals(200, reply.status(), reply.text());
    JsonObject headers = reply.json().getJsonObject("headers");
    assertEquals("one", headers.getString("x-m1"));
    assertEquals("two", headers.getString("x-m2"));
    Path root = middleware.resolve("bundles").resolve(BundleLoader.md5("m1.zip, m2.zip"));
    assertTrue(Files.isRegularFile(root.resolve("m1/one.lua")) && Files.isRegularFile(root.resolve("m2/two.lua")));
    Bundles.build(server.dir, "m3.zip", Bundles.middleware("grpc", "pre", "x"), Map.of(), null);
    answer = deploy(api("b-merge2", "m1.zip, m3.zip"));
    assertTrue(answer.getJsonArray("errors").encode().contains("driver"), answer.encodePrettily());
    assertEquals(404, get("b-merge2").status());
  }

  @Test
  void eventsReachTheBundlesLuaFunctions() throws Exception {
    String code = Bundles.luaHeaderHook("ev_pre", "X-Ev", "1")
        + "function on_failure_in_bundle(message, spec)\n"
        + "  tyk.store_data(\"bundle-event-seen\", message.Type .. \":\" .. spec.APIID, 60)\nend\n";
    Bundles.build(server.dir, "events.zip", Bundles.middleware("lua", "pre", "ev_pre"), Bundles.files("events.lua", code), null);
    JsonObject api = Apis.protectedApi("b-events", "/b-events/", upstream.url("/")).put("custom_middleware_bundle", "events.zip")
        .put("event_handlers", new JsonObject().put("events", new JsonObject().put("AuthFailure", new JsonArray()
            .add(new JsonObject().put("handler_name", "cp_dynamic_handler")
                .put("handler_meta", new JsonObject().put("name", "on_failure_in_bundle"))))));
    assertEquals(List.of(), errorsAbout(deploy(api), "b-events"));
    assertEquals(403, gw.call(HttpMethod.GET, "/b-events/x", Map.of("Authorization", "no-such-key"), null).status());
    Poll.until(Duration.ofSeconds(10), "the bundle's event function ran",
        () -> "AuthFailure:b-events".equals(gw.gateway.sessions().store().get("coprocess-data:bundle-event-seen").await(5, TimeUnit.SECONDS)));
  }

  /** The reload errors that name API {@code id}. */
  static List<String> errorsAbout(JsonObject answer, String id) {
    return answer.getJsonArray("errors").stream().map(String::valueOf).filter(e -> e.contains("api " + id + ":")).toList();
  }

  static byte[] zip(String... nameThenContent) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      for (int i = 0; i < nameThenContent.length; i += 2) {
        zip.putNextEntry(new ZipEntry(nameThenContent[i]));
        zip.write(nameThenContent[i + 1].getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
      }
    }
    return bytes.toByteArray();
  }

  /** Replaces one file's content inside a built zip, leaving its manifest (and checksum) as it was. */
  static void rewrite(Path zipFile, String name, String content) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zipFile)); ZipOutputStream out = new ZipOutputStream(bytes)) {
      for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
        out.putNextEntry(new ZipEntry(entry.getName()));
        out.write(entry.getName().equals(name) ? content.getBytes(StandardCharsets.UTF_8) : in.readAllBytes());
        out.closeEntry();
      }
    }
    Files.write(zipFile, bytes.toByteArray());
  }
}
