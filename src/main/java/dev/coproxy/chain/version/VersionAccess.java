package dev.coproxy.chain.version;

import dev.coproxy.api.VersionData;
import dev.coproxy.chain.ChainInterruption;
import dev.coproxy.chain.Middleware;
import dev.coproxy.chain.RequestContext;
import dev.coproxy.session.AccessDefinition;
import io.vertx.core.Future;

/**
 * The version half of Tyk's {@code AccessRightsCheck}, right after it, for versioned APIs only: a
 * key with access rights may call only the versions its right on the API lists (the version the
 * request names, else the default; with {@code fallback_to_default}, the default also covers unknown
 * names). Otherwise 403 "Access to this API has been disallowed".
 */
public final class VersionAccess implements Middleware {

  static final String DISALLOWED = "Access to this API has been disallowed";

  private final VersionData data;

  public VersionAccess(VersionData data) {
    this.data = data;
  }

  @Override
  public String id() {
    return "version_access";
  }

  @Override
  public Future<Void> onRequest(RequestContext ctx) {
    if (ctx.ignored() || ctx.session() == null || ctx.session().rights().isEmpty()) {
      return Future.succeededFuture();
    }
    AccessDefinition right = ctx.session().rightOn(ctx.api().apiId());
    if (right == null) {
      return Future.succeededFuture(); // the access rights check refused it already
    }
    String target = ctx.requestedVersion().isEmpty() ? data.defaultVersion() : ctx.requestedVersion();
    if (right.versions().contains(target)) {
      return Future.succeededFuture();
    }
    if (data.lookup().fallbackToDefault() && !target.equals(data.defaultVersion()) && right.versions().contains(data.defaultVersion())) {
      return Future.succeededFuture();
    }
    return Future.failedFuture(ChainInterruption.error(403, DISALLOWED));
  }
}
