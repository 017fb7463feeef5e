package dev.coproxy.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import io.vertx.core.Promise;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Quota leases of two "nodes" against one shared counter that runs the real entry processors
 * ({@link QuotaLease}, {@link QuotaReturn}) on a plain map, with a fake clock: block sizes, exact
 * totals, one claim for concurrent calls, hand-back on idle and on stop, lapse on reset.
 */
class QuotaLeasesTest {

  private static final String KEY = "quota-k";

  // The processors stamp periods with the real clock: the fake one starts from it.
  private final AtomicLong now = new AtomicLong(System.currentTimeMillis());
  private final AtomicLong epochs = new AtomicLong(1);
  private final Shared shared = new Shared();
  private int members = 2;
  private final QuotaLeases a = new QuotaLeases(shared, now::get, epochs::incrementAndGet);
  private final QuotaLeases b = new QuotaLeases(shared, now::get, epochs::incrementAndGet);

  /** The shared counter map; claims can be held back to test concurrent callers. */
  private final class Shared implements QuotaLeases.Backend {
    final Map<String, long[]> counters = new HashMap<>();
    int claims;
    boolean holdClaims;
    final List<Runnable> held = new ArrayList<>();

    @Override
    public Future<long[]> claim(String key, long max, long periodMillis, long proposedEpoch) {
      claims++;
      Promise<long[]> answer = Promise.promise();
      Runnable run = () -> answer.complete(apply(key, new QuotaLease(max, periodMillis, members, proposedEpoch)));
      if (holdClaims) {
        held.add(run);
      } else {
        run.run();
      }
      return answer.future();
    }

    @Override
    public Future<Void> giveBack(String key, long units, long epoch) {
      apply(key, new QuotaReturn(units, epoch));
      return Future.succeededFuture();
    }

    <R> R apply(String key, com.hazelcast.map.EntryProcessor<String, long[], R> processor) {
      Map.Entry<String, long[]> entry = new AbstractMap.SimpleEntry<>(key, counters.get(key));
      R out = processor.process(entry);
      counters.put(key, entry.getValue());
      return out;
    }

    long used() {
      long[] value = counters.get(KEY);
      return value == null ? 0 : value[0];
    }
  }

  @Test
  void blocksAreLargeFarFromTheEndAndSingleUnitsNearIt() {
    assertEquals(100, QuotaLease.blockSize(1_000_000, 2));
    assertEquals(62, QuotaLease.blockSize(1_000, 2));
    assertEquals(1, QuotaLease.blockSize(12, 4));
    assertEquals(1, QuotaLease.blockSize(1, 3));
    assertEquals(0, QuotaLease.blockSize(0, 3));
    assertEquals(0, QuotaLease.blockSize(-5, 3));
  }

  @Test
  void twoNodesTogetherAllowExactlyMax() {
    int allowed = 0;
    int refusedInARow = 0;
    for (int i = 0; refusedInARow < 4; i++) {
      boolean ok = done((i % 3 == 0 ? b : a).take(KEY, 1_000, 0));
      allowed += ok ? 1 : 0;
      refusedInARow = ok ? 0 : refusedInARow + 1;
    }
    assertEquals(1_000, allowed);
    assertEquals(1_000, shared.used());
    assertTrue(shared.claims < 200, "far fewer claims than calls: " + shared.claims);
  }

