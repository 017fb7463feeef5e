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

  /**
   * Runs on the upstream's response, held whole in {@link RequestContext#answer()}, in chain order;
   * only called when {@link #handlesResponse()} says so.
   */
  default Future<Void> onResponse(RequestContext ctx) {
    return Future.succeededFuture();
  }

  /** True when this middleware works on the response (the response is then buffered, not streamed). */
  default boolean handlesResponse() {
    return false;
  }

  /**
   * True when this middleware makes its own spans with {@code detailed_tracing} (the plugin hooks
   * do, one per call); the pipeline makes one for every other middleware.
   */
  default boolean tracesItself() {
    return false;
  }

  /** True when this middleware needs the whole request body (it is then read before the chain). */
  default boolean readsRequestBody() {
    return false;
  }
}
