package dev.coproxy.chain.auth;

import dev.coproxy.chain.ChainInterruption;
import dev.coproxy.chain.Middleware;
import dev.coproxy.chain.RequestContext;
import io.vertx.core.Future;

/** Tyk's {@code AccessRightsCheck}: a key whose access rights do not name this API gets 403. */
public final class AccessRightsCheck implements Middleware {

  @Override
  public String id() {
    return "access_rights";
  }

  @Override
  public Future<Void> onRequest(RequestContext ctx) {
    if (ctx.ignored()) {
      return Future.succeededFuture();
    }
    if (ctx.session() != null && ctx.session().deniesApi(ctx.api().apiId())) {
      return Future.failedFuture(ChainInterruption.error(403, TokenAuth.NOT_FOUND));
    }
    return Future.succeededFuture();
  }
}
