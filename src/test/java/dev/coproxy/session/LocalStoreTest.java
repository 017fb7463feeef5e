package dev.coproxy.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.session.KeyValueStore.Counter;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The in-memory store with a fake clock: time to live, counters and their windows, sweeping. */
class LocalStoreTest {

  private final AtomicLong now = new AtomicLong(1_000_000);
  private final LocalStore store = new LocalStore(now::get);

  @Test
  void valueLivesUntilItsTtlAndNotAMillisecondLonger() {
    store.put("k", "v", 500);
    assertEquals("v", get("k"));
    now.addAndGet(499);
    assertEquals("v", get("k"));
    now.addAndGet(1);
    assertNull(get("k"));
  }

  @Test
  void zeroTtlKeepsValueForever() {
    store.put("k", "v", 0);
    now.addAndGet(365L * 24 * 3600 * 1000);
    assertEquals("v", get("k"));
  }

  @Test
  void putReplacesValueAndItsTtl() {
    store.put("k", "old", 100);
    store.put("k", "new", 0);
    now.addAndGet(1000);
    assertEquals("new", get("k"));
  }

  @Test
  void removeTellsWhetherALiveValueWasRemoved() {
    store.put("live", "v", 0);
    store.put("dying", "v", 10);
    now.addAndGet(10);
    assertTrue(done(store.remove("live")));
    assertFalse(done(store.remove("live")));
    assertFalse(done(store.remove("dying")), "an expired value counts as absent");
    assertFalse(done(store.remove("never")));
    assertNull(get("live"));
  }

  @Test
  void keysListsLiveValuesWithThePrefixOnly() {
    store.put("apikey-a", "1", 0);
    store.put("apikey-b", "2", 50);
    store.put("other-c", "3", 0);
    store.increment("apikey-counter", 0);
    assertEquals(List.of("apikey-a", "apikey-b"), sorted(done(store.keys("apikey-"))));
    now.addAndGet(50);
    assertEquals(List.of("apikey-a"), done(store.keys("apikey-")));
  }

  @Test
  void counterStartsAtOneAndKeepsTheExpiryOfItsFirstIncrement() {
    Counter first = done(store.increment("c", 1000));
    assertEquals(new Counter(1, 1_001_000), first);
    now.addAndGet(600);
    assertEquals(new Counter(2, 1_001_000), done(store.increment("c", 1000)));
    assertEquals(new Counter(2, 1_001_000), done(store.counter("c")));
  }

  @Test
  void expiredCounterStartsANewWindow() {
    store.increment("c", 1000);
    store.increment("c", 1000);
    now.addAndGet(1000);
    assertEquals(new Counter(0, 0), done(store.counter("c")));
    assertEquals(new Counter(1, 1_002_000), done(store.increment("c", 1000)));
  }

  @Test
  void counterWithoutWindowNeverExpires() {
    store.increment("c", 0);
    now.addAndGet(Long.MAX_VALUE / 4);
    assertEquals(new Counter(2, 0), done(store.increment("c", 0)));
  }

  @Test
  void absentCounterReadsZeroAndResetStartsOver() {
    assertEquals(new Counter(0, 0), done(store.counter("none")));
    store.increment("c", 0);
    store.increment("c", 0);
    store.resetCounter("c");
    assertEquals(new Counter(0, 0), done(store.counter("c")));
    assertEquals(1, done(store.increment("c", 0)).value());
  }

  @Test
  void countersAndValuesLiveInSeparateSpaces() {
    store.put("x", "value", 0);
    store.increment("x", 0);
    assertEquals("value", get("x"));
    assertTrue(done(store.remove("x")));
    assertEquals(1, done(store.counter("x")).value());
  }

  @Test
  void sweepDropsExpiredEntriesAndKeepsLiveOnes() {
    store.put("gone", "v", 100);
    store.put("kept", "v", 0);
    store.increment("gone-counter", 100);
    store.increment("kept-counter", 0);
    now.addAndGet(100);
    store.sweep();
    // Turning the clock back would revive entries that are merely hidden: swept ones stay gone.
    now.addAndGet(-100);
    assertNull(get("gone"));
    assertEquals(new Counter(0, 0), done(store.counter("gone-counter")));
    assertEquals("v", get("kept"));
    assertEquals(1, done(store.counter("kept-counter")).value());
  }

  @Test
  void concurrentIncrementsAreNotLost() throws Exception {
    int threads = 4;
    int each = 20_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<java.util.concurrent.Future<?>> jobs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        jobs.add(pool.submit(() -> {
          for (int i = 0; i < each; i++) {
            store.increment("shared", 60_000);
          }
        }));
      }
      for (java.util.concurrent.Future<?> job : jobs) {
        job.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals((long) threads * each, done(store.counter("shared")).value());
  }

  private String get(String key) {
    return done(store.get(key));
  }

  private static <T> T done(Future<T> future) {
    assertTrue(future.isComplete(), "the local store answers at once");
    if (future.failed()) {
      throw new AssertionError(future.cause());
    }
    return future.result();
  }

  private static List<String> sorted(List<String> list) {
    return list.stream().sorted().toList();
  }
}
