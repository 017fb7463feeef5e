package dev.coproxy.coprocess.python;

import dev.coproxy.coprocess.HookFailure;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A call waiting for, or running on, a worker. It settles once, on the context it was submitted
 * from (the caller's event loop), whichever thread learns the outcome: the worker's reader thread,
 * the pool's timer or the caller itself. {@link #killAtMillis} is guarded by the {@link WorkerPool}.
 */
final class Pending {

  final Frame frame;
  final long deadlineMillis;
  /** When the worker running this call is killed as hung; the deadline unless it was already answered. */
  long killAtMillis;
  private final Context context = Vertx.currentContext();
  private final Promise<Frame> promise = Promise.promise();
  private final AtomicBoolean settled = new AtomicBoolean();

  Pending(Frame frame, long deadlineMillis) {
    this.frame = frame;
    this.deadlineMillis = deadlineMillis;
    this.killAtMillis = deadlineMillis;
  }

  /**
   * The call written behind another becomes the one its worker runs. It may run until its
   * deadline; but if its caller was already answered, or its deadline passed while it waited (the
   * pool's sweep may not have failed it yet), the worker answers it without running the hook, and
   * the worker gets a grace period for that instead of a kill at a deadline already behind it.
   */
  void startsRunning(long nowMillis, long graceMillis) {
    killAtMillis = settled() || deadlineMillis <= nowMillis ? nowMillis + graceMillis : deadlineMillis;
  }

  Future<Frame> future() {
    return promise.future();
  }

  /** Whether the caller already has its answer (a reply, or a failure at the deadline). */
  boolean settled() {
    return settled.get();
  }

  void complete(Frame reply) {
    if (settled.compareAndSet(false, true)) {
      onContext(() -> promise.complete(reply));
    }
  }

  void fail(HookFailure failure) {
    if (settled.compareAndSet(false, true)) {
      onContext(() -> promise.fail(failure));
    }
  }

  private void onContext(Runnable action) {
    if (context == null || Vertx.currentContext() == context) {
      action.run();
    } else {
      context.runOnContext(v -> action.run());
    }
  }
}
