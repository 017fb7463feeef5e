package dev.coproxy.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.bundle.BundleArchive;
import dev.coproxy.bundle.BundleVerifier;
import dev.coproxy.bundle.Manifest;
import dev.coproxy.bundle.PemKeys;
import dev.coproxy.testing.Bundles;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code coproxy bundle build} as a user runs it: a separate process, in the plugin's directory. */
class BundleBuildProcessIT {

  @Test
  void buildsASignedBundleAndRefusesAManifestNamingAMissingFile() throws Exception {
    Path work = Files.createTempDirectory("coproxy-build-cli");
    Files.writeString(work.resolve("middleware.lua"), Bundles.luaHeaderHook("cli_pre", "X-Cli", "1"));
    Files.writeString(work.resolve("manifest.json"), new JsonObject().put("file_list", new JsonArray().add("middleware.lua"))
        .put("custom_middleware", Bundles.middleware("lua", "pre", "cli_pre")).encodePrettily());
    KeyPair keys = Bundles.rsa();
    Files.writeString(work.resolve("private.pem"), PemKeys.pem(keys.getPrivate()));
    try (GatewayProcess build = GatewayProcess.start(work, Map.of(), "bundle", "build", "-k", "private.pem")) {
      assertEquals(0, build.awaitExit(Duration.ofSeconds(60)), build.output());
      assertTrue(build.output().contains("bundle.zip built: 1 files"), build.output());
    }
    Path unpacked = Files.createDirectories(work.resolve("unpacked"));
    new BundleArchive(1 << 20).unpack(Files.readAllBytes(work.resolve("bundle.zip")), unpacked);
    Manifest manifest = Manifest.read(unpacked);
    assertEquals(List.of("middleware.lua"), manifest.fileList());
    new BundleVerifier(keys.getPublic(), false).deep(unpacked, manifest);

    Files.writeString(work.resolve("broken.json"), new JsonObject().put("file_list", new JsonArray().add("nope.lua"))
        .put("custom_middleware", Bundles.middleware("lua", "pre", "cli_pre")).encodePrettily());
    try (GatewayProcess build = GatewayProcess.start(work, Map.of(), "bundle", "build", "-m", "broken.json", "-o", "b.zip", "-y")) {
      assertEquals(1, build.awaitExit(Duration.ofSeconds(60)), build.output());
      assertTrue(build.output().contains("nope.lua"), build.output());
    }
  }
}
