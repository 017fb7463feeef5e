package dev.coproxy.coprocess;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The meters of one hook of one API, registered when the chain is built:
 * {@code coproxy_hook_duration_seconds{api_id,hook_type,hook_name,driver}} and
 * {@code coproxy_hook_failures_total{api_id,hook_type,hook_name,driver,reason}}.
 */
final class HookMeters {

  private final Timer duration;
  private final Map<HookFailure.Reason, Counter> failures = new EnumMap<>(HookFailure.Reason.class);

  HookMeters(MeterRegistry registry, String apiId, HookSpec hook) {
    String[] tags = {"api_id", apiId, "hook_type", hook.key(), "hook_name", hook.name(), "driver", hook.driver()};
    duration = Timer.builder("coproxy.hook.duration")
        .description("Round trip of a hook call from the request path to the driver and back")
        .tags(tags)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(50_000))
        .maximumExpectedValue(Duration.ofSeconds(30))
        .register(registry);
    for (HookFailure.Reason reason : HookFailure.Reason.values()) {
      failures.put(reason, Counter.builder("coproxy.hook.failures")
          .description("Hook calls that failed, by reason")
          .tags(tags).tag("reason", reason.label())
          .register(registry));
    }
  }

  void duration(long nanos) {
    duration.record(nanos, TimeUnit.NANOSECONDS);
  }

  void failure(HookFailure.Reason reason) {
    failures.get(reason).increment();
  }
}
