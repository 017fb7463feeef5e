package dev.coproxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code opentelemetry} section as Tyk writes it: defaults, Tyk's endpoint form, and what stops the start. */
class TracingOptionsTest {

  private static TracingOptions read(JsonObject otel) {
    return GatewayConfig.from(new JsonObject().put("opentelemetry", otel), false).tracing();
  }

  private static JsonObject http() {
    return new JsonObject().put("enabled", true).put("exporter", "http");
  }

  private static String refused(JsonObject otel) {
    return assertThrows(ConfigException.class, () -> read(otel)).key();
  }

  @Test
  void offByDefaultAndWhateverElseIsWrittenWhileOff() {
    assertFalse(GatewayConfig.from(new JsonObject(), false).tracing().enabled());
    assertFalse(read(new JsonObject().put("exporter", "grpc")).enabled());
  }

  @Test
  void grpcIsTheDefaultExporterOnTheCollectorsGrpcPort() {
    TracingOptions options = read(new JsonObject().put("enabled", true));
    assertTrue(options.grpc());
    assertEquals("http://localhost:4317", options.endpoint());
    assertTrue(read(new JsonObject().put("enabled", true).put("exporter", " GRPC ")).grpc());
  }

  @Test
  void grpcEndpointForms() {
    JsonObject grpc = new JsonObject().put("enabled", true).put("exporter", "grpc");
    assertEquals("http://collector:4317", read(grpc.copy().put("endpoint", "collector:4317")).endpoint());
    assertEquals("https://otel.example:443", read(grpc.copy().put("endpoint", "https://otel.example:443")).endpoint());
    assertEquals("http://127.0.0.1:9", read(grpc.copy().put("endpoint", "http://127.0.0.1:9")).endpoint());
  }

  @Test
  void tyksDefaults() {
    TracingOptions options = read(http());
    assertTrue(options.enabled());
    assertFalse(options.grpc());
    assertEquals("http://localhost:4318/v1/traces", options.endpoint());
    assertEquals(1000, options.connectionTimeoutMillis());
    assertEquals("tyk-gateway", options.resourceName());
    assertFalse(options.simpleProcessor());
    assertEquals("AlwaysOn", options.samplingType());
    assertEquals(0.5, options.samplingRate());
    assertFalse(options.parentBased());
  }

  @Test
  void readsEveryKey() {
    TracingOptions options = read(http().put("endpoint", "collector:4318").put("headers", new JsonObject().put("api-key", "k"))
        .put("connection_timeout", 3).put("resource_name", "edge").put("span_processor_type", "simple")
        .put("sampling", new JsonObject().put("type", "TraceIDRatioBased").put("rate", 0.25).put("parent_based", true)));
    assertEquals("http://collector:4318/v1/traces", options.endpoint());
    assertEquals(Map.of("api-key", "k"), options.headers());
    assertEquals(3000, options.connectionTimeoutMillis());
    assertEquals("edge", options.resourceName());
    assertTrue(options.simpleProcessor());
    assertEquals("TraceIDRatioBased", options.samplingType());
    assertEquals(0.25, options.samplingRate());
    assertTrue(options.parentBased());
  }

  @Test
  void aFullUrlIsTakenAsItIs() {
    assertEquals("https://otel.example/custom/path", read(http().put("endpoint", "https://otel.example/custom/path")).endpoint());
    assertEquals("http://127.0.0.1:9/v1/traces", read(http().put("endpoint", "http://127.0.0.1:9")).endpoint());
  }

  @Test
  void anUnknownExporterIsRefusedNamingTheKey() {
    assertEquals("opentelemetry.exporter", refused(http().put("exporter", "zipkin")));
    assertEquals("opentelemetry.exporter", refused(http().put("exporter", "")));
  }

  @Test
  void badValuesNameTheirKey() {
    assertEquals("opentelemetry.sampling.type", refused(http().put("sampling", new JsonObject().put("type", "Sometimes"))));
    assertEquals("opentelemetry.sampling.rate", refused(http().put("sampling", new JsonObject().put("rate", 2))));
    assertEquals("opentelemetry.span_processor_type", refused(http().put("span_processor_type", "eager")));
    assertEquals("opentelemetry.headers.x", refused(http().put("headers", new JsonObject().put("x", 1))));
    assertEquals("opentelemetry.connection_timeout", refused(http().put("connection_timeout", -1)));
  }
}
