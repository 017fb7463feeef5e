package dev.coproxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  private static Vertx vertx;

  @TempDir
  Path dir;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void withoutOverlayTheBundledDefaultsApply() throws Exception {
    GatewayConfig config = load(Map.of(), null);
    assertEquals(GatewayConfig.from(ConfigLoader.bundledDefaults(), true), config);
    assertTrue(config.appPathIsDefault());
    assertTrue(config.exposure().echoEndpoint(), "the demo config serves the echo endpoint its demo APIs use");
  }

  @Test
  void anOverlayServesTheEchoEndpointOnlyWhenItAsks() throws Exception {
    assertFalse(load(Map.of(), write("plain.json", new JsonObject().put("listen_port", 9001).encode())).exposure().echoEndpoint());
    assertTrue(load(Map.of(), write("echo.json", new JsonObject().put("enable_echo_endpoint", true).encode())).exposure().echoEndpoint());
    assertTrue(load(Map.of("COPROXY_ENABLE_ECHO_ENDPOINT", "true"), write("env.json", "{}")).exposure().echoEndpoint());
  }

  @Test
  void overlayFileIsMergedOverTheDefaults() throws Exception {
    Path file = write("conf.json", new JsonObject()
        .put("listen_port", 9001)
        .put("secret", "overlay")
        .put("coprocess_options", new JsonObject().put("hook_timeout_ms", 100))
        .encode());
    GatewayConfig config = load(Map.of(), file);
    assertEquals(9001, config.listenPort());
    assertEquals("overlay", config.secret());
    assertEquals(100, config.coprocess().hookTimeoutMillis());
    // Keys the overlay does not name keep the bundled values.
    assertEquals(30_000, config.proxyTimeoutMillis());
    assertTrue(config.metrics().enabled());
    assertEquals(Path.of("apps"), config.appPath());
    assertTrue(config.appPathIsDefault());
  }

  @Test
  void overlayAppPathIsNotTheDefault() throws Exception {
    Path file = write("conf.json", new JsonObject().put("app_path", dir.resolve("apis").toString()).encode());
    GatewayConfig config = load(Map.of(), file);
    assertEquals(dir.resolve("apis"), config.appPath());
    assertFalse(config.appPathIsDefault());
  }

  @Test
  void unknownOverlayKeysAreReported() throws Exception {
    Path file = write("conf.json", new JsonObject().put("listen_prot", 1)
        .put("coprocess_options", new JsonObject().put("typo", true)).encode());
    assertEquals(List.of("coprocess_options.typo", "listen_prot"), load(Map.of(), file).unknownKeys().stream().sorted().toList());
  }

  @Test
  void missingOverlayNamesConf() {
    Path missing = dir.resolve("nope.json");
    ConfigException e = assertThrows(ConfigException.class, () -> load(Map.of(), missing));
    assertEquals("--conf", e.key(), e.getMessage());
    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
  }

  @Test
  void overlayThatIsADirectoryNamesConf() {
    ConfigException e = assertThrows(ConfigException.class, () -> load(Map.of(), dir));
    assertEquals("--conf", e.key(), e.getMessage());
  }

  @Test
  void malformedOverlayNamesConf() throws Exception {
    Path file = write("bad.json", "{ \"listen_port\": 9000, ");
    ConfigException e = assertThrows(ConfigException.class, () -> load(Map.of(), file));
    assertEquals("--conf", e.key(), e.getMessage());
    assertTrue(e.getMessage().contains("bad.json"), e.getMessage());
    assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }

  @Test
  void overlayThatIsNotAnObjectNamesConf() throws Exception {
    Path file = write("list.json", "[1, 2]");
    ConfigException e = assertThrows(ConfigException.class, () -> load(Map.of(), file));
    assertEquals("--conf", e.key(), e.getMessage());
  }

  @Test
  void badOverlayValueNamesTheKey() throws Exception {
    Path file = write("conf.json", new JsonObject().put("listen_port", 70000).encode());
    ConfigException e = assertThrows(ConfigException.class, () -> load(Map.of(), file));
    assertEquals("listen_port", e.key());
  }

  @Test
  void environmentOverridesTopLevelKeys() throws Exception {
    GatewayConfig config = load(Map.of("COPROXY_LISTEN_PORT", "9002", "COPROXY_HASH_KEYS", "true", "PATH", "/usr/bin"), null);
    assertEquals(9002, config.listenPort());
    assertTrue(config.hashKeys());
    assertEquals(List.of(), config.unknownKeys());
  }

  @Test
  void environmentWinsOverTheOverlay() throws Exception {
    Path file = write("conf.json", new JsonObject().put("listen_port", 9001).put("secret", "overlay").encode());
    GatewayConfig config = load(Map.of("COPROXY_LISTEN_PORT", "9002"), file);
    assertEquals(9002, config.listenPort());
    assertEquals("overlay", config.secret());
  }

  @Test
  void environmentStringsAreKeptAsWritten() throws Exception {
    GatewayConfig config = load(Map.of("COPROXY_SECRET", "007", "COPROXY_LISTEN_ADDRESS", "127.0.0.1"), null);
    assertEquals("007", config.secret());
    assertEquals("127.0.0.1", config.listenAddress());
  }

  @Test
  void environmentMayGiveAnObjectAsJson() throws Exception {
    GatewayConfig config = load(Map.of("COPROXY_METRICS", "{\"enabled\": false}"), null);
    assertFalse(config.metrics().enabled());
  }

  @Test
  void badEnvironmentValueNamesTheKey() {
    ConfigException e = assertThrows(ConfigException.class, () -> load(Map.of("COPROXY_LISTEN_PORT", "abc"), null));
    assertEquals("listen_port", e.key(), e.getMessage());
    assertTrue(e.getMessage().contains("abc"), e.getMessage());
  }

  @Test
  void environmentAppPathIsNotTheDefault() throws Exception {
    GatewayConfig config = load(Map.of("COPROXY_APP_PATH", dir.toString()), null);
    assertEquals(dir, config.appPath());
    assertFalse(config.appPathIsDefault());
  }

  private GatewayConfig load(Map<String, String> environment, Path overlay) throws Exception {
    return new ConfigLoader(vertx, environment).load(overlay).await(10, TimeUnit.SECONDS);
  }

  private Path write(String name, String text) throws Exception {
    return Files.writeString(dir.resolve(name), text);
  }
}
