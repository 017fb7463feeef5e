package dev.coproxy.proxy;

import dev.coproxy.chain.ChainInterruption;
import dev.coproxy.chain.RequestContext;
import dev.coproxy.log.RateLimitedLog;
import dev.coproxy.metrics.GatewayMetrics.ApiMeters;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * The one place where a failed request becomes the client's answer, whatever failed: a middleware's
 * {@link ChainInterruption} is sent as it says (Tyk's error body, or a plugin's exact answer); an
 * {@link UpstreamFailure} gives Tyk's 502, 504 or 413, or 408 for a stalled body; anything else is a
 * bug, answered 500 and logged with its stack trace. An answer already under way is reset instead,
 * and a client that left gets nothing. Each answer is counted in the API's meters.
 */
final class RequestFailures {

  private static final Logger LOG = System.getLogger(RequestFailures.class.getName());
  static final String PROXY_ERROR = "There was a problem proxying the request";
  static final String TIMEOUT_ERROR = "Upstream service reached hard timeout.";
  static final String TOO_LARGE = "Request is too large";
  static final String INTERNAL_ERROR = "Internal Server Error";

  private final RateLimitedLog upstreamLog = RateLimitedLog.perSecond(LOG);
  private final RateLimitedLog bugLog = RateLimitedLog.perSecond(LOG);

  /** Answers the client of a request whose chain, upstream exchange or response chain failed. */
  void answer(RequestContext ctx, ApiMeters meters, Throwable cause) {
    HttpServerRequest request = ctx.request();
    HttpServerResponse response = request.response();
    request.resume();
    if (cause instanceof UpstreamFailure upstream) {
      upstreamFailed(ctx, meters, upstream, response);
      return;
    }
    if (response.ended() || response.closed()) {
      return;
    }
    if (response.headWritten()) {
      response.reset();
      return;
    }
    if (cause instanceof ChainInterruption stop) {
      meters.request(stop.status());
      HttpErrors.send(response, stop).onComplete(v -> {
        if (stop.status() == 413) {
          BodyLimit.stopAfterRefusal(request);
        }
      });
      return;
    }
    bugLog.log(Level.ERROR, () -> "api " + ctx.api().apiId() + ": " + request.method() + " " + ctx.path() + " failed unexpectedly", cause);
    meters.request(500);
    HttpErrors.send(response, 500, INTERNAL_ERROR);
  }

  private void upstreamFailed(RequestContext ctx, ApiMeters meters, UpstreamFailure failure, HttpServerResponse response) {
    HttpClientRequest upstream = failure.upstream();
    switch (failure.kind()) {
      case CLIENT_STALLED -> {
        meters.request(408);
        ConnectionDeadlines.bodyTooSlow(ctx.request());
      }
      case TOO_LARGE -> {
        if (!response.headWritten() && !response.closed()) {
          meters.request(413);
          HttpErrors.send(response, 413, TOO_LARGE).onComplete(v -> BodyLimit.stopAfterRefusal(ctx.request()));
        }
        if (upstream != null) {
          upstream.reset();
        }
      }
      case UNREACHABLE, TIMEOUT -> {
        if (response.headWritten()) {
          response.reset();
          return;
        }
        if (response.closed()) {
          return;
        }
        boolean timeout = failure.kind() == UpstreamFailure.Kind.TIMEOUT;
        upstreamLog.log(Level.WARNING, () -> "api " + ctx.api().apiId() + ": upstream " + ctx.api().target().url()
            + " failed: " + failure.getMessage());
        meters.request(timeout ? 504 : 502);
        HttpErrors.send(response, timeout ? 504 : 502, timeout ? TIMEOUT_ERROR : PROXY_ERROR);
      }
    }
  }
}
