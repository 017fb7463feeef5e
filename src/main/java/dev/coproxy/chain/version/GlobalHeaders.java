package dev.coproxy.chain.version;

import dev.coproxy.api.ApiVersion;
import dev.coproxy.chain.Middleware;
import dev.coproxy.chain.RequestContext;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import java.util.Map;

/**
 * Tyk's {@code TransformHeaders} for a version's global headers, after the session checks (keyless
 * APIs too): removes {@code global_headers_remove}, then sets {@code global_headers} on the request
 * the upstream gets. Built only when a version has global headers.
 */
public final class GlobalHeaders implements Middleware {

  /** True when some version of the API sets or removes request headers. */
  static boolean wanted(dev.coproxy.api.ApiDefinition api) {
    return api.versions().versions().values().stream()
        .anyMatch(v -> !v.globalHeaders().isEmpty() || !v.globalHeadersRemove().isEmpty());
  }

  @Override
  public String id() {
    return "global_headers";
  }

  @Override
  public Future<Void> onRequest(RequestContext ctx) {
    ApiVersion version = ctx.version();
    if (version == null || version.globalHeaders().isEmpty() && version.globalHeadersRemove().isEmpty()) {
      return Future.succeededFuture();
    }
    if (!ctx.materialized()) {
      ctx.materialize(null);
    }
    MultiMap headers = ctx.headers();
    for (String name : version.globalHeadersRemove()) {
      headers.remove(name);
    }
    for (Map.Entry<String, String> header : version.globalHeaders().entrySet()) {
      headers.set(header.getKey(), header.getValue());
    }
    return Future.succeededFuture();
  }
}
