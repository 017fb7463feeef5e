package dev.coproxy.coprocess.python;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coproxy.coprocess.HookFailure;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When the worker running a call written behind another is killed as hung. */
class PendingTest {

  private static final long NOW = 1_000_000;
  private static final long GRACE = 1000;

  private static Pending call(long deadlineMillis) {
    return new Pending(Frame.call(Frame.DISPATCH, 1, deadlineMillis, List.of(), new byte[0]), deadlineMillis);
  }

  @Test
  void aCallReachedBeforeItsDeadlineMayRunUntilIt() {
    Pending call = call(NOW + 300);
    call.startsRunning(NOW, GRACE);
    assertEquals(NOW + 300, call.killAtMillis);
  }

  // The sweep fails such a call within a few milliseconds, but its worker can reach it first (the
  // call ahead answered in between): a kill timer already behind it killed a healthy worker.
  @Test
  void aCallReachedAfterItsDeadlineGetsTheGraceNotAKill() {
    Pending call = call(NOW - 5);
    call.startsRunning(NOW, GRACE);
    assertEquals(NOW + GRACE, call.killAtMillis);
  }

  @Test
  void aCallWhoseCallerWasAnsweredGetsTheGrace() {
    Pending call = call(NOW + 300);
    call.fail(new HookFailure(HookFailure.Reason.TIMEOUT, "gone"));
    call.startsRunning(NOW, GRACE);
    assertEquals(NOW + GRACE, call.killAtMillis);
  }
}
