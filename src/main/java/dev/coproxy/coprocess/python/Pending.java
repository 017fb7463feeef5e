package dev.coproxy.coprocess.python;

import io.vertx.core.Promise;
import java.util.concurrent.ScheduledFuture;

/** A call waiting for, or running on, a worker; its fields are guarded by the {@link WorkerPool}. */
final class Pending {

  final Frame frame;
  final long deadlineMillis;
  final Promise<Frame> promise = Promise.promise();
  ScheduledFuture<?> timer;
  PythonWorker worker;

  Pending(Frame frame, long deadlineMillis) {
    this.frame = frame;
    this.deadlineMillis = deadlineMillis;
  }
}
