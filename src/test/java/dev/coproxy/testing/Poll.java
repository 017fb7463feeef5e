package dev.coproxy.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition by polling it until a deadline, instead of sleeping a fixed time. */
public final class Poll {

  private Poll() {
  }

  /**
   * Returns as soon as {@code condition} holds; fails the test with {@code what} when it still does
   * not hold after {@code timeout}.
   */
  public static void until(Duration timeout, BooleanSupplier condition, Supplier<String> what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("not after " + timeout.toMillis() + " ms: " + what.get());
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted while waiting for: " + what.get());
      }
    }
  }
}
