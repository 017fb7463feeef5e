package dev.coproxy.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Batched rate counting of two "nodes" against shared counters in a map, with a fake clock: calls
 * far from the rate are counted locally and sent as one delta per flush, calls near it (or of a
 * small rate, or with a stale view) take the exact path, and the nodes together allow the rate.
 */
class RateBatchesTest {

  private static final long T0 = 1_000_000_000L; // a multiple of every window used here
  private static final long SECOND = 1_000;

  private final AtomicLong now = new AtomicLong(T0);
  private final Shared shared = new Shared();
  private final RateBatches a = new RateBatches(shared, now::get, () -> 2);
  private final RateBatches b = new RateBatches(shared, now::get, () -> 2);

  private static final class Shared implements RateBatches.Backend {
    final Map<String, Long> counters = new HashMap<>();
    int calls;

    @Override
    public Future<Long> add(String key, long delta, long ttlMillis) {
      calls++;
      return Future.succeededFuture(counters.merge(key, delta, Long::sum));
    }

    @Override
    public Future<Long> read(String key) {
      calls++;
      return Future.succeededFuture(counters.getOrDefault(key, 0L));
    }
  }

  @Test
  void farFromTheRateCallsAreCountedLocallyAndSentAsOneDelta() {
    assertTrue(take(a, 10_000), "the first call reads the counters");
    int afterFirst = shared.calls;
    for (int i = 0; i < 99; i++) {
      assertTrue(take(a, 10_000));
    }
    assertEquals(afterFirst, shared.calls, "no cluster call for the next 99");
    assertEquals(1, shared.counters.get("rate-k-" + T0 / SECOND));
    done(a.flush());
    assertEquals(afterFirst + 1, shared.calls, "one delta");
    assertEquals(100, shared.counters.get("rate-k-" + T0 / SECOND));
  }

  @Test
  void aSmallRateAlwaysTakesTheExactPath() {
    int allowed = 0;
    for (int i = 0; i < 30; i++) {
      allowed += take(i % 2 == 0 ? a : b, 150) ? 1 : 0; // under 100 per member and window
    }
    assertEquals(30, allowed);
    assertEquals(30, shared.counters.get("rate-k-" + T0 / SECOND));
    assertTrue(shared.calls >= 90, "two reads and an increment per call: " + shared.calls);
  }

  @Test
  void twoNodesTogetherAllowTheRateAndNoMore() {
    int rate = 1_000;
    int allowed = 0;
    for (int i = 0; i < 3_000; i++) {
      if (i % 40 == 0) {
        now.addAndGet(RateBatches.FLUSH_MILLIS / 5);
        done(a.flush());
        done(b.flush());
      }
      allowed += take(i % 2 == 0 ? a : b, rate) ? 1 : 0;
    }
    done(a.flush());
    done(b.flush());
    assertEquals(rate, allowed);
    assertEquals(rate, shared.counters.get("rate-k-" + T0 / SECOND));
    assertTrue(shared.calls < 3 * rate, "most calls were counted locally or refused from the view: " + shared.calls);
  }

  @Test
  void aStaleViewIsNotTrusted() {
    assertTrue(take(a, 10_000));
    int afterFirst = shared.calls;
    now.addAndGet(RateBatches.FRESH_MILLIS + 1);
    assertTrue(take(a, 10_000));
    assertEquals(afterFirst + 3, shared.calls, "read both counters, then one increment");
  }

  @Test
  void aNodeSeesTheOtherNodesCallsAfterItsFlush() {
    assertTrue(take(a, 10_000));
    assertTrue(take(b, 10_000));
    for (int i = 0; i < 500; i++) {
      take(b, 10_000);
    }
    done(b.flush());
    // Node a's view is fresh but old: calls near the limit go exact and see node b's calls.
    for (int i = 0; i < 10_000; i++) {
      take(a, 10_000);
      if (i % 100 == 0) {
        done(a.flush());
      }
    }
    done(a.flush());
    assertEquals(10_000, shared.counters.get("rate-k-" + T0 / SECOND));
  }

  @Test
  void callsLeftInAWindowThatEndedAreCountedInIt() {
    now.set(T0 + 900);
    assertTrue(take(a, 10_000));
    for (int i = 0; i < 10; i++) {
      assertTrue(take(a, 10_000));
    }
    now.set(T0 + SECOND + 10);
    assertTrue(take(a, 10_000), "a new window: exact path, with the unsent calls of the previous one");
    assertEquals(11, shared.counters.get("rate-k-" + T0 / SECOND));
    assertEquals(1, shared.counters.get("rate-k-" + (T0 / SECOND + 1)));
  }

  @Test
  void aFreshViewOverTheRateRefusesWithoutAClusterCall() {
    for (int i = 0; i < 150; i++) {
      take(a, 150);
    }
    int before = shared.calls;
    assertFalse(take(a, 150));
    assertEquals(before, shared.calls);
  }

  private boolean take(RateBatches node, double rate) {
    return done(node.take("rate-k", rate, SECOND, now.get()));
  }

  private static <T> T done(Future<T> future) {
    assertTrue(future.isComplete(), "completed at once");
    if (future.failed()) {
      throw new AssertionError(future.cause());
    }
    return future.result();
  }
}
