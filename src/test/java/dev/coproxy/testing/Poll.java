package dev.coproxy.testing;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Waits for a condition by asking again until a deadline, instead of sleeping a guessed time. */
public final class Poll {

  private Poll() {
  }

  /**
   * Asks {@code condition} every few milliseconds until it answers true.
   *
   * @throws AssertionError naming {@code what} when the deadline passes first
   */
  public static void until(Duration deadline, String what, Callable<Boolean> condition) throws Exception {
    long end = System.nanoTime() + deadline.toNanos();
    while (!condition.call()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not within " + deadline.toMillis() + " ms: " + what);
      }
      Thread.sleep(20); // the pause between two questions, not a wait for the event itself
    }
  }
}
