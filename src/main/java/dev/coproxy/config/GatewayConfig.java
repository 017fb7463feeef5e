package dev.coproxy.config;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The gateway configuration, read once at start-up from Tyk's {@code tyk.conf} keys plus Coproxy's
 * own extensions. Nobody else reads raw config: components take the parts they need from here.
 *
 * @param listenAddress interface to bind; empty means all interfaces
 * @param listenPort port for API traffic (0 picks a free port)
 * @param controlApiPort separate port for the Gateway API, 0 = the same port as the traffic
 * @param secret Gateway API secret; empty refuses every Gateway API call
 * @param appPath directory of API definition files
 * @param appPathIsDefault true when app_path came from the bundled defaults (it is then created and
 *     seeded with the demo APIs if missing)
 * @param middlewarePath directory of plugins and bundles
 * @param hashKeys store keys under their hash
 * @param hashKeyFunction Tyk hash function name for new keys (empty = legacy keys)
 * @param minTokenLength shortest custom key accepted by the Gateway API
 * @param maxRequestBodySize request body limit in bytes, 0 = none
 * @param proxyTimeoutMillis upstream timeout (Tyk's {@code proxy_default_timeout}, seconds)
 * @param shutdownTimeoutMillis how long SIGTERM waits for in-flight requests
 * @param upstreamPoolSize keep-alive connections per event loop and upstream
 * @param eventHandlers global event handlers, kept raw for the events module
 * @param coprocess {@code coprocess_options}
 * @param cluster {@code cluster}
 * @param metrics {@code metrics}
 * @param bundles plugin bundle loading ({@code enable_bundle_downloader} and the keys around it)
 * @param httpServer {@code http_server_options}: path cleaning, TLS and connection timeouts of both ports
 * @param unknownKeys keys present in the config that neither Tyk nor Coproxy defines (warned about once)
 * @param allowUnimplementedKeys {@code allow_unimplemented_keys}: API definitions and tyk.conf keys
 *     that Coproxy does not implement are warned about instead of refused
 * @param keyWarnings one line each for tyk.conf keys that are not implemented (what Coproxy does
 *     instead), logged at start
 * @param inertKeys tyk.conf keys that are set but have no effect in Coproxy (analytics, dashboard, tuning)
 * @param exposure what the gateway serves besides the user's APIs and the Gateway API
 * @param policies {@code policies} (where security policies are read from) and {@code allow_unsafe_policy_ids}
 * @param enableCustomDomains {@code enable_custom_domains}: APIs with a {@code domain} are served
 *     only for that host; without it every API's {@code domain} is ignored, as in Tyk
 * @param clientAddress which address a request comes from, for IP lists and events
 * @param tracing {@code opentelemetry}: request traces exported over OTLP (gRPC or HTTP)
 */
public record GatewayConfig(
    String listenAddress,
    int listenPort,
    int controlApiPort,
    String secret,
    Path appPath,
    boolean appPathIsDefault,
    Path middlewarePath,
    boolean hashKeys,
    String hashKeyFunction,
    int minTokenLength,
    long maxRequestBodySize,
    long proxyTimeoutMillis,
    long shutdownTimeoutMillis,
    int upstreamPoolSize,
    JsonObject eventHandlers,
    CoprocessOptions coprocess,
    ClusterOptions cluster,
    MetricsOptions metrics,
    BundleOptions bundles,
    HttpServerOptions httpServer,
    List<String> unknownKeys,
    boolean allowUnimplementedKeys,
    List<String> keyWarnings,
    List<String> inertKeys,
    Exposure exposure,
    PolicyOptions policies,
    boolean enableCustomDomains,
    ClientAddressOptions clientAddress,
    TracingOptions tracing) {

  private static final Set<String> HASH_FUNCTIONS = Set.of("", "murmur32", "murmur64", "murmur128", "sha256");

  /**
   * {@code coprocess_options}: Tyk's keys plus Coproxy's driver settings.
   *
   * @param watch {@code watch} (Coproxy extension): a saved plugin file or API definition is reloaded
   *     on this node without a reload call (dev.coproxy.watch.SourceWatcher)
   */
  public record CoprocessOptions(
      boolean enableCoprocess,
      String grpcServer,
      long grpcRecvMaxSize,
      long grpcSendMaxSize,
      String grpcAuthority,
      boolean grpcRoundRobin,
      JsonObject grpcTls,
      long hookTimeoutMillis,
      String pythonInterpreter,
      int pythonWorkers,
      int luaInstances,
      boolean luaAllowOs,
      long luaLoopInstructions,
      boolean debugHeaders,
      boolean watch) {
  }

  /**
   * {@code cluster}: Hazelcast membership. {@code host} is the interface Hazelcast binds (empty = any,
   * as on Kubernetes), {@code port} its first port; {@code name} keeps separate clusters apart;
   * {@code bus_host} / {@code bus_port} are the clustered event bus (empty / 0 = chosen by Vert.x).
   */
  public record ClusterOptions(boolean enabled, String host, int port, List<String> members, JsonObject kubernetes,
      String name, String busHost, int busPort) {
  }

  /**
   * {@code metrics}: the Prometheus endpoint. It is served on the control port when
   * {@code control_api_port} is set, else on the traffic port.
   *
   * @param requireSecret {@code metrics.require_secret}: a scrape must send the Gateway API secret in
   *     {@code x-tyk-authorization}
   */
  public record MetricsOptions(boolean enabled, String path, boolean requireSecret) {
  }

  /**
   * What is served or accepted beyond what the user configured, each off unless asked for.
   *
   * @param echoEndpoint {@code enable_echo_endpoint} (Coproxy's): serve {@code /coproxy/echo} on the
   *     traffic port; the bundled demo config turns it on for its demo APIs
   * @param allowMasterKeys {@code allow_master_keys} (Tyk's): the Gateway API accepts keys without
   *     {@code access_rights}, which may then call every API
   * @param hashedKeysListing {@code enable_hashed_keys_listing} (Tyk's): with {@code hash_keys},
   *     {@code GET /tyk/keys} lists key hashes only when this is on
   */
  public record Exposure(boolean echoEndpoint, boolean allowMasterKeys, boolean hashedKeysListing) {
  }

  /**
   * Plugin bundles: Tyk's top-level keys plus Coproxy's size limit.
   *
   * @param downloaderEnabled {@code enable_bundle_downloader}
   * @param baseUrl {@code bundle_base_url}
   * @param publicKeyPath {@code public_key_path}; empty = signatures are not checked
   * @param insecureSkipVerify {@code bundle_insecure_skip_verify} (https only)
   * @param skipVerifyExisting {@code skip_verify_existing_plugin_bundle}
   * @param maxSize {@code bundle_max_size}: largest archive, and largest unpacked size, in bytes
   */
  public record BundleOptions(boolean downloaderEnabled, String baseUrl, String publicKeyPath, boolean insecureSkipVerify,
      boolean skipVerifyExisting, long maxSize) {
  }

  /** True when the Gateway API is served on the traffic port. */
  public boolean controlOnTrafficPort() {
    return controlApiPort == 0 || controlApiPort == listenPort;
  }

  /**
   * Reads and validates a merged config object.
   *
   * @param json the merged configuration
   * @param appPathIsDefault whether {@code app_path} came from the bundled defaults
   * @throws ConfigException naming the first key that cannot work
   */
  public static GatewayConfig from(JsonObject json, boolean appPathIsDefault) {
    JsonReader r = new JsonReader(json);
    int cores = Runtime.getRuntime().availableProcessors();
    String hashFunction = r.string("hash_key_function", "");
    if (!HASH_FUNCTIONS.contains(hashFunction)) {
      throw new ConfigException("hash_key_function", "must be one of murmur32, murmur64, murmur128, sha256 or empty, got \"" + hashFunction + "\"");
    }
    String appPath = r.string("app_path", "apps");
    if (appPath.isBlank()) {
      throw new ConfigException("app_path", "must name a directory");
    }
    boolean allowUnimplemented = r.bool("allow_unimplemented_keys", false);
    String secret = r.string("secret", "");
    if (secret.matches("(?i)(env|secrets|consul|vault)://.*")) {
      // Tyk resolves these references; taken as written, the secret would be a guessable text.
      throw new ConfigException("secret", "is a " + secret.substring(0, secret.indexOf(':')) + ":// reference, which Coproxy does"
          + " not resolve; write the secret itself (or set COPROXY_SECRET)");
    }
    KeyJudgement keys = judge(json, allowUnimplemented);
    Exposure exposure = new Exposure(r.bool("enable_echo_endpoint", false), r.bool("allow_master_keys", false),
        r.bool("enable_hashed_keys_listing", false));
    // Arguments are evaluated left to right, so unreadKeys() sees every key read before it.
    return new GatewayConfig(
        r.string("listen_address", ""),
        (int) r.integer("listen_port", 8080, 0, 65535),
        (int) r.integer("control_api_port", 0, 0, 65535),
        secret,
        Path.of(appPath),
        appPathIsDefault,
        Path.of(r.string("middleware_path", "middleware")),
        r.bool("hash_keys", false),
        hashFunction,
        (int) r.integer("min_token_length", 3, 0, 1024),
        r.integer("max_request_body_size", 0, 0, Long.MAX_VALUE),
        proxyTimeoutMillis(r.decimal("proxy_default_timeout", 0, 0, 86400)),
        Math.round(r.decimal("graceful_shutdown_timeout_duration", 30, 0, 3600) * 1000),
        (int) r.integer("upstream_pool_size", 64, 1, 10000),
        r.object("event_handlers"),
        coprocess(r.child("coprocess_options"), cores),
        cluster(r.child("cluster")),
        metrics(r.child("metrics")),
        bundles(r),
        HttpServerOptions.from(r),
        keys.unknown(),
        allowUnimplemented,
        keys.warnings(),
        keys.inert(),
        exposure,
        PolicyOptions.parse(r.child("policies"), r.bool("allow_unsafe_policy_ids", false)),
        r.bool("enable_custom_domains", false),
        ClientAddressOptions.parse(r),
        TracingOptions.parse(r.child("opentelemetry")));
  }

  private record KeyJudgement(List<String> unknown, List<String> warnings, List<String> inert) {
  }

  // Every key is judged against Tyk's key table: a key Coproxy does not implement and whose absence
  // would open access stops the start (unless allow_unimplemented_keys), the others are named once.
  private static KeyJudgement judge(JsonObject json, boolean allowUnimplemented) {
    List<String> unknown = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    List<String> inert = new ArrayList<>();
    for (KeyTable.Finding finding : KeyTable.bundled().check(KeyTable.Scope.CONF, json)) {
      switch (finding.verdict()) {
        case REFUSED -> {
          if (!allowUnimplemented) {
            throw new ConfigException(finding.key(), finding.problem()
                + "; ignoring it would open access, so Coproxy does not start (allow_unimplemented_keys: true starts anyway)");
          }
          warnings.add(finding.describe() + "; starting anyway because allow_unimplemented_keys is true");
        }
        case WARNED -> warnings.add(finding.describe());
        case INERT -> inert.add(finding.key());
        case UNKNOWN -> unknown.add(finding.key());
        default -> throw new IllegalStateException(finding.verdict().toString());
      }
    }
    return new KeyJudgement(List.copyOf(unknown), List.copyOf(warnings), List.copyOf(inert));
  }

  // As in Tyk, 0 (Go's zero value, what an unset key reads as) means the default of 30 seconds.
  private static long proxyTimeoutMillis(double seconds) {
    return seconds == 0 ? 30_000 : Math.max(1, Math.round(seconds * 1000));
  }

  private static CoprocessOptions coprocess(JsonReader r, int cores) {
    CoprocessOptions options = new CoprocessOptions(
        r.bool("enable_coprocess", false),
        r.string("coprocess_grpc_server", ""),
        r.integer("grpc_recv_max_size", 0, 0, Integer.MAX_VALUE),
        r.integer("grpc_send_max_size", 0, 0, Integer.MAX_VALUE),
        r.string("grpc_authority", ""),
        r.bool("grpc_round_robin_load_balancing", false),
        r.object("grpc_tls"),
        r.integer("hook_timeout_ms", 5000, 1, 3_600_000),
        r.string("python_interpreter", ""),
        (int) r.integer("python_workers", cores, 1, 256),
        (int) r.integer("lua_instances", cores, 1, 256),
        r.bool("lua_allow_os", false),
        r.integer("lua_loop_instructions", 20_000, 0, 10_000_000),
        r.bool("debug_headers", false),
        r.bool("watch", false));
    r.has("python_path_prefix");
    r.has("python_version");
    return options;
  }

  private static ClusterOptions cluster(JsonReader r) {
    return new ClusterOptions(
        r.bool("enabled", false),
        r.string("host", "127.0.0.1"),
        (int) r.integer("port", 5701, 0, 65535),
        r.strings("members"),
        r.object("kubernetes"),
        r.string("name", "coproxy"),
        r.string("bus_host", ""),
        (int) r.integer("bus_port", 0, 0, 65535));
  }

  private static BundleOptions bundles(JsonReader r) {
    return new BundleOptions(
        r.bool("enable_bundle_downloader", false),
        r.string("bundle_base_url", "").trim(),
        r.string("public_key_path", "").trim(),
        r.bool("bundle_insecure_skip_verify", false),
        r.bool("skip_verify_existing_plugin_bundle", false),
        r.integer("bundle_max_size", 100L * 1024 * 1024, 1, Long.MAX_VALUE));
  }

  private static MetricsOptions metrics(JsonReader r) {
    String path = r.string("path", "/metrics");
    if (!path.startsWith("/")) {
      throw new ConfigException(r.path("path"), "must start with /, got \"" + path + "\"");
    }
    return new MetricsOptions(r.bool("enabled", true), path, r.bool("require_secret", false));
  }
}
