package dev.coproxy.testing;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition by asking again until a deadline, instead of sleeping a guessed time. */
public final class Poll {

  private static final long PAUSE_MILLIS = 10;

  private Poll() {
  }

  /**
   * Returns as soon as {@code condition} holds.
   *
   * @throws AssertionError with {@code what} when it still does not hold after {@code timeout}
   */
  public static void until(Duration timeout, BooleanSupplier condition, Supplier<String> what) {
    try {
      until(timeout, what, condition::getAsBoolean);
    } catch (AssertionError e) {
      throw e;
    } catch (Exception e) {
      throw new AssertionError("while waiting for: " + what.get(), e);
    }
  }

  /**
   * Asks {@code condition} every few milliseconds until it answers true.
   *
   * @throws AssertionError naming {@code what} when the deadline passes first
   */
  public static void until(Duration timeout, String what, Callable<Boolean> condition) throws Exception {
    until(timeout, () -> what, condition);
  }

  private static void until(Duration timeout, Supplier<String> what, Callable<Boolean> condition) throws Exception {
    long end = System.nanoTime() + timeout.toNanos();
    while (!condition.call()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not within " + timeout.toMillis() + " ms: " + what.get());
      }
      Thread.sleep(PAUSE_MILLIS); // the pause between two questions, not a wait for the event itself
    }
  }
}
