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
