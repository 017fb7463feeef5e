package dev.coproxy.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.junit.jupiter.api.Test;

class BoundedExportsTest {

  /** An exporter whose exports stay pending until the test completes them: a collector that does not answer. */
  private static final class StalledExporter implements SpanExporter {
    final List<CompletableResultCode> pending = new ArrayList<>();

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      CompletableResultCode result = new CompletableResultCode();
      pending.add(result);
      return result;
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }

  @Test
  void exportsBeyondTheLimitAreDroppedUntilOneCompletes() {
    StalledExporter stalled = new StalledExporter();
    BoundedExports bounded = new BoundedExports(stalled, 3);
    for (int i = 0; i < 3; i++) {
      assertFalse(bounded.export(List.of()).isDone());
    }
    CompletableResultCode dropped = bounded.export(List.of());
    assertTrue(dropped.isDone() && !dropped.isSuccess(), "the fourth export is refused at once");
    assertEquals(3, stalled.pending.size(), "the stalled collector never saw the fourth");
    assertEquals(3, bounded.inFlight());

    stalled.pending.get(0).succeed();
    assertEquals(2, bounded.inFlight());
    assertFalse(bounded.export(List.of()).isDone(), "room again: the next export goes out");
    assertEquals(4, stalled.pending.size());

    stalled.pending.forEach(CompletableResultCode::fail);
    assertEquals(0, bounded.inFlight(), "failed exports free their place too");
  }
}
