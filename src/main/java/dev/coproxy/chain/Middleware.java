package dev.coproxy.chain;

import io.vertx.core.Future;

/**
 * One step of an API's request chain. The chain is built once per API definition (a middleware
 * that does not apply to the API is left out then), and runs for every request in order; a failed
 * future with a {@link ChainInterruption} answers the client and skips the rest and the upstream.
 */
public interface Middleware {

  /** A short stable name for logs and metrics. */
  String id();

  /** Runs on the way to the upstream. */
  Future<Void> onRequest(RequestContext ctx);

  /** Runs on the upstream's response, in reverse chain order. */
  default Future<Void> onResponse(RequestContext ctx) {
    return Future.succeededFuture();
  }
}
