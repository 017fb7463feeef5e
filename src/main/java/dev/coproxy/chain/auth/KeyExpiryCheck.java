package dev.coproxy.chain.auth;

import dev.coproxy.chain.ChainInterruption;
import dev.coproxy.chain.Middleware;
import dev.coproxy.chain.RequestContext;
import dev.coproxy.events.EventMeta;
import dev.coproxy.events.EventSink;
import dev.coproxy.session.Session;
import io.vertx.core.Future;
import java.util.function.LongSupplier;

/** Tyk's {@code KeyExpired}: an inactive key gets 403, a key past its expiry 401. */
public final class KeyExpiryCheck implements Middleware {

  private final LongSupplier clockMillis;
  private final EventSink events;

  public KeyExpiryCheck(LongSupplier clockMillis, EventSink events) {
    this.clockMillis = clockMillis;
    this.events = events;
  }

  @Override
  public String id() {
    return "key_expiry";
  }

  @Override
  public Future<Void> onRequest(RequestContext ctx) {
    if (ctx.ignored()) {
      return Future.succeededFuture();
    }
    Session session = ctx.session();
    if (session == null) {
      return Future.succeededFuture();
    }
    if (session.inactive()) {
      return Future.failedFuture(ChainInterruption.error(403, "Key is inactive, please renew"));
    }
    if (session.expiredAt(clockMillis.getAsLong() / 1000)) {
      events.fire("KeyExpired", ctx.api().apiId(), ctx.api().orgId(),
          EventMeta.keyFailure("Key has expired, please renew", ctx.request(), ctx.token()));
      return Future.failedFuture(ChainInterruption.error(401, "Key has expired, please renew"));
    }
    return Future.succeededFuture();
  }
}
