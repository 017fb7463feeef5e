package dev.coproxy.session;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Where state that may be shared between gateway nodes lives: sessions, quota and rate-limit
 * counters, later the ID-extractor cache and plugin data. The default implementation is in memory;
 * a cluster-wide one sits behind the same contract, so callers never assume one JVM: every call is
 * asynchronous and counters are updated atomically by the store itself.
 */
public interface KeyValueStore {

  /** The value under {@code key}, or null when absent or expired. */
  Future<String> get(String key);

  /**
   * Stores a value.
   *
   * @param ttlMillis time to live; 0 keeps it until removed
   */
  Future<Void> put(String key, String value, long ttlMillis);

  /** Removes a value; true when something was removed. */
  Future<Boolean> remove(String key);

  /** The keys (values only, not counters) that start with {@code prefix}. */
  Future<List<String>> keys(String prefix);

  /**
   * Adds one to a counter and returns it. A counter that does not exist (or expired) starts at 1 and
   * expires {@code windowMillis} later (0 = never); later increments keep that expiry.
   */
  Future<Counter> increment(String key, long windowMillis);

  /** The counter's current state; value 0 when absent or expired. */
  Future<Counter> counter(String key);

  /** Removes a counter, so that the next increment starts a new window. */
  Future<Void> resetCounter(String key);

  /**
   * Counts one call against a quota of {@code max} calls per period in the counter {@code key}:
   * true when the call is within the quota. The period starts with the first call and lasts
   * {@code periodMillis} (0 = never renews). By default the counter is incremented and compared
   * (a refused call is counted too, as in Tyk); a cluster-wide store may serve calls from a block
   * of units it claimed from the shared counter beforehand, never allowing more than {@code max}.
   */
  default Future<Boolean> takeQuota(String key, long max, long periodMillis) {
    return increment(key, periodMillis).map(used -> used.value() <= max);
  }

  /**
   * Counts one call against a sliding-window rate limit of {@code rate} calls per
   * {@code windowMillis}: the counters are {@code name + "-" + windowIndex}; the estimate is the
   * current window's count plus the previous window's count weighted by how much of it still
   * overlaps. True when the estimate is under the rate, and then the call is counted; a refused
   * call is not counted. By default the two counters are read (together) and then incremented, so
   * concurrent calls may all take the last free slot; a cluster-wide store may count from a local
   * view while far from the limit.
   */
  default Future<Boolean> takeRate(String name, double rate, long windowMillis, long nowMillis) {
    long window = nowMillis / windowMillis;
    double overlap = 1.0 - (nowMillis - window * windowMillis) / (double) windowMillis;
    String current = name + "-" + window;
    Future<Counter> currentCount = counter(current);
    Future<Counter> previousCount = counter(name + "-" + (window - 1));
    return Future.all(currentCount, previousCount).compose(both -> {
      // Allowed while the estimate is under the rate: a saturating client gets exactly its rate.
      if (previousCount.result().value() * overlap + currentCount.result().value() >= rate) {
        return Future.succeededFuture(false);
      }
      return increment(current, 2 * windowMillis).map(true);
    });
  }

  /**
   * Hands back what this node holds of shared state (a cluster store's unused quota units and
   * uncounted rate calls) and stops its timers; the gateway calls it on shutdown.
   */
  default Future<Void> close() {
    return Future.succeededFuture();
  }

  /**
   * The health of what backs the store, as a {@code /hello} detail ({@code status} pass or warn), or
   * null when there is nothing to report (the in-memory store).
   */
  default JsonObject health() {
    return null;
  }

  /**
   * A counter reading.
   *
   * @param value the count
   * @param expiresAtMillis when the window ends (epoch ms), 0 when it never does or is absent
   */
  record Counter(long value, long expiresAtMillis) {
  }
}
