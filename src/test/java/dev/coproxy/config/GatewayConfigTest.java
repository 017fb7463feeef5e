package dev.coproxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class GatewayConfigTest {

  private static final int CORES = Runtime.getRuntime().availableProcessors();

  @Test
  void bundledDefaults() {
    GatewayConfig config = GatewayConfig.from(ConfigLoader.bundledDefaults(), true);
    assertEquals("", config.listenAddress());
    assertEquals(8080, config.listenPort());
    assertEquals(0, config.controlApiPort());
    assertTrue(config.controlOnTrafficPort());
    assertEquals(Path.of("apps"), config.appPath());
    assertTrue(config.appPathIsDefault());
    assertEquals(Path.of("middleware"), config.middlewarePath());
    assertFalse(config.hashKeys());
    assertEquals("", config.hashKeyFunction());
    assertEquals(3, config.minTokenLength());
    assertEquals(0, config.maxRequestBodySize());
    assertEquals(30_000, config.proxyTimeoutMillis());
    assertEquals(30_000, config.shutdownTimeoutMillis());
    assertEquals(64, config.upstreamPoolSize());
    assertEquals(5000, config.coprocess().hookTimeoutMillis());
    assertFalse(config.coprocess().enableCoprocess());
    assertTrue(config.metrics().enabled());
    assertEquals("/metrics", config.metrics().path());
    assertFalse(config.metrics().requireSecret());
    assertTrue(config.exposure().echoEndpoint(), "the bundled demo config serves the echo endpoint");
    assertFalse(config.exposure().allowMasterKeys());
    assertEquals(List.of(), config.unknownKeys(), "the bundled config uses only known keys");
    assertFalse(config.httpServer().skipUrlCleaning(), "paths are cleaned unless the user says otherwise");
  }

  @Test
  void httpServerOptionsSkipUrlCleaning() {
    assertFalse(GatewayConfig.from(new JsonObject(), false).httpServer().skipUrlCleaning());
    GatewayConfig skipping = GatewayConfig.from(new JsonObject()
        .put("http_server_options", new JsonObject().put("skip_url_cleaning", true).put("skip_url_cleanin", false)), false);
    assertTrue(skipping.httpServer().skipUrlCleaning());
    assertEquals(List.of("http_server_options.skip_url_cleanin"), skipping.unknownKeys());
    ConfigException bad = assertThrows(ConfigException.class, () -> GatewayConfig.from(new JsonObject()
        .put("http_server_options", new JsonObject().put("skip_url_cleaning", "yes")), false));
    assertTrue(bad.getMessage().startsWith("http_server_options.skip_url_cleaning: "), bad.getMessage());
  }

  @Test
  void emptyConfigGetsDefaults() {
    GatewayConfig config = GatewayConfig.from(new JsonObject(), false);
    assertEquals(8080, config.listenPort());
    assertEquals("", config.secret());
    assertEquals(Path.of("apps"), config.appPath());
    assertEquals(30_000, config.proxyTimeoutMillis());
    assertEquals(CORES, config.coprocess().pythonWorkers());
    assertEquals(CORES, config.coprocess().luaInstances());
    assertEquals("", config.coprocess().grpcServer());
    assertFalse(config.coprocess().watch(), "watch mode is for development: off unless asked for");
    assertTrue(GatewayConfig.from(new JsonObject().put("coprocess_options", new JsonObject().put("watch", true)), false).coprocess().watch());
    assertFalse(config.cluster().enabled());
    assertEquals("127.0.0.1", config.cluster().host());
    assertEquals(5701, config.cluster().port());
    assertEquals(List.of(), config.cluster().members());
    assertEquals("coproxy", config.cluster().name());
    assertEquals("", config.cluster().busHost());
    assertEquals(0, config.cluster().busPort());
    assertFalse(config.exposure().echoEndpoint(), "nothing served that was not asked for");
    assertFalse(config.exposure().allowMasterKeys());
    assertFalse(config.metrics().requireSecret());
    assertEquals(List.of(), config.unknownKeys());
  }

  @Test
  void exposureKeysAreRead() {
    GatewayConfig config = GatewayConfig.from(new JsonObject().put("enable_echo_endpoint", true).put("allow_master_keys", "true")
        .put("metrics", new JsonObject().put("require_secret", true)), false);
    assertTrue(config.exposure().echoEndpoint());
    assertTrue(config.exposure().allowMasterKeys());
    assertTrue(config.metrics().requireSecret());
    assertEquals(List.of(), config.unknownKeys());
  }

  @Test
  void valuesAreRead() {
    GatewayConfig config = GatewayConfig.from(new JsonObject()
        .put("listen_address", "127.0.0.1")
        .put("listen_port", 9000)
        .put("control_api_port", 9001)
        .put("secret", "s3cret")
        .put("hash_keys", true)
        .put("hash_key_function", "murmur64")
        .put("max_request_body_size", 1024)
        .put("proxy_default_timeout", 0.5)
        .put("coprocess_options", new JsonObject().put("enable_coprocess", true).put("hook_timeout_ms", 250)
            .put("python_workers", 3).put("coprocess_grpc_server", "tcp://127.0.0.1:5555"))
        .put("cluster", new JsonObject().put("enabled", true).put("members", new JsonArray().add("127.0.0.1:5702")))
        .put("metrics", new JsonObject().put("enabled", false).put("path", "/prom")), false);
    assertEquals("127.0.0.1", config.listenAddress());
    assertEquals(9000, config.listenPort());
    assertEquals(9001, config.controlApiPort());
    assertFalse(config.controlOnTrafficPort());
    assertEquals("s3cret", config.secret());
    assertTrue(config.hashKeys());
    assertEquals("murmur64", config.hashKeyFunction());
    assertEquals(1024, config.maxRequestBodySize());
    assertEquals(500, config.proxyTimeoutMillis());
    assertTrue(config.coprocess().enableCoprocess());
    assertEquals(250, config.coprocess().hookTimeoutMillis());
    assertEquals(3, config.coprocess().pythonWorkers());
    assertEquals("tcp://127.0.0.1:5555", config.coprocess().grpcServer());
    assertTrue(config.cluster().enabled());
    assertEquals(List.of("127.0.0.1:5702"), config.cluster().members());
    assertFalse(config.metrics().enabled());
    assertEquals("/prom", config.metrics().path());
  }

  @Test
  void numbersAndBooleansMayBeStrings() {
    // Environment variables arrive as text.
    GatewayConfig config = GatewayConfig.from(new JsonObject()
        .put("listen_port", "9000").put("hash_keys", "true").put("proxy_default_timeout", "2.5"), false);
    assertEquals(9000, config.listenPort());
    assertTrue(config.hashKeys());
    assertEquals(2500, config.proxyTimeoutMillis());
  }

  @Test
  void controlApiPortEqualToListenPortIsTheTrafficPort() {
    assertTrue(GatewayConfig.from(new JsonObject().put("listen_port", 9000).put("control_api_port", 9000), false)
        .controlOnTrafficPort());
  }

  @Test
  void zeroProxyTimeoutMeansTheDefault() {
    // In Tyk, proxy_default_timeout 0 (Go's zero value) means "not set": 30 seconds.
    assertEquals(30_000, GatewayConfig.from(new JsonObject().put("proxy_default_timeout", 0), false).proxyTimeoutMillis());
  }

  static Stream<Arguments> badValues() {
    return Stream.of(
        Arguments.of(new JsonObject().put("listen_port", 70000), "listen_port"),
        Arguments.of(new JsonObject().put("listen_port", -1), "listen_port"),
        Arguments.of(new JsonObject().put("listen_port", "abc"), "listen_port"),
        Arguments.of(new JsonObject().put("listen_port", 80.5), "listen_port"),
        Arguments.of(new JsonObject().put("listen_port", new JsonObject()), "listen_port"),
        Arguments.of(new JsonObject().put("control_api_port", 65536), "control_api_port"),
        Arguments.of(new JsonObject().put("hash_key_function", "md4"), "hash_key_function"),
        Arguments.of(new JsonObject().put("hash_keys", "yes"), "hash_keys"),
        Arguments.of(new JsonObject().put("secret", new JsonArray()), "secret"),
        Arguments.of(new JsonObject().put("app_path", ""), "app_path"),
        Arguments.of(new JsonObject().put("app_path", "  "), "app_path"),
        Arguments.of(new JsonObject().put("min_token_length", -1), "min_token_length"),
        Arguments.of(new JsonObject().put("max_request_body_size", -1), "max_request_body_size"),
        Arguments.of(new JsonObject().put("proxy_default_timeout", "soon"), "proxy_default_timeout"),
        Arguments.of(new JsonObject().put("proxy_default_timeout", -1), "proxy_default_timeout"),
        Arguments.of(new JsonObject().put("graceful_shutdown_timeout_duration", true), "graceful_shutdown_timeout_duration"),
        Arguments.of(new JsonObject().put("upstream_pool_size", 0), "upstream_pool_size"),
        Arguments.of(new JsonObject().put("event_handlers", new JsonArray()), "event_handlers"),
        Arguments.of(new JsonObject().put("coprocess_options", 5), "coprocess_options"),
        Arguments.of(new JsonObject().put("coprocess_options", new JsonObject().put("hook_timeout_ms", 0)), "coprocess_options.hook_timeout_ms"),
        Arguments.of(new JsonObject().put("coprocess_options", new JsonObject().put("python_workers", 1000)), "coprocess_options.python_workers"),
        Arguments.of(new JsonObject().put("coprocess_options", new JsonObject().put("enable_coprocess", 1)), "coprocess_options.enable_coprocess"),
        Arguments.of(new JsonObject().put("coprocess_options", new JsonObject().put("grpc_tls", "yes")), "coprocess_options.grpc_tls"),
        Arguments.of(new JsonObject().put("coprocess_options", new JsonObject().put("watch", "often")), "coprocess_options.watch"),
        Arguments.of(new JsonObject().put("cluster", new JsonObject().put("members", "127.0.0.1")), "cluster.members"),
        Arguments.of(new JsonObject().put("cluster", new JsonObject().put("members", new JsonArray().add(1))), "cluster.members"),
        Arguments.of(new JsonObject().put("cluster", new JsonObject().put("port", 70000)), "cluster.port"),
        Arguments.of(new JsonObject().put("metrics", new JsonObject().put("path", "metrics")), "metrics.path"),
        Arguments.of(new JsonObject().put("metrics", new JsonObject().put("enabled", "sometimes")), "metrics.enabled"),
        Arguments.of(new JsonObject().put("metrics", "on"), "metrics"),
        Arguments.of(new JsonObject().put("metrics", new JsonObject().put("require_secret", "maybe")), "metrics.require_secret"),
        Arguments.of(new JsonObject().put("enable_echo_endpoint", 3), "enable_echo_endpoint"),
        Arguments.of(new JsonObject().put("allow_master_keys", "yes please"), "allow_master_keys"));
  }

  @ParameterizedTest(name = "{1}: {0}")
  @MethodSource("badValues")
  void badValueNamesItsKey(JsonObject json, String key) {
    ConfigException e = assertThrows(ConfigException.class, () -> GatewayConfig.from(json, false));
    assertEquals(key, e.key(), e.getMessage());
    assertTrue(e.getMessage().startsWith(key + ": "), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
  }

  @Test
  void unknownKeysAreReportedWithTheirDottedPath() {
    GatewayConfig config = GatewayConfig.from(new JsonObject()
        .put("listen_prot", 9000)
        .put("coprocess_options", new JsonObject().put("typo", 1).put("enable_coprocess", false))
        .put("metrics", new JsonObject().put("pth", "/x"))
        .put("cluster", new JsonObject().put("memebers", new JsonArray())), false);
    assertEquals(List.of("cluster.memebers", "coprocess_options.typo", "listen_prot", "metrics.pth"), config.unknownKeys().stream().sorted().toList());
  }

  @Test
  void tykKeysWithoutEffectAreNotReported() {
    GatewayConfig config = GatewayConfig.from(new JsonObject()
        .put("enable_analytics", false)
        .put("storage", new JsonObject().put("type", "redis"))
        .put("policies", new JsonObject())
        .put("log_level", "info")
        .put("coprocess_options", new JsonObject().put("python_path_prefix", "/opt/tyk")), false);
    assertEquals(List.of(), config.unknownKeys());
  }

  @Test
  void aTykConfStartsWithAWarningPerKeyThatDoesNotWorkYet() {
    GatewayConfig config = GatewayConfig.from(new JsonObject()
        .put("storage", new JsonObject().put("type", "redis").put("host", "localhost").put("port", 6379))
        .put("policies", new JsonObject().put("policy_source", "file").put("policy_record_name", "policies.json"))
        .put("enable_analytics", false).put("analytics_config", new JsonObject().put("type", "mongo"))
        .put("template_path", "/opt/tyk-gateway/templates"), false);
    assertTrue(config.keyWarnings().stream().anyMatch(w -> w.startsWith("storage ") && w.contains("built-in store")), config.keyWarnings().toString());
    assertEquals(Path.of("policies.json"), config.policies().recordFile());
    assertTrue(config.inertKeys().contains("template_path"), config.inertKeys().toString());
    assertEquals(List.of(), config.unknownKeys());
  }

  @Test
  void aConfKeyWhoseAbsenceWouldOpenAccessStopsStartUpUnlessAllowed() {
    JsonObject json = new JsonObject().put("control_api_hostname", "admin.internal");
    ConfigException e = assertThrows(ConfigException.class, () -> GatewayConfig.from(json, false));
    assertEquals("control_api_hostname", e.key());
    GatewayConfig lax = GatewayConfig.from(json.copy().put("allow_unimplemented_keys", true), false);
    assertTrue(lax.keyWarnings().get(0).startsWith("control_api_hostname "), lax.keyWarnings().toString());
  }

  @Test
  void aSecretReferenceIsRefusedRatherThanTakenAsText() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> GatewayConfig.from(new JsonObject().put("secret", "env://TYK_SECRET"), false));
    assertEquals("secret", e.key());
  }
}
