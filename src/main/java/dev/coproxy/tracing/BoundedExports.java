package dev.coproxy.tracing;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An exporter that holds at most {@code limit} exports in flight and drops the spans of any
 * further one, for {@code span_processor_type: simple}, which exports each span as it ends: with a
 * slow or absent collector, every request would otherwise leave one more export queued in memory.
 * Drops are logged once per stretch (the first drop after exports kept up again).
 */
final class BoundedExports implements SpanExporter {

  private static final System.Logger LOG = System.getLogger(BoundedExports.class.getName());

  private final SpanExporter exporter;
  private final int limit;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean dropping;

  BoundedExports(SpanExporter exporter, int limit) {
    this.exporter = exporter;
    this.limit = limit;
  }

  @Override
  public CompletableResultCode export(Collection<SpanData> spans) {
    if (inFlight.incrementAndGet() > limit) {
      inFlight.decrementAndGet();
      if (!dropping) {
        dropping = true;
        LOG.log(System.Logger.Level.WARNING, "opentelemetry: " + limit + " span exports are waiting for the collector;"
            + " spans are dropped until it catches up (span_processor_type \"batch\" holds more)");
      }
      return CompletableResultCode.ofFailure();
    }
    CompletableResultCode result = exporter.export(spans);
    result.whenComplete(() -> {
      if (inFlight.decrementAndGet() == 0) {
        dropping = false;
      }
    });
    return result;
  }

  @Override
  public CompletableResultCode flush() {
    return exporter.flush();
  }

  @Override
  public CompletableResultCode shutdown() {
    return exporter.shutdown();
  }

  /** Exports in flight now. */
  int inFlight() {
    return inFlight.get();
  }
}
