package dev.coproxy.chain;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.List;

/**
 * Runs an API's middleware in order. Steps that finish at once (the in-memory store answers
 * synchronously) continue in a plain loop, so a chain of ready futures costs no callbacks.
 */
public final class Chain {

  private Chain() {
  }

  /** Runs every middleware's request side; fails with the first failure. */
  public static Future<Void> run(List<Middleware> chain, RequestContext ctx) {
    return runFrom(chain, 0, ctx);
  }

  /** Runs the response side of the middleware that handle responses, in chain order. */
  public static Future<Void> respond(List<Middleware> chain, RequestContext ctx) {
    return runFrom(chain, 0, ctx, true);
  }

  private static Future<Void> runFrom(List<Middleware> chain, int start, RequestContext ctx) {
    return runFrom(chain, start, ctx, false);
  }

  private static Future<Void> runFrom(List<Middleware> chain, int start, RequestContext ctx, boolean response) {
    for (int i = start; i < chain.size(); i++) {
      Middleware middleware = chain.get(i);
      if (response && !middleware.handlesResponse()) {
        continue;
      }
      Future<Void> step = invoke(middleware, ctx, response);
      if (!step.isComplete()) {
        int next = i + 1;
        Promise<Void> promise = Promise.promise();
        step.onComplete(ar -> {
          if (ar.failed()) {
            promise.fail(ar.cause());
          } else {
            runFrom(chain, next, ctx, response).onComplete(promise);
          }
        });
        return promise.future();
      }
      if (step.failed()) {
        return step;
      }
    }
    return Future.succeededFuture();
  }

  // A middleware that throws instead of failing its future must not escape the chain.
  private static Future<Void> invoke(Middleware middleware, RequestContext ctx, boolean response) {
    try {
      Future<Void> result = response ? middleware.onResponse(ctx) : middleware.onRequest(ctx);
      return result == null ? Future.failedFuture(new IllegalStateException(middleware.id() + " returned no future")) : result;
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }
}
