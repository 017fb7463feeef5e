package dev.coproxy.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.coproxy.config.GatewayConfig;
import dev.coproxy.session.KeyValueStore.Counter;
import dev.coproxy.testing.Poll;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The cluster-wide store on one real Hazelcast member (loopback, a cluster of its own): the same
 * contract as the local store, including calls from a worker thread that blocks on the answer.
 */
class ClusterStoreIT {

  private static HazelcastInstance hazelcast;
  private static Vertx vertx;
  private static ClusterStore store;

  @BeforeAll
  static void start() {
    JsonObject cluster = new JsonObject().put("name", "store-it-" + UUID.randomUUID()).put("port", ClusterNodes.freePort());
    hazelcast = Hazelcast.newHazelcastInstance(HazelcastSetup.build(GatewayConfig.from(new JsonObject().put("cluster", cluster), false).cluster()));
    vertx = Vertx.vertx();
    store = new ClusterStore(vertx, hazelcast);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    hazelcast.shutdown();
  }

  private static <T> T done(Future<T> future) {
    try {
      return future.await(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("the store did not answer within 10 s", e);
    }
  }

  @Test
  void valuesWithAndWithoutTtl() throws Exception {
    done(store.put("v:forever", "a", 0));
    long before = System.currentTimeMillis();
    done(store.put("v:short", "b", 1500));
    assertEquals("a", done(store.get("v:forever")));
    assertEquals("b", done(store.get("v:short")));
    Poll.until(Duration.ofSeconds(10), "v:short expires", () -> done(store.get("v:short")) == null);
    // Hazelcast keeps TTLs in whole seconds; the store keeps the exact expiry, never earlier.
    assertTrue(System.currentTimeMillis() - before >= 1500, "expired after " + (System.currentTimeMillis() - before) + " ms");
    done(store.put("v:sub-second", "c", 400));
    assertEquals("c", done(store.get("v:sub-second")), "a sub-second TTL is not rounded away");
    done(store.put("v:replaced", "old", 200));
    done(store.put("v:replaced", "new", 0));
    // A marker put after it with the same TTL: once the marker is gone, the old TTL has run out too.
    done(store.put("v:marker", "m", 200));
    Poll.until(Duration.ofSeconds(10), "v:marker expires", () -> done(store.get("v:marker")) == null);
    assertEquals("new", done(store.get("v:replaced")), "a put replaces the TTL too");
    assertTrue(done(store.remove("v:forever")));
    assertFalse(done(store.remove("v:forever")));
    assertNull(done(store.get("v:forever")));
  }

  @Test
  void keysByPrefix() {
    done(store.put("p:one", "1", 0));
    done(store.put("p:two", "2", 0));
    done(store.put("q:three", "3", 0));
    List<String> keys = new ArrayList<>(done(store.keys("p:")));
    keys.sort(null);
    assertEquals(List.of("p:one", "p:two"), keys);
    // Sessions live in their own near-cached map; the contract is the same.
    done(store.put("apikey-s1", "{}", 0));
    assertEquals("{}", done(store.get("apikey-s1")));
    assertEquals(List.of("apikey-s1"), done(store.keys("apikey-")));
    assertTrue(done(store.remove("apikey-s1")));
    assertNull(done(store.get("apikey-s1")), "a local change invalidates the local near cache at once");
  }

  @Test
  void countersCountAtomicallyInTheirWindow() throws Exception {
    List<Future<Counter>> all = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      all.add(store.increment("c:many", 60_000));
    }
    Future.all(all).await(30, TimeUnit.SECONDS);
    Counter last = done(store.counter("c:many"));
    assertEquals(200, last.value());
    long now = System.currentTimeMillis();
    assertTrue(last.expiresAtMillis() > now && last.expiresAtMillis() <= now + 60_000, last.toString());
    assertEquals(200, all.stream().map(f -> f.result().value()).distinct().count(), "every increment saw its own value");

    assertEquals(1, done(store.increment("c:window", 2000)).value());
    assertEquals(2, done(store.increment("c:window", 2000)).value());
    Poll.until(Duration.ofSeconds(10), "the window ends", () -> done(store.counter("c:window")).value() == 0);
    assertEquals(1, done(store.increment("c:window", 2000)).value(), "a new window starts at 1");

    assertEquals(new Counter(1, 0), done(store.increment("c:forever", 0)));
    done(store.resetCounter("c:forever"));
    assertEquals(new Counter(0, 0), done(store.counter("c:forever")));
  }

