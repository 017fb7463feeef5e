package dev.coproxy.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.api.ApiDefinition;
import dev.coproxy.config.GatewayConfig;
import dev.coproxy.testing.Apis;
import dev.coproxy.testing.Bundles;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Tyk's early returns and errors of bundle loading (TestBundleLoader, TestLoadBundleWithFs_EarlyReturns), from file://. */
class BundleLoaderTest {

  private static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, java.util.concurrent.TimeUnit.SECONDS);
  }

  private static GatewayConfig.BundleOptions options(boolean downloader, String baseUrl) {
    return new GatewayConfig.BundleOptions(downloader, baseUrl, "", false, false, 1 << 20);
  }

  private static BundleLoader loader(boolean downloader, String baseUrl, Path middleware) {
    GatewayConfig.BundleOptions options = options(downloader, baseUrl);
    return new BundleLoader(options, middleware, new BundleDownloader(vertx, false, options.maxSize(), 1));
  }

  private static ApiDefinition api(String bundle) {
    return ApiDefinition.parse(Apis.keyless("a", "/a/", "http://127.0.0.1:1").put("custom_middleware_bundle", bundle)
        .put("custom_middleware", Bundles.middleware("python", "pre", "Inline")));
  }

  @Test
  void noBundleDisabledOrEmptyListsLeaveTheApiAsItIs() throws Exception {
    BundleLoader loader = loader(true, "file:///nowhere", Files.createTempDirectory("mw"));
    loader.startReload(false);
    for (String value : new String[] {"", "  ", ",,"}) {
      ApiDefinition def = api(value);
      assertSame(def, loader.resolve(def));
    }
    ApiDefinition disabled = ApiDefinition.parse(api("b.zip").raw().copy().put("custom_middleware_bundle_disabled", true));
    assertSame(disabled, loader.resolve(disabled));
  }

  @Test
  void baseUrlIsNeededEvenOnDiskAndTheDownloaderMustBeOn() throws Exception {
    Path served = Files.createTempDirectory("served");
    Path zip = Bundles.build(served, "g.zip", Bundles.middleware("grpc", "auth_check", "unused").put("auth_check",
        new JsonObject().put("name", "MyAuthHook")), java.util.Map.of(), null);
    Path middleware = Files.createTempDirectory("mw");
    new BundleArchive(1 << 20).unpack(Files.readAllBytes(zip), Files.createDirectories(middleware.resolve("bundles").resolve(BundleLoader.md5("g.zip"))));
    BundleException noBase = assertThrows(BundleException.class, () -> loader(true, "", middleware).resolve(api("g.zip")));
    assertTrue(noBase.getMessage().contains("No bundle base URL set"), noBase.getMessage());
    assertTrue(noBase.getMessage().startsWith("api a: bundle \"g.zip\" refused: "), noBase.getMessage());

    BundleLoader onDisk = loader(false, "file://" + served, middleware);
    onDisk.startReload(true);
    ApiDefinition loaded = onDisk.resolve(api("g.zip"));
    assertEquals("grpc", loaded.customMiddleware().driver());
    assertEquals("MyAuthHook", loaded.raw().getJsonObject("custom_middleware").getJsonObject("auth_check").getString("name"));
    assertEquals(List.of(middleware.resolve("bundles").resolve(BundleLoader.md5("g.zip")).toAbsolutePath().toString()), loaded.pluginDirs());

    BundleException off = assertThrows(BundleException.class,
        () -> loader(false, "file://" + served, middleware).resolve(api("other.zip")));
    assertTrue(off.getMessage().contains("Bundle downloader is disabled"), off.getMessage());
  }

  @Test
  void aRefreshFetchesEachBundleOncePerReload() throws Exception {
    Path served = Files.createTempDirectory("served");
    Bundles.build(served, "r.zip", Bundles.middleware("lua", "pre", "one"), java.util.Map.of(), null);
    Path middleware = Files.createTempDirectory("mw");
    BundleLoader loader = loader(true, "file://" + served, middleware);
    loader.startReload(false);
    assertEquals("one", firstPre(loader.resolve(api("r.zip"))));
    Bundles.build(served, "r.zip", Bundles.middleware("lua", "pre", "two"), java.util.Map.of(), null);
    loader.startReload(false);
    assertEquals("one", firstPre(loader.resolve(api("r.zip"))));
    loader.startReload(true);
    assertEquals("two", firstPre(loader.resolve(api("r.zip"))));
    Bundles.build(served, "r.zip", Bundles.middleware("lua", "pre", "three"), java.util.Map.of(), null);
    assertEquals("two", firstPre(loader.resolve(api("r.zip"))), "a second API in the same reload uses the copy just fetched");
    try (var leftovers = Files.list(middleware.resolve("bundles"))) {
      assertEquals(List.of(BundleLoader.md5("r.zip")), leftovers.map(p -> p.getFileName().toString()).toList(), "no temporary directories left");
    }
  }

  private static String firstPre(ApiDefinition def) {
    return def.customMiddleware().pre().get(0).name();
  }
}
