package dev.coproxy.config;

import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Tyk's {@code opentelemetry} section: where request traces go and which are kept. Read once at
 * start; {@link #enabled()} false means no tracer exists at all.
 *
 * @param enabled {@code enabled}
 * @param grpc {@code exporter}: {@code grpc} (Tyk's default) sends OTLP over gRPC, {@code http} over HTTP
 * @param endpoint {@code endpoint} as a URL: for gRPC the collector's {@code http://host:port}
 *     (default {@code localhost:4317}), for HTTP the full traces URL {@code http://host:port/v1/traces}
 *     (default {@code localhost:4318}). Tyk's form {@code host:port} gets {@code http://} added, and
 *     for HTTP {@code /v1/traces} too; a URL with a scheme is used as written
 * @param headers {@code headers}: sent with every export (an API key of the collector)
 * @param connectionTimeoutMillis {@code connection_timeout} (seconds in the config, default 1)
 * @param resourceName {@code resource_name}: the traces' {@code service.name} (default {@code tyk-gateway})
 * @param simpleProcessor {@code span_processor_type} {@code simple}: each span is exported when it
 *     ends; {@code batch} (the default) collects them first
 * @param samplingType {@code sampling.type}: {@code AlwaysOn} (default), {@code AlwaysOff} or
 *     {@code TraceIDRatioBased}
 * @param samplingRate {@code sampling.rate} for {@code TraceIDRatioBased} (default 0.5)
 * @param parentBased {@code sampling.parent_based}: a request that comes with a trace context
 *     follows its caller's sampling decision
 */
public record TracingOptions(boolean enabled, boolean grpc, String endpoint, Map<String, String> headers, long connectionTimeoutMillis,
    String resourceName, boolean simpleProcessor, String samplingType, double samplingRate, boolean parentBased) {

  /** Tracing off. */
  public static final TracingOptions OFF = new TracingOptions(false, true, "", Map.of(), 1000, "tyk-gateway", false, "AlwaysOn", 0.5, false);

  public TracingOptions {
    headers = Map.copyOf(headers);
  }

  /**
   * Reads the section.
   *
   * @param r a reader of {@code opentelemetry}
   * @throws ConfigException naming the key that cannot work
   */
  static TracingOptions parse(JsonReader r) {
    boolean enabled = r.bool("enabled", false);
    String exporter = r.string("exporter", "grpc").trim().toLowerCase(Locale.ROOT);
    String endpoint = r.string("endpoint", "").trim();
    JsonObject headerObject = r.object("headers");
    long timeout = r.integer("connection_timeout", 1, 0, 3600);
    String resource = r.string("resource_name", "tyk-gateway");
    String processor = r.string("span_processor_type", "batch").trim().toLowerCase(Locale.ROOT);
    JsonReader sampling = r.child("sampling");
    String type = sampling.string("type", "AlwaysOn").trim();
    double rate = sampling.decimal("rate", 0.5, 0, 1);
    boolean parentBased = sampling.bool("parent_based", false);
    if (!enabled) {
      return OFF;
    }
    if (!exporter.equals("grpc") && !exporter.equals("http")) {
      throw new ConfigException(r.path("exporter"), "must be grpc or http, got \"" + exporter + "\"");
    }
    boolean grpc = exporter.equals("grpc");
    if (!processor.equals("batch") && !processor.equals("simple")) {
      throw new ConfigException(r.path("span_processor_type"), "must be batch or simple, got \"" + processor + "\"");
    }
    if (!type.equals("AlwaysOn") && !type.equals("AlwaysOff") && !type.equals("TraceIDRatioBased")) {
      throw new ConfigException(sampling.path("type"), "must be AlwaysOn, AlwaysOff or TraceIDRatioBased, got \"" + type + "\"");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headerObject.forEach(e -> {
      if (!(e.getValue() instanceof String value)) {
        throw new ConfigException(r.path("headers") + "." + e.getKey(), "must be a string");
      }
      headers.put(e.getKey(), value);
    });
    String collector = endpoint.isEmpty() ? (grpc ? "localhost:4317" : "localhost:4318") : endpoint;
    return new TracingOptions(true, grpc, grpc ? grpcUrl(collector) : httpUrl(collector), headers,
        timeout == 0 ? 1000 : timeout * 1000, resource, processor.equals("simple"), type, rate, parentBased);
  }

  // Tyk writes the collector as host:port and dials it without TLS; the gRPC exporter wants a URL
  // (the service path is its own).
  private static String grpcUrl(String endpoint) {
    return endpoint.contains("://") ? endpoint : "http://" + endpoint;
  }

  // Tyk writes the collector as host:port; the HTTP exporter wants the traces URL.
  private static String httpUrl(String endpoint) {
    String url = grpcUrl(endpoint);
    int pathStart = url.indexOf('/', url.indexOf("://") + 3);
    return pathStart < 0 ? url + "/v1/traces" : url;
  }
}