  @Test
  void concurrentCallsWaitForOneClaim() {
    shared.holdClaims = true;
    List<Future<Boolean>> calls = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      calls.add(a.take(KEY, 1_000_000, 0));
    }
    assertEquals(1, shared.claims);
    shared.held.forEach(Runnable::run);
    calls.forEach(call -> assertTrue(done(call)));
    assertEquals(1, shared.claims);
    assertEquals(100, shared.used());
    assertEquals(95, a.unused(KEY));
  }

  @Test
  void unusedUnitsGoBackWhenTheNodeIdlesAndOnStop() {
    assertTrue(done(a.take(KEY, 1_000_000, 0)));
    assertTrue(done(b.take(KEY, 1_000_000, 0)));
    assertEquals(200, shared.used(), "each node holds a block of 100");
    now.addAndGet(ClusterCounters.IDLE_RETURN_MILLIS - 1);
    assertTrue(done(b.take(KEY, 1_000_000, 0)));
    now.addAndGet(1);
    done(a.returnIdle(ClusterCounters.IDLE_RETURN_MILLIS));
    done(b.returnIdle(ClusterCounters.IDLE_RETURN_MILLIS));
    assertEquals(101, shared.used(), "node a idled and gave back 99; node b is still busy");
    assertEquals(0, a.unused(KEY));
    done(b.returnAll());
    assertEquals(3, shared.used(), "every served call stays counted");
  }

  @Test
  void aKilledNodeOverCountsByAtMostItsBlock() {
    for (int i = 0; i < 7; i++) {
      assertTrue(done(a.take(KEY, 1_000_000, 0)));
    }
    // Node a dies without handing back: its 93 unused units stay counted, nothing is under-counted.
    assertEquals(100, shared.used());
  }

  @Test
  void aResetLetsTheOldBlockLapseAndItsHandBackNotTouchTheNewPeriod() {
    assertTrue(done(a.take(KEY, 1_000_000, 0)));
    long oldEpoch = shared.counters.remove(KEY)[2];
    assertTrue(done(b.take(KEY, 1_000_000, 0)));
    // The reset is announced after node b already claimed from the new counter: b keeps its block.
    b.drop(KEY, oldEpoch);
    assertEquals(99, b.unused(KEY));
    assertEquals(100, shared.used());
    done(a.returnAll());
    assertEquals(100, shared.used(), "units of the old period do not return into the new one");
    assertTrue(done(a.take(KEY, 1_000_000, 0)));
    assertEquals(200, shared.used(), "node a claims from the new period");
    // Another reset, announced in time: node a drops the block of the period that ended.
    long newEpoch = shared.counters.remove(KEY)[2];
    a.drop(KEY, newEpoch);
    assertEquals(0, a.unused(KEY));
    assertTrue(done(a.take(KEY, 1_000_000, 0)));
    assertEquals(100, shared.used());
  }

  @Test
  void aChangedMaxOrAnEndedPeriodDropsTheBlock() {
    assertTrue(done(a.take(KEY, 1_000_000, 60_000)));
    assertEquals(99, a.unused(KEY));
    assertTrue(done(a.take(KEY, 500_000, 60_000)));
    assertEquals(2, shared.claims, "a new max claims again");
    now.addAndGet(3_600_000);
    assertEquals(0, a.unused(KEY), "the period the block belongs to is over");
  }

  @Test
  void aRefusedClaimRefusesAndCountsNothing() {
    members = 1;
    for (int i = 0; i < 3; i++) {
      assertTrue(done(a.take(KEY, 3, 0)));
    }
    assertFalse(done(a.take(KEY, 3, 0)));
    assertFalse(done(b.take(KEY, 3, 0)));
    assertEquals(3, shared.used());
  }

  @Test
  void callersOnTwoEventLoopsShareClaimsAnsweredOnAnotherThread() throws Exception {
    // As with Hazelcast: a claim's answer arrives on a thread of its own and is handed to the
    // claimant's event loop later, while callers on both loops keep coming.
    Vertx vertx = Vertx.vertx();
    ExecutorService hazelcastThread = Executors.newSingleThreadExecutor();
    try {
      AtomicLong used = new AtomicLong();
      QuotaLeases node = new QuotaLeases(new QuotaLeases.Backend() {
        @Override
        public Future<long[]> claim(String key, long max, long periodMillis, long proposedEpoch) {
          Promise<long[]> answer = ((ContextInternal) Vertx.currentContext()).promise();
          hazelcastThread.execute(() -> {
            long granted = QuotaLease.blockSize(max - used.get(), 2);
            answer.complete(new long[] {granted, used.addAndGet(granted), 0, 1});
          });
          return answer.future();
        }

        @Override
        public Future<Void> giveBack(String key, long units, long epoch) {
          return Future.succeededFuture();
        }
      }, System::currentTimeMillis, () -> 1);
      int calls = 2_000;
      CountDownLatch finished = new CountDownLatch(calls);
      AtomicLong allowed = new AtomicLong();
      List<String> wrongThread = new CopyOnWriteArrayList<>();
      for (Context loop : List.of(vertx.getOrCreateContext(), ((VertxInternal) vertx).createEventLoopContext())) {
        loop.runOnContext(v -> {
          for (int i = 0; i < calls / 2; i++) {
            Thread caller = Thread.currentThread();
            node.take(KEY, 1_500, 0).onComplete(done -> {
              if (Thread.currentThread() != caller) {
                wrongThread.add(Thread.currentThread().getName());
              }
              if (done.succeeded() && done.result()) {
                allowed.incrementAndGet();
              }
              finished.countDown();
            });
          }
        });
      }
      assertTrue(finished.await(30, TimeUnit.SECONDS), "every call answered");
      assertEquals(1_500, allowed.get());
      assertEquals(1_500, used.get());
      assertEquals(List.of(), wrongThread, "each caller goes on on its own event loop");
    } finally {
      hazelcastThread.shutdownNow();
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static <T> T done(Future<T> future) {
    assertTrue(future.isComplete(), "completed at once");
    if (future.failed()) {
      throw new AssertionError(future.cause());
    }
    return future.result();
  }
}
