package dev.coproxy.cluster;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
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
  // here only completes a promise, so it runs on the thread that completes the operation (the
  // caller itself for a near-cache hit), and the promise hands the result to the caller's loop.
  private static final Executor DIRECT = Runnable::run;

  private Completions() {
  }

  static <T> Future<T> back(CompletionStage<T> stage) {
    Context context = Vertx.currentContext();
    return complete(stage, context != null && context.isEventLoopContext() ? ((ContextInternal) context).promise() : Promise.promise());
  }

  /**
   * As {@link #back(CompletionStage)}, but off an event loop the result comes on {@code fallback}:
   * for results that go on to the next Hazelcast call, which a Hazelcast thread may not make.
   */
  static <T> Future<T> onLoop(CompletionStage<T> stage, ContextInternal fallback) {
    Context context = Vertx.currentContext();
    return complete(stage, (context != null && context.isEventLoopContext() ? (ContextInternal) context : fallback).promise());
  }

  private static <T> Future<T> complete(CompletionStage<T> stage, Promise<T> promise) {
    stage.whenCompleteAsync((value, failure) -> {
      if (failure != null) {
        promise.fail(failure);
      } else {
        promise.complete(value);
      }
    }, DIRECT);
    return promise.future();
  }
}
