package dev.coproxy.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.Poll;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import dev.coproxy.tracing.OtlpReceiver.ReceivedSpan;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code opentelemetry.exporter: grpc}, Tyk's default: a real gateway exports its request spans over
 * OTLP/gRPC to a collector in the test ({@link OtlpReceiver#grpc}), and a collector that is down
 * costs requests nothing.
 */
class TracingGrpcIT {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private Vertx collectorVertx;
  private OtlpReceiver collector;
  private TestGateway gw;
  private Upstream upstream;

  @AfterEach
  void stop() throws Exception {
    if (upstream != null) {
      upstream.close();
    }
    if (gw != null) {
      gw.close();
    }
    if (collector != null) {
      collector.close();
    }
    if (collectorVertx != null) {
      collectorVertx.close().await();
    }
  }

  private void start(String endpoint) throws Exception {
    gw = TestGateway.start(new JsonObject().put("opentelemetry", new JsonObject()
        .put("enabled", true)
        .put("exporter", "grpc")
        // Tyk's host:port form, dialled without TLS
        .put("endpoint", endpoint)
        .put("headers", new JsonObject().put("api-key", "collector-key"))
        .put("resource_name", "coproxy-grpc-it")
        .put("span_processor_type", "simple")), Map.of());
    upstream = Upstream.start(gw.vertx);
  }

  private void deploy(String id, String name) throws Exception {
    JsonObject api = Apis.keyless(id, "/" + id + "/", upstream.url("/")).put("name", name).put("org_id", "org-grpc");
    gw.writeApi(id + ".json", api);
    JsonObject answer = gw.reload();
    assertEquals(0, answer.getJsonArray("errors").size(), answer.encodePrettily());
  }

  @Test
  void aRequestsServerSpanReachesAGrpcCollectorUnderTheCallersTrace() throws Exception {
    collectorVertx = Vertx.vertx();
    collector = OtlpReceiver.grpc(collectorVertx);
    start("127.0.0.1:" + collector.port());
    deploy("otel-grpc", "gRPC Exported API");
    String traceId = "6bf92f3577b34da6a3ce929d0e0e4736";
    String callerSpan = "10f067aa0ba902b7";
    TestGateway.Reply reply = gw.call(HttpMethod.GET, "/otel-grpc/items", Map.of("traceparent", "00-" + traceId + "-" + callerSpan + "-01"), null);
    assertEquals(200, reply.status(), reply.text());

    Poll.until(WAIT, () -> !collector.named("gRPC Exported API").isEmpty(), () -> "the request's span in " + collector.spans);
    List<ReceivedSpan> spans = collector.named("gRPC Exported API");
    assertEquals(1, spans.size(), spans.toString());
    ReceivedSpan span = spans.get(0);
    assertEquals(2, span.kind(), "SPAN_KIND_SERVER");
    assertEquals(traceId, span.traceId());
    assertEquals(callerSpan, span.parentSpanId());
    assertEquals("GET", span.attributes().get("http.request.method"));
    assertEquals(200L, span.attributes().get("http.response.status_code"));
    assertEquals("otel-grpc", span.attributes().get("tyk.api.id"));
    assertEquals("gRPC Exported API", span.attributes().get("tyk.api.name"));
    assertEquals("org-grpc", span.attributes().get("tyk.api.orgid"));
    assertEquals("/otel-grpc/", span.attributes().get("tyk.api.path"));
    assertEquals("/otel-grpc/items", span.attributes().get("url.path"));
    assertEquals("coproxy-grpc-it", span.resource().get("service.name"));
    assertTrue(collector.contentTypes.stream().allMatch(t -> t.startsWith("application/grpc")), collector.contentTypes.toString());
    assertTrue(collector.apiKeys.stream().allMatch("collector-key"::equals), collector.apiKeys.toString());

    // The upstream continues the gateway's span, in the caller's trace.
    String upstreamParent = reply.json().getJsonObject("headers").getString("traceparent");
    assertTrue(upstreamParent.startsWith("00-" + traceId + "-" + span.spanId() + "-"), upstreamParent + " vs " + span);
  }

  @Test
  void aCollectorThatIsDownDoesNotFailRequests() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    start("127.0.0.1:" + closedPort);
    deploy("otel-grpc-down", "Collector Down API");
    for (int i = 0; i < 5; i++) {
      TestGateway.Reply reply = gw.call(HttpMethod.GET, "/otel-grpc-down/x", Map.of(), null);
      assertEquals(200, reply.status(), reply.text());
    }
  }
}
