package dev.coproxy.idextractor;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code coproxy_idextractor_total{api_id,result}} of one API, registered when its chain is built:
 * {@code hit} (cached session used, no plugin call), {@code miss} (the plugin runs) and {@code error}
 * (no ID could be extracted).
 */
public final class IdExtractorMeters {

  private final Counter hit;
  private final Counter miss;
  private final Counter error;

  public IdExtractorMeters(MeterRegistry registry, String apiId) {
    hit = counter(registry, apiId, "hit");
    miss = counter(registry, apiId, "miss");
    error = counter(registry, apiId, "error");
  }

  private static Counter counter(MeterRegistry registry, String apiId, String result) {
    return Counter.builder("coproxy.idextractor")
        .description("ID extractor lookups of auth_check APIs, by result")
        .tags("api_id", apiId, "result", result)
        .register(registry);
  }

  void hit() {
    hit.increment();
  }

  void miss() {
    miss.increment();
  }

  void error() {
    error.increment();
  }
}
