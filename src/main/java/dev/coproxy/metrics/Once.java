package dev.coproxy.metrics;

import java.util.function.Supplier;

/**
 * A value made on first use and kept. Meters are registered the first time Vert.x would have
 * registered them, so a series appears on {@code /metrics} exactly when it did before; making it is
 * serialized so that two event loops never register one gauge with two different adders.
 */
final class Once<T> implements Supplier<T> {

  private final Supplier<T> maker;
  private volatile T value;

  Once(Supplier<T> maker) {
    this.maker = maker;
  }

  @Override
  public T get() {
    T made = value;
    if (made != null) {
      return made;
    }
    synchronized (this) {
      if (value == null) {
        value = maker.get();
      }
      return value;
    }
  }
}
