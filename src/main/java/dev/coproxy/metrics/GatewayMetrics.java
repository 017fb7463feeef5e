package dev.coproxy.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Coproxy's own Prometheus series, next to Vert.x's HTTP server and client metrics:
 * {@code coproxy_requests_total{api_id,code}} and the histogram
 * {@code coproxy_upstream_latency_seconds{api_id}}. Meters are looked up once per API and status,
 * never per request.
 */
public final class GatewayMetrics {

  /** The api_id label of requests that matched no API; api ids cannot contain parentheses. */
  public static final String NO_API = "(none)";

  private final MeterRegistry registry;
  private final ApiMeters unmatched;

  public GatewayMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.unmatched = forApi(NO_API);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** The meters of one API; cheap to keep per loaded API. */
  public ApiMeters forApi(String apiId) {
    return new ApiMeters(apiId);
  }

  /**
   * Removes Coproxy's per-API meters ({@code coproxy_*} with an {@code api_id} tag: requests,
   * upstream latency, hooks, ID extractor) of APIs that are no longer loaded, so that a deleted API's
   * series leave {@code /metrics}. An API loaded again later starts new series.
   */
  public void forgetApisOtherThan(Set<String> loaded) {
    List<Meter> gone = new ArrayList<>();
    for (Meter meter : registry.getMeters()) {
      String apiId = meter.getId().getTag("api_id");
      if (apiId != null && meter.getId().getName().startsWith("coproxy.") && !NO_API.equals(apiId) && !loaded.contains(apiId)) {
        gone.add(meter);
      }
    }
    gone.forEach(registry::remove);
  }

  /** Meters of requests that matched no API. */
  public ApiMeters unmatched() {
    return unmatched;
  }

  /** Request counts by status and upstream latency of one API. */
  public final class ApiMeters {

    private final String apiId;
    private final AtomicReferenceArray<Counter> byStatus = new AtomicReferenceArray<>(600);
    private final Timer upstreamLatency;

    private ApiMeters(String apiId) {
      this.apiId = apiId;
      this.upstreamLatency = Timer.builder("coproxy.upstream.latency")
          .description("Time from sending a request upstream to receiving the response headers")
          .tag("api_id", apiId)
          .publishPercentileHistogram()
          .minimumExpectedValue(Duration.ofMillis(1))
          .maximumExpectedValue(Duration.ofSeconds(30))
          .register(registry);
    }

    /** Counts one answered request. */
    public void request(int status) {
      if (status < 100 || status >= 600) {
        // Outside the cached range: looked up each time, so each code keeps its own counter.
        counter(status).increment();
        return;
      }
      Counter counter = byStatus.get(status);
      if (counter == null) {
        counter = counter(status);
        byStatus.set(status, counter);
      }
      counter.increment();
    }

    private Counter counter(int status) {
      return Counter.builder("coproxy.requests")
          .description("Requests answered, by API and status code")
          .tags("api_id", apiId, "code", Integer.toString(status))
          .register(registry);
    }

    public void upstreamLatency(long nanos) {
      upstreamLatency.record(nanos, TimeUnit.NANOSECONDS);
    }
  }
}
