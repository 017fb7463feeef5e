package dev.coproxy.log;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A log line that is written at most once per interval: a failure that repeats with every request
 * (a dead upstream, a broken plugin, a full descriptor table) must not flood the log. One instance
 * per kind of failure; safe to share between threads. Lines dropped in an interval are counted and
 * the next line that is written says how many there were.
 */
public final class RateLimitedLog {

  private final Logger logger;
  private final long intervalMillis;
  private final LongSupplier clockMillis;
  private final AtomicLong last = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong dropped = new AtomicLong();

  /** At most one line per {@code intervalMillis} on {@code logger}. */
  public RateLimitedLog(Logger logger, long intervalMillis) {
    this(logger, intervalMillis, System::currentTimeMillis);
  }

  RateLimitedLog(Logger logger, long intervalMillis, LongSupplier clockMillis) {
    this.logger = logger;
    this.intervalMillis = intervalMillis;
    this.clockMillis = clockMillis;
  }

  /** One line a second at most on {@code logger}. */
  public static RateLimitedLog perSecond(Logger logger) {
    return new RateLimitedLog(logger, 1000);
  }

  /**
   * Writes the line unless one was written less than an interval ago; the message is only built
   * when it is written.
   *
   * @return true when the line was written
   */
  public boolean log(Level level, Supplier<String> message) {
    return log(level, message, null);
  }

  /** As {@link #log(Level, Supplier)}, with the failure's stack trace. */
  public boolean log(Level level, Supplier<String> message, Throwable thrown) {
    long now = clockMillis.getAsLong();
    long previous = last.get();
    if (previous != Long.MIN_VALUE && now - previous < intervalMillis || !last.compareAndSet(previous, now)) {
      dropped.incrementAndGet();
      return false;
    }
    long skipped = dropped.getAndSet(0);
    String text = skipped == 0 ? message.get() : message.get() + " (" + skipped + " similar lines dropped)";
    if (thrown == null) {
      logger.log(level, text);
    } else {
      logger.log(level, text, thrown);
    }
    return true;
  }
}
