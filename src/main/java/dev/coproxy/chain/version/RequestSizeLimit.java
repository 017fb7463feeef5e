package dev.coproxy.chain.version;

import dev.coproxy.api.ApiDefinition;
import dev.coproxy.api.ApiVersion;
import dev.coproxy.api.EndpointLimit;
import dev.coproxy.chain.ChainInterruption;
import dev.coproxy.chain.Middleware;
import dev.coproxy.chain.RequestContext;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import java.util.Set;

/**
 * Tyk's {@code RequestSizeLimitMiddleware}, after the {@code pre} hooks: a request of the version
 * whose declared {@code Content-Length} is over the version's {@code global_size_limit} or over a
 * matching {@code size_limits} entry gets 400 "Request is too large"; one without a
 * {@code Content-Length} (a chunked body) gets 411. GET, DELETE, TRACE, OPTIONS and HEAD are not
 * checked, as in Tyk. Built only when a version sets a limit.
 */
public final class RequestSizeLimit implements Middleware {

  static final String TOO_LARGE = "Request is too large";
  static final String LENGTH_REQUIRED = "Content length is required for this request";
  static final String NOT_AN_INTEGER = "content length is not a valid Integer";
  private static final Set<HttpMethod> SKIPPED = Set.of(HttpMethod.GET, HttpMethod.DELETE, HttpMethod.TRACE, HttpMethod.OPTIONS,
      HttpMethod.HEAD);

  private final ApiDefinition api;

  public RequestSizeLimit(ApiDefinition api) {
    this.api = api;
  }

  /** True when some version of the API limits request sizes. */
  static boolean wanted(ApiDefinition api) {
    return api.versions().versions().values().stream().anyMatch(v -> v.globalSizeLimit() > 0 || !v.sizeLimits().isEmpty());
  }

  @Override
  public String id() {
    return "request_size_limit";
  }

  @Override
  public Future<Void> onRequest(RequestContext ctx) {
    ApiVersion version = ctx.version();
    if (version == null || SKIPPED.contains(ctx.method())) {
      return Future.succeededFuture();
    }
    if (version.globalSizeLimit() > 0) {
      Future<Void> global = check(ctx, version.globalSizeLimit());
      if (global.failed()) {
        return global;
      }
    }
    if (version.sizeLimits().isEmpty()) {
      return Future.succeededFuture();
    }
    String[] candidates = api.versions().candidates(ctx.matchPath(), api.listenPath());
    String method = ctx.method().name();
    for (EndpointLimit limit : version.sizeLimits()) {
      if (limit.appliesTo(method, candidates)) {
        return check(ctx, limit.value());
      }
    }
    return Future.succeededFuture();
  }

  private static Future<Void> check(RequestContext ctx, long limit) {
    String stated = ctx.headers().get(HttpHeaders.CONTENT_LENGTH);
    if (stated == null || stated.isEmpty()) {
      return Future.failedFuture(ChainInterruption.error(411, LENGTH_REQUIRED));
    }
    long size;
    try {
      size = Long.parseLong(stated.trim());
    } catch (NumberFormatException e) {
      return Future.failedFuture(ChainInterruption.error(400, NOT_AN_INTEGER));
    }
    return size > limit ? Future.failedFuture(ChainInterruption.error(400, TOO_LARGE)) : Future.succeededFuture();
  }
}
