package dev.coproxy.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Coproxy's own meters: one counter per API and status, the upstream timer per API. */
class GatewayMetricsTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final GatewayMetrics metrics = new GatewayMetrics(registry);

  @Test
  void countsRequestsByApiAndStatus() {
    GatewayMetrics.ApiMeters a = metrics.forApi("a");
    a.request(200);
    a.request(200);
    a.request(429);
    metrics.forApi("b").request(200);
    assertEquals(2.0, count("a", "200"));
    assertEquals(1.0, count("a", "429"));
    assertEquals(1.0, count("b", "200"));
  }

  @Test
  void metersOfTheSameApiShareTheirCounters() {
    metrics.forApi("a").request(200);
    metrics.forApi("a").request(200);
    assertEquals(2.0, count("a", "200"));
  }

  @Test
  void unusualStatusesAreEachCountedUnderTheirOwnCode() {
    GatewayMetrics.ApiMeters a = metrics.forApi("a");
    a.request(999);
    a.request(700);
    a.request(700);
    a.request(42);
    assertEquals(1.0, count("a", "999"));
    assertEquals(2.0, count("a", "700"));
    assertEquals(1.0, count("a", "42"));
  }

  @Test
  void upstreamLatencyIsTimedPerApi() {
    metrics.forApi("a").upstreamLatency(TimeUnit.MILLISECONDS.toNanos(15));
    var timer = registry.get("coproxy.upstream.latency").tag("api_id", "a").timer();
    assertEquals(1, timer.count());
    assertEquals(15.0, timer.totalTime(TimeUnit.MILLISECONDS), 0.001);
  }

  private double count(String apiId, String code) {
    return registry.get("coproxy.requests").tag("api_id", apiId).tag("code", code).counter().count();
  }
}
