package dev.coproxy.session;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The in-memory {@link KeyValueStore} of a single node. Thread-safe: every event loop of the gateway
 * shares one instance. Expired entries are invisible at once and swept by {@link #sweep()}.
 */
public final class LocalStore implements KeyValueStore {

  private record Entry(String value, long expiresAt) {
  }

  private final Map<String, Entry> values = new ConcurrentHashMap<>();
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final LongSupplier clock;

  /** @param clock epoch milliseconds; tests pass their own */
  public LocalStore(LongSupplier clock) {
    this.clock = clock;
  }

  public LocalStore() {
    this(System::currentTimeMillis);
  }

  @Override
  public Future<String> get(String key) {
    Entry entry = values.get(key);
    if (entry == null || expired(entry.expiresAt)) {
      return Future.succeededFuture();
    }
    return Future.succeededFuture(entry.value);
  }

  @Override
  public Future<Void> put(String key, String value, long ttlMillis) {
    values.put(key, new Entry(value, ttlMillis > 0 ? clock.getAsLong() + ttlMillis : 0));
    return Future.succeededFuture();
  }

  @Override
  public Future<Boolean> remove(String key) {
    Entry removed = values.remove(key);
    return Future.succeededFuture(removed != null && !expired(removed.expiresAt));
  }

  @Override
  public Future<List<String>> keys(String prefix) {
    List<String> out = new ArrayList<>();
    values.forEach((key, entry) -> {
      if (key.startsWith(prefix) && !expired(entry.expiresAt)) {
        out.add(key);
      }
    });
    return Future.succeededFuture(out);
  }

  @Override
  public Future<Counter> increment(String key, long windowMillis) {
    Counter next = counters.compute(key, (k, old) -> {
      if (old == null || expired(old.expiresAtMillis())) {
        return new Counter(1, windowMillis > 0 ? clock.getAsLong() + windowMillis : 0);
      }
      return new Counter(old.value() + 1, old.expiresAtMillis());
    });
    return Future.succeededFuture(next);
  }

  @Override
  public Future<Counter> counter(String key) {
    Counter counter = counters.get(key);
    if (counter == null || expired(counter.expiresAtMillis())) {
      return Future.succeededFuture(new Counter(0, 0));
    }
    return Future.succeededFuture(counter);
  }

  @Override
  public Future<Void> resetCounter(String key) {
    counters.remove(key);
    return Future.succeededFuture();
  }

  /** Drops expired entries; the gateway calls it periodically. */
  public void sweep() {
    values.entrySet().removeIf(e -> expired(e.getValue().expiresAt));
    counters.entrySet().removeIf(e -> expired(e.getValue().expiresAtMillis()));
  }

  private boolean expired(long expiresAt) {
    return expiresAt != 0 && expiresAt <= clock.getAsLong();
  }
}
