package dev.coproxy.cluster;

import com.hazelcast.cluster.ClusterState;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.coproxy.session.KeyValueStore;
import dev.coproxy.session.SessionRepository;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cluster-wide {@link KeyValueStore}: values in one Hazelcast map with per-entry TTLs (exact to
 * the millisecond, see {@link StoredValue}; sessions in a map of their own that each member
 * near-caches, invalidated on every change), counters in
 * another, incremented by an entry processor on the owning member, so that an increment is atomic
 * across nodes and a quota is counted exactly once. Both maps keep one synchronous backup
 * ({@link HazelcastSetup#MAP_PATTERN}), so the loss of one node loses no data. The maps belong to
 * the Hazelcast member Vert.x's cluster manager runs. Quota and rate-limit checks do not wait for
 * the cluster on most calls: see {@link ClusterCounters}.
 *
 * <p>Results come back on the caller's event loop when called from one; from a worker thread (a
 * plugin blocking on {@code get_data}) they complete on Hazelcast's thread, never queued behind the
 * blocked worker.
 */
public final class ClusterStore implements KeyValueStore {

  static final String VALUES = "coproxy.store";
  /** Sessions ({@code apikey-*}): read on every authenticated call, so near-cached on each member. */
  static final String SESSIONS = "coproxy.sessions";
  static final String COUNTERS = "coproxy.counters";
  /** How long /hello warns after a member left. */
  static final long LOSS_WARNING_MILLIS = 30_000;

  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final IMap<String, String> values;
  private final IMap<String, String> sessions;
  private final IMap<String, long[]> counters;
  private final AtomicLong lastMemberLoss = new AtomicLong();
  private final ClusterCounters counting;

  public ClusterStore(Vertx vertx, HazelcastInstance hazelcast) {
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    this.values = hazelcast.getMap(VALUES);
    this.sessions = hazelcast.getMap(SESSIONS);
    this.counters = hazelcast.getMap(COUNTERS);
    this.counting = new ClusterCounters(vertx, counters, () -> hazelcast.getCluster().getMembers().size());
    hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        lastMemberLoss.set(System.currentTimeMillis());
      }
    });
  }

  @Override
  public Future<String> get(String key) {
    return Completions.back(map(key).getAsync(key)).map(stored -> StoredValue.decode(stored, System.currentTimeMillis()));
  }

  @Override
  public Future<Void> put(String key, String value, long ttlMillis) {
    if (ttlMillis <= 0) {
      // A TTL of 0 is "never expires" for Hazelcast too.
      return Completions.back(map(key).setAsync(key, StoredValue.encode(value, 0), 0, TimeUnit.MILLISECONDS));
    }
    String stored = StoredValue.encode(value, System.currentTimeMillis() + ttlMillis);
    return Completions.back(map(key).setAsync(key, stored, ttlMillis + StoredValue.TTL_SLACK_MILLIS, TimeUnit.MILLISECONDS));
  }

  @Override
  public Future<Boolean> remove(String key) {
    return Completions.back(map(key).removeAsync(key)).map(old -> StoredValue.decode(old, System.currentTimeMillis()) != null);
  }

  @Override
  public Future<List<String>> keys(String prefix) {
    // A distributed query blocks until every member answered: off the event loop.
    return vertx.executeBlocking(() -> {
      KeyPrefix live = new KeyPrefix(prefix, System.currentTimeMillis());
      List<String> out = new ArrayList<>(values.keySet(live));
      out.addAll(sessions.keySet(live));
      return out;
    }, false);
  }

  @Override
  public Future<Counter> increment(String key, long windowMillis) {
    return Completions.back(counters.submitToKey(key, new CounterIncrement(1, windowMillis))).map(value -> new Counter(value[0], value[1]));
  }

  /** A counter as this node sees it: a quota counter's units this node leased but did not use yet are not counted. */
  @Override
  public Future<Counter> counter(String key) {
    return Completions.back(counters.getAsync(key)).map(value -> {
      if (value == null || (value[1] != 0 && value[1] <= System.currentTimeMillis())) {
        return new Counter(0, 0);
      }
      return new Counter(Math.max(0, value[0] - counting.unused(key)), value[1]);
    });
  }

  @Override
  public Future<Void> resetCounter(String key) {
    return counting.reset(key);
  }

  /** From this node's leased block of quota units; see {@link QuotaLeases}. */
  @Override
  public Future<Boolean> takeQuota(String key, long max, long periodMillis) {
    return counting.takeQuota(key, max, periodMillis);
  }

  /** Batched while far from the rate, exact near it; see {@link RateBatches}. */
  @Override
  public Future<Boolean> takeRate(String name, double rate, long windowMillis, long nowMillis) {
    return counting.takeRate(name, rate, windowMillis, nowMillis);
  }

  @Override
  public Future<Void> close() {
    return counting.close();
  }

  @Override
  public JsonObject health() {
    boolean running = hazelcast.getLifecycleService().isRunning();
    int members = running ? hazelcast.getCluster().getMembers().size() : 0;
    ClusterState state = running ? hazelcast.getCluster().getClusterState() : null;
    long sinceLoss = System.currentTimeMillis() - lastMemberLoss.get();
    String problem = !running ? "the Hazelcast member is not running"
        : state != ClusterState.ACTIVE ? "cluster state is " + state
        : sinceLoss < LOSS_WARNING_MILLIS ? "a member left " + sinceLoss / 1000 + " s ago; its data is served from backups" : "";
    JsonObject out = new JsonObject().put("status", problem.isEmpty() ? "pass" : "warn").put("componentType", "cluster")
        .put("observedValue", members).put("observedUnit", "members").put("time", Instant.now().toString());
    if (!problem.isEmpty()) {
      out.put("output", problem);
    }
    return out;
  }

  private IMap<String, String> map(String key) {
    return key.startsWith(SessionRepository.KEY_PREFIX) ? sessions : values;
  }
}
