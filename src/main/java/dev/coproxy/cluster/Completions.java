package dev.coproxy.cluster;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Hazelcast's asynchronous results as Vert.x futures, back on the caller's event loop when called
 * from one; from a worker thread (a plugin blocking on {@code get_data}) they complete on
 * Hazelcast's thread, never queued behind the blocked worker.
 */
final class Completions {

  // Hazelcast runs a future's non-async callbacks on ForkJoinPool.commonPool (one thread on two
  // cores): every store call would queue there and then hop again to the event loop. The callback
  // here only hands the result on, so it runs on the thread that completes the operation (the
  // caller itself for a near-cache hit), and from there goes to the caller's loop.
  private static final Executor DIRECT = Runnable::run;

  private Completions() {
  }

  static <T> Future<T> back(CompletionStage<T> stage) {
    return complete(stage, callerLoop());
  }

  /**
   * As {@link #back(CompletionStage)}, but off an event loop the result comes on {@code fallback}:
   * for results that go on to the next Hazelcast call, which a Hazelcast thread may not make.
   */
  static <T> Future<T> onLoop(CompletionStage<T> stage, Context fallback) {
    Context loop = callerLoop();
    return complete(stage, loop != null ? loop : fallback);
  }

  /**
   * {@code result}, whose listeners run on the caller's event loop when called from one (and on
   * the completing thread otherwise).
   */
  static <T> Future<T> onCallerLoop(Future<T> result) {
    Context loop = callerLoop();
    if (loop == null) {
      return result;
    }
    Promise<T> promise = Promise.promise();
    result.onComplete(done -> settle(loop, promise, done));
    return promise.future();
  }

  private static Context callerLoop() {
    Context context = Vertx.currentContext();
    return context != null && context.isEventLoopContext() ? context : null;
  }

  private static <T> Future<T> complete(CompletionStage<T> stage, Context context) {
    Promise<T> promise = Promise.promise();
    stage.whenCompleteAsync((value, failure) ->
        settle(context, promise, failure != null ? Future.failedFuture(failure) : Future.succeededFuture(value)), DIRECT);
    return promise.future();
  }

  // A promise made outside a context runs its listeners on the thread that completes it: complete
  // it on `context`, right away when already there (a near-cache hit), else as a task of it.
  private static <T> void settle(Context context, Promise<T> promise, AsyncResult<T> result) {
    if (context == null || Vertx.currentContext() == context) {
      promise.handle(result);
    } else {
      context.runOnContext(v -> promise.handle(result));
    }
  }
}
