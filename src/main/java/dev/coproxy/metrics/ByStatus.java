package dev.coproxy.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntFunction;

/**
 * Values per HTTP status code, made on first use: an array for the codes 0 to 599, a map for any
 * other code a peer may send. Reading a made value costs an array read.
 */
final class ByStatus<T> {

  private static final int CACHED = 600;

  private final IntFunction<T> maker;
  private final AtomicReferenceArray<T> cached = new AtomicReferenceArray<>(CACHED);
  private final Map<Integer, T> others = new ConcurrentHashMap<>();

  ByStatus(IntFunction<T> maker) {
    this.maker = maker;
  }

  T get(int status) {
    if (status < 0 || status >= CACHED) {
      return others.computeIfAbsent(status, maker::apply);
    }
    T value = cached.get(status);
    if (value != null) {
      return value;
    }
    synchronized (this) {
      value = cached.get(status);
      if (value == null) {
        value = maker.apply(status);
        cached.set(status, value);
      }
      return value;
    }
  }
}
