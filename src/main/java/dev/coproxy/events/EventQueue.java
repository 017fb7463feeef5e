package dev.coproxy.events;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bound between firing an event and the fan-out taking it: at most {@code capacity} events
 * wait; past that an event is dropped and counted ({@code coproxy_events_dropped_total}), so firing
 * never waits and a backlog never grows without limit.
 */
public final class EventQueue {

  /** Default number of events that may wait for the fan-out. */
  public static final int DEFAULT_CAPACITY = 10_000;

  private final int capacity;
  private final AtomicInteger waiting = new AtomicInteger();
  private final Counter dropped;

  public EventQueue(int capacity, MeterRegistry registry) {
    this.capacity = capacity;
    this.dropped = Counter.builder("coproxy.events.dropped")
        .description("Events dropped because the fan-out queue or a handler's own queue was full")
        .register(registry);
  }

  /** Takes a place in the queue; false (and the event counted as dropped) when it is full. */
  boolean offer() {
    if (waiting.incrementAndGet() > capacity) {
      waiting.decrementAndGet();
      dropped.increment();
      return false;
    }
    return true;
  }

  /** The fan-out took an event. */
  void taken() {
    waiting.decrementAndGet();
  }

  /** Counts an event dropped further on (a handler's own queue was full). */
  void dropped() {
    dropped.increment();
  }
}
