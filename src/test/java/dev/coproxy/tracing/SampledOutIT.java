package dev.coproxy.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.TempDirs;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import dev.coproxy.tracing.OtlpReceiver.ReceivedSpan;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Requests sampled out ({@code TraceIDRatioBased} at rate 0): no span of theirs is exported, not even
 * a hook span under {@code detailed_tracing}, yet their unsampled context (flags 00) still reaches
 * the upstream and the hook, so that neither samples them. A caller's sampled context is followed
 * ({@code parent_based}); closing the gateway flushes every span, so what was not exported never was.
 */
class SampledOutIT {

  private static final String CALLER = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  @Test
  void sampledOutRequestsExportNothingAndStillPassTheirContextOn() throws Exception {
    Vertx collectorVertx = Vertx.vertx();
    OtlpReceiver collector = new OtlpReceiver(collectorVertx);
    Path middleware = Files.createTempDirectory("coproxy-otel-off");
    Files.createDirectories(middleware.resolve("lua"));
    try (InputStream in = SampledOutIT.class.getResourceAsStream("/tracing/trace.lua")) {
      Files.write(middleware.resolve("lua").resolve("trace.lua"), in.readAllBytes());
    }
    List<String> upstreamSaw = new ArrayList<>();
    List<String> hookSaw = new ArrayList<>();
    try {
      TestGateway gw = TestGateway.start(new JsonObject()
          .put("middleware_path", middleware.toString())
          .put("coprocess_options", new JsonObject().put("enable_coprocess", true).put("lua_instances", 1))
          .put("opentelemetry", new JsonObject().put("enabled", true).put("exporter", "http")
              .put("endpoint", "127.0.0.1:" + collector.port())
              .put("sampling", new JsonObject().put("type", "TraceIDRatioBased").put("rate", 0.0).put("parent_based", true))),
          Map.of());
      try (gw; Upstream upstream = Upstream.start(gw.vertx)) {
        JsonObject api = Apis.keyless("otel-off", "/otel-off/", upstream.url("/")).put("name", "Sampled Out API")
            .put("detailed_tracing", true)
            .put("custom_middleware", new JsonObject().put("driver", "lua")
                .put("pre", new JsonArray().add(new JsonObject().put("name", "trace_pre"))));
        gw.writeApi("otel-off.json", api);
        assertEquals(new JsonArray(), gw.reload().getJsonArray("errors"));
        for (int i = 0; i < 5; i++) {
          TestGateway.Reply reply = gw.call(HttpMethod.GET, "/otel-off/x", Map.of(), null);
          assertEquals(200, reply.status(), reply.text());
          upstreamSaw.add(reply.json().getJsonObject("headers").getString("traceparent"));
          hookSaw.add(reply.json().getJsonObject("headers").getString("x-seen-traceparent"));
        }
        TestGateway.Reply sampled = gw.call(HttpMethod.GET, "/otel-off/x", Map.of("traceparent", CALLER), null);
        assertEquals(200, sampled.status(), sampled.text());
      }
      // Closed: the tracer has flushed everything it was going to export.
      for (int i = 0; i < upstreamSaw.size(); i++) {
        String traceparent = upstreamSaw.get(i);
        // Not sampled: the flags' low bit is clear (the SDK may set W3C level 2's random bit).
        assertTrue(traceparent != null && traceparent.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")
            && (Integer.parseInt(traceparent.substring(53), 16) & 1) == 0, traceparent);
        assertEquals(traceparent, hookSaw.get(i), "the hook continues the request's unsampled context");
      }
      List<ReceivedSpan> spans = List.copyOf(collector.spans);
      assertEquals(2, spans.size(), "the sampled caller's server span and hook span only: " + spans);
      assertTrue(spans.stream().allMatch(s -> s.traceId().equals(CALLER.substring(3, 35))), spans.toString());
    } finally {
      collector.close();
      collectorVertx.close().await();
      TempDirs.delete(middleware);
    }
  }
}
