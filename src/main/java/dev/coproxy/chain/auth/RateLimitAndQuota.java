package dev.coproxy.chain.auth;

import dev.coproxy.chain.ChainInterruption;
import dev.coproxy.chain.Middleware;
import dev.coproxy.chain.RequestContext;
import dev.coproxy.events.EventMeta;
import dev.coproxy.events.EventSink;
import dev.coproxy.session.KeyValueStore;
import dev.coproxy.session.Session;
import dev.coproxy.session.SessionRepository;
import io.vertx.core.Future;
import java.util.function.LongSupplier;

/**
 * Tyk's {@code RateLimitAndQuotaCheck}: {@code rate} requests per {@code per} seconds (429), then
 * {@code quota_max} requests per {@code quota_renewal_rate} seconds (403 {@code Quota exceeded}).
 *
 * <p>The rate limit is a sliding-window counter: the current fixed window's count plus the
 * previous window's count weighted by how much of it still overlaps; a call is allowed while that
 * estimate is under {@code rate}. The counting itself is the store's ({@link KeyValueStore#takeRate},
 * {@link KeyValueStore#takeQuota}): exact and in memory on one node; a cluster-wide store counts
 * across nodes with the tolerances it documents. A request refused by the rate limit does not use
 * quota, nor rate.
 */
public final class RateLimitAndQuota implements Middleware {

  private final KeyValueStore store;
  private final LongSupplier clockMillis;
  private final EventSink events;

  public RateLimitAndQuota(KeyValueStore store, LongSupplier clockMillis, EventSink events) {
    this.store = store;
    this.clockMillis = clockMillis;
    this.events = events;
  }

  @Override
  public String id() {
    return "rate_limit_quota";
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
    if (!session.rateLimited()) {
      return quota(ctx, session);
    }
    long windowMillis = Math.max(1, Math.round(session.per() * 1000));
    return store.takeRate("rate-" + ctx.sessionId(), session.rate(), windowMillis, clockMillis.getAsLong())
        .compose(allowed -> {
          if (!allowed) {
            fire(ctx, "RatelimitExceeded", "Key Rate Limit Exceeded");
            return Future.failedFuture(ChainInterruption.error(429, "Rate limit exceeded"));
          }
          return quota(ctx, session);
        });
  }

  private void fire(RequestContext ctx, String type, String message) {
    events.fire(type, ctx.api().apiId(), ctx.api().orgId(),
        EventMeta.keyFailure(message, ctx.request(), ctx.token()));
  }

  private Future<Void> quota(RequestContext ctx, Session session) {
    String id = ctx.sessionId();
    if (!session.quotaLimited()) {
      return Future.succeededFuture();
    }
    long period = session.quotaRenewalRate() > 0 ? session.quotaRenewalRate() * 1000 : 0;
    return store.takeQuota(SessionRepository.quotaCounter(id), session.quotaMax(), period).compose(within -> {
      if (within) {
        return Future.succeededFuture();
      }
      fire(ctx, "QuotaExceeded", "Key Quota Limit Exceeded");
      return Future.failedFuture(ChainInterruption.error(403, "Quota exceeded"));
    });
  }
}
