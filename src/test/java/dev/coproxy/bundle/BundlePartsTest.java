package dev.coproxy.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.testing.Bundles;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;

/** Unpacking, merging, naming, and the builder's checks and command line. */
class BundlePartsTest {

  private static byte[] zip(String... nameThenContent) throws Exception {
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

  @Test
  void unpackRefusesZipSlipMissingManifestAndOversizedArchives() throws Exception {
    Path base = Files.createTempDirectory("coproxy-unpack");
    Path target = Files.createDirectories(base.resolve("t"));
    BundleArchive archive = new BundleArchive(1000);
    assertTrue(assertThrows(BundleException.class, () -> archive.unpack(zip("manifest.json", "{}", "../evil.txt", "x"), target))
        .getMessage().contains("zip slip"));
    assertFalse(Files.exists(base.resolve("evil.txt")));
    Path target2 = Files.createDirectories(base.resolve("t2"));
    assertEquals("manifest.json: file does not exist",
        assertThrows(BundleException.class, () -> archive.unpack(zip("a.lua", "x"), target2)).getMessage());
    Path target3 = Files.createDirectories(base.resolve("t3"));
    assertTrue(assertThrows(BundleException.class, () -> archive.unpack(zip("manifest.json", "{}", "big", "x".repeat(2000)), target3))
        .getMessage().contains("bundle_max_size"));
    assertThrows(BundleException.class, () -> archive.unpack("not a zip".getBytes(StandardCharsets.UTF_8), target3));
    Path ok = Files.createDirectories(base.resolve("ok"));
    archive.unpack(zip("manifest.json", "{}", "dir/a.lua", "-- a"), ok);
    assertEquals("-- a", Files.readString(ok.resolve("dir/a.lua")));
  }

  private static BundleMerger.Part part(String name, JsonObject cm) {
    return new BundleMerger.Part(name, BundleMerger.subdir(name), new Manifest(List.of(), cm, "", ""));
  }

  @Test
  void mergeAppendsHooksAndAllowsOneAuthCheckAndOneDriver() throws Exception {
    JsonObject a = Bundles.middleware("lua", "pre", "a1").put("post", new JsonArray().add(new JsonObject().put("name", "a2").put("path", "x.lua")))
        .put("auth_check", new JsonObject().put("name", "auth"));
    JsonObject b = Bundles.middleware("lua", "pre", "b1").put("id_extractor", new JsonObject().put("extract_from", "header"));
    JsonObject merged = BundleMerger.merge(List.of(part("a.zip", a), part("dir/b.zip", b)));
    assertEquals(List.of("a1", "b1"), merged.getJsonArray("pre").stream().map(h -> ((JsonObject) h).getString("name")).toList());
    assertEquals("a/x.lua", merged.getJsonArray("post").getJsonObject(0).getString("path"));
    assertEquals("auth", merged.getJsonObject("auth_check").getString("name"));
    assertEquals("lua", merged.getString("driver"));
    assertEquals("header", merged.getJsonObject("id_extractor").getString("extract_from"));

    JsonObject c = Bundles.middleware("lua", "pre", "c1").put("auth_check", new JsonObject().put("name", "auth2"));
    assertTrue(assertThrows(BundleException.class, () -> BundleMerger.merge(List.of(part("a.zip", a), part("c.zip", c))))
        .getMessage().contains("auth_check"));
    JsonObject d = Bundles.middleware("grpc", "pre", "d1");
    assertTrue(assertThrows(BundleException.class, () -> BundleMerger.merge(List.of(part("a.zip", a), part("d.zip", d))))
        .getMessage().contains("driver"));
  }

  @Test
  void namesDirectoriesAndUrls() {
    assertEquals("a", BundleMerger.subdir("a.zip"));
    assertEquals("dir__b", BundleMerger.subdir("dir//b.zip"));
    assertEquals("plain", BundleMerger.subdir("plain"));
    assertEquals(List.of("a.zip", "b.zip"), BundleLoader.names(" a.zip, b.zip ,"));
    assertEquals(List.of(), BundleLoader.names(",,"));
    assertEquals("http://h:1/bundles/b.zip", BundleLoader.url("http://h:1/bundles/", "/b.zip"));
    assertEquals("http://h:1/b.zip", BundleLoader.url("http://h:1", "b.zip"));
    assertEquals("file:///tmp/x/b.zip", BundleLoader.url("file:///tmp/x//", "b.zip"));
    assertEquals("d41d8cd98f00b204e9800998ecf8427e", BundleLoader.md5(""));
  }

  @Test
  void builderChecksFilesHooksAndDriver() throws Exception {
    Path dir = Files.createTempDirectory("coproxy-build");
    Path manifest = dir.resolve("manifest.json");
    Path out = dir.resolve("b.zip");
    Files.writeString(manifest, new JsonObject().put("file_list", new JsonArray().add("missing.lua"))
        .put("custom_middleware", Bundles.middleware("lua", "pre", "h")).encode());
    assertTrue(assertThrows(BundleException.class, () -> BundleBuilder.build(manifest, out, null)).getMessage().contains("missing.lua"));
    Files.writeString(manifest, new JsonObject().put("file_list", new JsonArray())
        .put("custom_middleware", new JsonObject().put("driver", "grpc")).encode());
    assertTrue(assertThrows(BundleException.class, () -> BundleBuilder.build(manifest, out, null)).getMessage().contains("no hook"));
    Files.writeString(manifest, new JsonObject().put("file_list", new JsonArray())
        .put("custom_middleware", new JsonObject().put("auth_check", new JsonObject().put("name", "a"))).encode());
    assertTrue(assertThrows(BundleException.class, () -> BundleBuilder.build(manifest, out, null)).getMessage().contains("driver"));
    assertFalse(Files.exists(out));
    Files.writeString(manifest, new JsonObject().put("file_list", new JsonArray())
        .put("custom_middleware", Bundles.middleware("grpc", "pre", "h")).encode());
    Manifest built = BundleBuilder.build(manifest, out, null);
    assertEquals(BundleVerifier.EMPTY_CHECKSUM, built.checksum());
    assertFalse(built.isSigned());
  }

  @Test
  void commandLineAsksBeforeAnUnsignedBundle() throws Exception {
    Path dir = Files.createTempDirectory("coproxy-cmd");
    Files.writeString(dir.resolve("m.lua"), "-- m\n");
    Path manifest = dir.resolve("manifest.json");
    Files.writeString(manifest, new JsonObject().put("file_list", new JsonArray().add("m.lua"))
        .put("custom_middleware", Bundles.middleware("lua", "pre", "h")).encode());
    Path out = dir.resolve("out.zip");
    String[] args = {"build", "-m", manifest.toString(), "-o", out.toString()};
    assertEquals(1, command("n\n").run(args));
    assertFalse(Files.exists(out));
    assertEquals(0, command("y\n").run(args));
    assertTrue(Files.exists(out));
    Files.delete(out);
    assertEquals(0, command("").run(new String[] {"build", "-m", manifest.toString(), "-o", out.toString(), "-y"}));
    assertTrue(Files.exists(out));
    Path key = dir.resolve("key.pem");
    java.security.KeyPair pair = Bundles.rsa();
    Files.writeString(key, PemKeys.pem(pair.getPrivate()));
    assertEquals(0, command("").run(new String[] {"build", "-m", manifest.toString(), "-o", out.toString(), "-k", key.toString()}));
    Path unpacked = Files.createDirectories(dir.resolve("u"));
    new BundleArchive(1 << 20).unpack(Files.readAllBytes(out), unpacked);
    new BundleVerifier(pair.getPublic(), false).deep(unpacked, Manifest.read(unpacked));
    assertEquals(2, command("").run(new String[] {"build", "-m"}));
    assertEquals(2, command("").run(new String[] {"pack"}));
    assertEquals(1, command("").run(new String[] {"build", "-m", dir.resolve("none.json").toString(), "-y"}));
  }

  @Test
  void configKeysAreRead() {
    JsonObject json = dev.coproxy.config.ConfigLoader.bundledDefaults().put("enable_bundle_downloader", true)
        .put("bundle_base_url", " http://b/ ").put("public_key_path", "/k.pem").put("bundle_insecure_skip_verify", true)
        .put("skip_verify_existing_plugin_bundle", true).put("bundle_max_size", 1234);
    dev.coproxy.config.GatewayConfig config = dev.coproxy.config.GatewayConfig.from(json, false);
    assertEquals(new dev.coproxy.config.GatewayConfig.BundleOptions(true, "http://b/", "/k.pem", true, true, 1234), config.bundles());
    assertEquals(List.of(), config.unknownKeys());
    dev.coproxy.config.ConfigException bad = assertThrows(dev.coproxy.config.ConfigException.class,
        () -> dev.coproxy.config.GatewayConfig.from(json.copy().put("bundle_max_size", 0), false));
    assertTrue(bad.getMessage().contains("bundle_max_size"), bad.getMessage());
  }

  private static BundleCommand command(String stdin) {
    PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    return new BundleCommand(sink, sink, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
  }
}