  @Test
  void quotaUnitsComeFromLeasedBlocksAndGoBackOnClose() throws Exception {
    // Two "nodes" on the one member: each its own store, so its own blocks.
    ClusterStore nodeA = new ClusterStore(vertx, hazelcast);
    ClusterStore nodeB = new ClusterStore(vertx, hazelcast);
    com.hazelcast.map.IMap<String, long[]> counters = hazelcast.getMap(ClusterStore.COUNTERS);
    for (int i = 0; i < 250; i++) {
      assertTrue(done(nodeA.takeQuota("quota-lease", 1_000_000, 3_600_000)));
    }
    assertTrue(done(nodeB.takeQuota("quota-lease", 1_000_000, 3_600_000)));
    assertEquals(400, counters.get("quota-lease")[0], "three blocks of 100 for node A, one for node B");
    assertEquals(350, done(nodeA.counter("quota-lease")).value(), "node A does not count its own 50 unused units (node B's 99 count)");
    done(nodeA.close());
    assertEquals(350, counters.get("quota-lease")[0], "node A handed back its unused units");
    // A reset on one node drops the other's block: node B claims from the new counter.
    done(store.resetCounter("quota-lease"));
    Poll.until(Duration.ofSeconds(10), "node B dropped its block", () -> done(nodeB.counter("quota-lease")).value() == 0);
    assertTrue(done(nodeB.takeQuota("quota-lease", 1_000_000, 3_600_000)));
    assertEquals(100, counters.get("quota-lease")[0]);
    done(nodeB.close());
    assertEquals(1, counters.get("quota-lease")[0]);
  }

  @Test
  void rateCallsFarFromTheLimitAreSentInBatches() throws Exception {
    ClusterStore node = new ClusterStore(vertx, hazelcast);
    com.hazelcast.map.IMap<String, long[]> counters = hazelcast.getMap(ClusterStore.COUNTERS);
    long window = 3_600_000;
    long now = System.currentTimeMillis();
    String key = "rate-batched-" + now / window;
    for (int i = 0; i < 500; i++) {
      assertTrue(done(node.takeRate("rate-batched", 1_000_000, window, now)));
    }
    Poll.until(Duration.ofSeconds(10), "the batches reach the counter", () -> counters.get(key) != null && counters.get(key)[0] == 500);
    // Each update of the entry raises its version: far fewer updates than calls.
    long updates = counters.getEntryView(key).getVersion();
    assertTrue(updates < 100, "far fewer increments than calls: " + updates);
    // Near a small rate the exact path counts every call: exactly the rate is allowed.
    int allowed = 0;
    for (int i = 0; i < 30; i++) {
      allowed += done(node.takeRate("rate-small", 20, window, now)) ? 1 : 0;
    }
    assertEquals(20, allowed);
    done(node.close());
  }

  @Test
  void aWorkerThreadMayBlockOnTheStore() throws Exception {
    // Plugins (Lua) wait for store answers on their worker thread: the answer must not be queued behind it.
    String value = vertx.executeBlocking(() -> {
      store.put("w:key", "from-worker", 0).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      return store.get("w:key").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }).await(20, TimeUnit.SECONDS);
    assertEquals("from-worker", value);
  }

  @Test
  void healthPassesWithOneMember() {
    JsonObject health = store.health();
    assertEquals("pass", health.getString("status"), health.encode());
    assertEquals(1, health.getInteger("observedValue"));
  }
}
