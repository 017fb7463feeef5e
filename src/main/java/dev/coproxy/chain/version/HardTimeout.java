package dev.coproxy.chain.version;

import dev.coproxy.api.ApiDefinition;
import dev.coproxy.api.ApiVersion;
import dev.coproxy.api.EndpointLimit;
import dev.coproxy.chain.Middleware;
import dev.coproxy.chain.RequestContext;
import io.vertx.core.Future;

/**
 * Tyk's enforced upstream timeouts: the first {@code hard_timeouts} entry matching the request's
 * method and path, else the version's {@code global_enforce_timeout}, becomes the request's
 * upstream timeout; when it passes the client gets 504 "Upstream service reached hard timeout.".
 * Runs after the session checks, with the path as the {@code pre} hooks left it. Built only when a
 * version sets a timeout.
 */
public final class HardTimeout implements Middleware {

  private final ApiDefinition api;

  public HardTimeout(ApiDefinition api) {
    this.api = api;
  }

  /** True when some version of the API sets an upstream timeout. */
  static boolean wanted(ApiDefinition api) {
    return api.versions().versions().values().stream().anyMatch(v -> v.globalTimeoutMillis() > 0 || !v.hardTimeouts().isEmpty());
  }

  @Override
  public String id() {
    return "hard_timeout";
  }

  @Override
  public Future<Void> onRequest(RequestContext ctx) {
    ApiVersion version = ctx.version();
    if (version == null) {
      return Future.succeededFuture();
    }
    if (!version.hardTimeouts().isEmpty()) {
      String[] candidates = api.versions().candidates(ctx.matchPath(), api.listenPath());
      String method = ctx.method().name();
      for (EndpointLimit timeout : version.hardTimeouts()) {
        if (timeout.appliesTo(method, candidates)) {
          ctx.upstreamTimeoutMillis(timeout.value());
          return Future.succeededFuture();
        }
      }
    }
    if (version.globalTimeoutMillis() > 0) {
      ctx.upstreamTimeoutMillis(version.globalTimeoutMillis());
    }
    return Future.succeededFuture();
  }
}
