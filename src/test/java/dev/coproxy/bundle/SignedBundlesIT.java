package dev.coproxy.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.Bundles;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Signed bundles from {@code file://} with {@code public_key_path} set (a PKCS#1 PEM key), bundles
 * already on disk, and a bundle server that is down.
 */
class SignedBundlesIT {

  private static final KeyPair KEYS = Bundles.rsa();
  private static Vertx helpers;
  private static Upstream upstream;

  @BeforeAll
  static void start() throws Exception {
    helpers = Vertx.vertx();
    upstream = Upstream.start(helpers);
  }

  @AfterAll
  static void stop() throws Exception {
    upstream.close();
    helpers.close().await(10, TimeUnit.SECONDS);
  }

  private static JsonObject api(String id, String bundle) {
    return Apis.keyless(id, "/" + id + "/", upstream.url("/")).put("custom_middleware_bundle", bundle);
  }

  private static Path luaBundle(Path dir, String zip, KeyPair signer, String value) throws Exception {
    return Bundles.build(dir, zip, Bundles.middleware("lua", "pre", "signed_pre"),
        Bundles.files("plugin.lua", Bundles.luaHeaderHook("signed_pre", "X-Signed", value)), signer == null ? null : signer.getPrivate());
  }

  private static TestGateway gateway(Path middleware, String baseUrl, JsonObject extra, JsonObject... apis) throws Exception {
    Map<String, JsonObject> files = new java.util.LinkedHashMap<>();
    for (JsonObject api : apis) {
      files.put(api.getString("api_id") + ".json", api);
    }
    return TestGateway.start(new JsonObject().put("middleware_path", middleware.toString())
        .put("enable_bundle_downloader", true).put("bundle_base_url", baseUrl)
        .put("coprocess_options", new JsonObject().put("enable_coprocess", true).put("lua_instances", 1)).mergeIn(extra), files);
  }

  private static String pkcs1Pem() {
    byte[] spkiBits = BundleVerifierTest.lastElement(KEYS.getPublic().getEncoded());
    byte[] pkcs1 = Arrays.copyOfRange(spkiBits, 1, spkiBits.length);
    return "-----BEGIN RSA PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(pkcs1) + "\n-----END RSA PUBLIC KEY-----\n";
  }

  @Test
  void signaturesAreCheckedOnDownloadAndOnDisk() throws Exception {
    Path served = Files.createTempDirectory("coproxy-signed-served");
    Path middleware = Files.createTempDirectory("coproxy-signed-mw");
    Path key = Files.writeString(middleware.resolve("public.pem"), pkcs1Pem());
    luaBundle(served, "signed.zip", KEYS, "ok");
    luaBundle(served, "unsigned.zip", null, "no");
    luaBundle(served, "other.zip", Bundles.rsa(), "other");
    // A signed bundle already unpacked, then tampered with: partial verification re-checks it.
    Path zip = luaBundle(served, "ondisk-src.zip", KEYS, "disk");
    Path onDisk = Files.createDirectories(middleware.resolve("bundles").resolve(BundleLoader.md5("ondisk.zip")));
    new BundleArchive(1 << 20).unpack(Files.readAllBytes(zip), onDisk);
    Files.writeString(onDisk.resolve("plugin.lua"), Bundles.luaHeaderHook("signed_pre", "X-Signed", "evil"));
    try (TestGateway gw = gateway(middleware, "file://" + served, new JsonObject().put("public_key_path", key.toString()),
        api("s-ok", "signed.zip"), api("s-unsigned", "unsigned.zip"), api("s-other", "other.zip"), api("s-disk", "ondisk.zip"))) {
      TestGateway.Reply ok = gw.call(HttpMethod.GET, "/s-ok/x", Map.of(), null);
      assertEquals(200, ok.status(), ok.text());
      assertEquals("ok", ok.json().getJsonObject("headers").getString("x-signed"));
      JsonObject answer = gw.reload();
      assertEquals(List.of("refused: Bundle isn't signed"), tail(BundlesIT.errorsAbout(answer, "s-unsigned")));
      assertEquals(List.of("refused: crypto/rsa: verification error"), tail(BundlesIT.errorsAbout(answer, "s-other")));
      assertEquals(List.of("refused: invalid checksum"), tail(BundlesIT.errorsAbout(answer, "s-disk")));
      for (String id : List.of("s-unsigned", "s-other", "s-disk")) {
        assertEquals(404, gw.call(HttpMethod.GET, "/" + id + "/x", Map.of(), null).status(), id);
      }
    }
  }

  private static List<String> tail(List<String> errors) {
    return errors.stream().map(e -> e.substring(e.indexOf("refused:"))).toList();
  }

  @Test
  void aBundleServerThatIsDownLeavesOnlyItsApiOut() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    Path middleware = Files.createTempDirectory("coproxy-down-mw");
    Path served = Files.createTempDirectory("coproxy-down-src");
    Path zip = luaBundle(served, "here.zip", null, "here");
    new BundleArchive(1 << 20).unpack(Files.readAllBytes(zip),
        Files.createDirectories(middleware.resolve("bundles").resolve(BundleLoader.md5("here.zip"))));
    long started = System.nanoTime();
    try (TestGateway gw = gateway(middleware, "http://127.0.0.1:" + closedPort + "/bundles", new JsonObject(),
        api("d-here", "here.zip"), api("d-away", "away.zip"), Apis.keyless("d-plain", "/d-plain/", upstream.url("/")))) {
      long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
      assertTrue(seconds < 25, "retries are bounded, took " + seconds + " s");
      TestGateway.Reply here = gw.call(HttpMethod.GET, "/d-here/x", Map.of(), null);
      assertEquals(200, here.status(), here.text());
      assertEquals("here", here.json().getJsonObject("headers").getString("x-signed"));
      assertEquals(200, gw.call(HttpMethod.GET, "/d-plain/x", Map.of(), null).status());
      assertEquals(404, gw.call(HttpMethod.GET, "/d-away/x", Map.of(), null).status());
      assertTrue(gw.gateway.registry().current().byId("d-away") == null);
      List<String> errors = BundlesIT.errorsAbout(gw.reload(), "d-away");
      assertEquals(1, errors.size(), errors.toString());
      assertTrue(errors.get(0).contains("bundle \"away.zip\" refused: GET http://127.0.0.1:" + closedPort + "/bundles/away.zip failed after 5 attempts"),
          errors.get(0));
    }
  }
}
