package dev.coproxy.cluster;

import com.hazelcast.map.IMap;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntSupplier;

/**
 * The quota and rate-limit counting of a clustered node, kept off the request path: quota units
 * come from the node's leased blocks ({@link QuotaLeases}), rate calls are counted in local views
 * sent in batches ({@link RateBatches}). Two periodic timers on a Vert.x event loop send the
 * batches (every {@link RateBatches#FLUSH_MILLIS}) and hand back the blocks of keys idle for
 * {@link #IDLE_RETURN_MILLIS}. Answers come back on the caller's event loop (or one of the
 * counters' own), so a claim or read may go on to the next Hazelcast call. A quota counter reset on any node is published on
 * {@link #RESET_ADDRESS} with the period it ended, so every node drops its block of that period.
 */
final class ClusterCounters {

  /** Cluster-wide: {@code {"key": counter name, "epoch": the period that ended}} of a counter that was reset. */
  static final String RESET_ADDRESS = "coproxy.counters.reset";
  /** A node hands back its unused quota units after this long without a call on the key. */
  static final long IDLE_RETURN_MILLIS = 1_500;
  private static final long RETURN_CHECK_MILLIS = 500;

  private final Vertx vertx;
  private final IMap<String, long[]> counters;
  private final QuotaLeases leases;
  private final RateBatches batches;
  private final MessageConsumer<JsonObject> resets;
  private final long flushTimer;
  private final long returnTimer;

  ClusterCounters(Vertx vertx, IMap<String, long[]> counters, IntSupplier members) {
    this.vertx = vertx;
    // Built at start-up off the event loops, this is a context of its own on an event loop.
    Context loop = vertx.getOrCreateContext();
    this.counters = counters;
    this.leases = new QuotaLeases(new QuotaLeases.Backend() {
      @Override
      public Future<long[]> claim(String key, long max, long periodMillis, long proposedEpoch) {
        return Completions.onLoop(counters.submitToKey(key, new QuotaLease(max, periodMillis, members.getAsInt(), proposedEpoch)), loop);
      }

      @Override
      public Future<Void> giveBack(String key, long units, long epoch) {
        return Completions.onLoop(counters.submitToKey(key, new QuotaReturn(units, epoch)), loop).mapEmpty();
      }
    }, System::currentTimeMillis, () -> ThreadLocalRandom.current().nextLong());
    this.batches = new RateBatches(new RateBatches.Backend() {
      @Override
      public Future<Long> add(String key, long delta, long ttlMillis) {
        return Completions.onLoop(counters.submitToKey(key, new CounterIncrement(delta, ttlMillis)), loop).map(value -> value[0]);
      }

      @Override
      public Future<Long> read(String key) {
        return Completions.onLoop(counters.getAsync(key), loop).map(value ->
            value == null || (value[1] != 0 && value[1] <= System.currentTimeMillis()) ? 0L : value[0]);
      }
    }, System::currentTimeMillis, members);
    this.resets = vertx.eventBus().consumer(RESET_ADDRESS,
        message -> leases.drop(message.body().getString("key", ""), message.body().getLong("epoch", 0L)));
    this.flushTimer = vertx.setPeriodic(RateBatches.FLUSH_MILLIS, id -> batches.flush());
    this.returnTimer = vertx.setPeriodic(RETURN_CHECK_MILLIS, id -> leases.returnIdle(IDLE_RETURN_MILLIS));
  }

  Future<Boolean> takeQuota(String key, long max, long periodMillis) {
    return leases.take(key, max, periodMillis);
  }

  Future<Boolean> takeRate(String name, double rate, long windowMillis, long nowMillis) {
    return batches.take(name, rate, windowMillis, nowMillis);
  }

  /** This node's unused quota units of a counter. */
  long unused(String key) {
    return leases.unused(key);
  }

  /**
   * Removes a counter; every node drops its block of the period that ended (a quota counter holds
   * its period's epoch). Nothing is announced for a counter that did not exist (a new key).
   */
  Future<Void> reset(String key) {
    return Completions.back(counters.removeAsync(key)).map(old -> {
      if (old != null && old.length >= 3) {
        leases.drop(key, old[2]);
        vertx.eventBus().publish(RESET_ADDRESS, new JsonObject().put("key", key).put("epoch", old[2]));
      }
      return null;
    });
  }

  /** Stops the timers, sends the unsent rate calls and hands back every unused quota unit. */
  Future<Void> close() {
    vertx.cancelTimer(flushTimer);
    vertx.cancelTimer(returnTimer);
    return Future.join(batches.flush(), leases.returnAll(), resets.unregister()).mapEmpty();
  }
}
