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
