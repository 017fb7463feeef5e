package dev.coproxy.coprocess;

import dev.coproxy.chain.ChainInterruption;
import dev.coproxy.chain.Middleware;
import dev.coproxy.chain.RequestContext;
import io.vertx.core.Future;
import java.util.Map;

/**
 * A {@code pre}, {@code post_key_auth} or {@code post} hook in the request chain: sends the live
 * request to the plugin, applies what comes back, and honours a ReturnOverrides answer. Session
 * changes made by these hooks are ignored, as in Tyk.
 */
final class CoprocessMiddleware implements Middleware {

  /** Answer to a failed or nonsensical hook call. */
  static final String MIDDLEWARE_ERROR = "Middleware error";
  /** Answer when the driver is not there at all. */
  static final String INTERNAL_ERROR = "Internal Server Error";

  private final HookRunner runner;
  private final Map<String, String> spec;
  private final AuthFailures authFailures;

  CoprocessMiddleware(HookRunner runner, Map<String, String> spec, AuthFailures authFailures) {
    this.runner = runner;
    this.spec = spec;
    this.authFailures = authFailures;
  }

  @Override
  public String id() {
    return "coprocess_" + runner.hook().key() + ":" + runner.hook().name();
  }

  @Override
  public boolean tracesItself() {
    return true;
  }

  @Override
  public boolean readsRequestBody() {
    return true;
  }

  @Override
  public Future<Void> onRequest(RequestContext ctx) {
    String query = ctx.query();
    return runner.call(ObjectBuilder.request(ctx, runner.hook(), spec), ctx).transform(ar -> {
      if (ar.failed()) {
        return Future.failedFuture(dispatchFailure(runner, (HookFailure) ar.cause(), 500, MIDDLEWARE_ERROR));
      }
      dev.coproxy.proto.Object reply = ar.result();
      String token = reply.hasSession() ? reply.getSession().getMetadataOrDefault("token", "") : "";
      ChainInterruption stop = applyReply(runner, ctx, reply, query, token, authFailures);
      return stop == null ? Future.succeededFuture() : Future.failedFuture(stop);
    });
  }

  /**
   * Applies a request hook's reply (section 5) and its ReturnOverrides (section 6), firing
   * AuthFailure for the error branch.
   *
   * @param query the request's query before the hook
   * @param token the key to report in an AuthFailure event
   * @return null when the chain goes on, else the answer to send
   */
  static ChainInterruption applyReply(HookRunner runner, RequestContext ctx, dev.coproxy.proto.Object reply, String query,
      String token, AuthFailures authFailures) {
    if (!reply.hasRequest()) {
      return runner.refusal(runner.failed(new HookFailure(HookFailure.Reason.BAD_REPLY, "the reply has no request message")), 500,
          MIDDLEWARE_ERROR);
    }
    try {
      ReplyApplier.apply(ctx, reply.getRequest(), query);
    } catch (HookFailure failure) {
      return runner.refusal(runner.failed(failure), 500, MIDDLEWARE_ERROR);
    }
    ChainInterruption stop = Overrides.evaluate(reply.getRequest().getReturnOverrides());
    if (stop != null && Overrides.isAuthFailure(reply.getRequest().getReturnOverrides())) {
      authFailures.fire(ctx, token);
    }
    return stop;
  }

  /**
   * The client's answer to a failed request or response hook call: unavailable drivers get 500
   * Internal Server Error, other failures {@code status} and {@code message}.
   */
  static ChainInterruption dispatchFailure(HookRunner runner, HookFailure failure, int status, String message) {
    if (failure.reason() == HookFailure.Reason.UNAVAILABLE) {
      return runner.refusal(failure, 500, INTERNAL_ERROR);
    }
    return runner.refusal(failure, status, message);
  }
}
