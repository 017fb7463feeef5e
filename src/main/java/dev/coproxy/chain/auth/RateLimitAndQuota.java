package dev.coproxy.chain.auth;

import dev.coproxy.chain.ChainInterruption;
import dev.coproxy.chain.Middleware;
import dev.coproxy.chain.RequestContext;
import dev.coproxy.events.EventMeta;
import dev.coproxy.events.EventSink;
import dev.coproxy.session.AccessDefinition;
import dev.coproxy.session.ApiLimit;
import dev.coproxy.session.KeyValueStore;
import dev.coproxy.session.Session;
import dev.coproxy.session.SessionRepository;
import io.vertx.core.Future;
import java.util.function.LongSupplier;

/**
 * Tyk's {@code RateLimitAndQuotaCheck}: {@code rate} requests per {@code per} seconds (429), then
 * {@code quota_max} requests per {@code quota_renewal_rate} seconds (403 {@code Quota exceeded}).
 *
 * <p>The limits are the key's access right's {@code limit} on this API when it has one, else the
 * key's own. The counters are the key's, or, when the access right names an
 * {@code allowance_scope}, the key's counters of that scope: Tyk's rule, under which a per-API limit
 * (or the APIs of different policies) is counted apart from the rest ({@link SessionRepository#quotaCounter(String, String)}).
 * An API with {@code disable_rate_limit} or {@code disable_quota} skips that check.
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
  private final boolean rateEnabled;
  private final boolean quotaEnabled;

  /** Both checks on. */
  public RateLimitAndQuota(KeyValueStore store, LongSupplier clockMillis, EventSink events) {
    this(store, clockMillis, events, true, true);
  }

  /**
   * @param rateEnabled false with the API's {@code disable_rate_limit}
   * @param quotaEnabled false with the API's {@code disable_quota}
   */
  public RateLimitAndQuota(KeyValueStore store, LongSupplier clockMillis, EventSink events, boolean rateEnabled,
      boolean quotaEnabled) {
    this.store = store;
    this.clockMillis = clockMillis;
    this.events = events;
    this.rateEnabled = rateEnabled;
    this.quotaEnabled = quotaEnabled;
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
    AccessDefinition right = session.rightOn(ctx.api().apiId());
    if (right == null || (right.allowanceScope().isEmpty() && ApiLimit.isEmpty(right.limit()))) {
      return check(ctx, session.rate(), session.per(), session.quotaMax(), session.quotaRenewalRate(), "");
    }
    ApiLimit limit = ApiLimit.isEmpty(right.limit()) ? session.ownLimit() : right.limit();
    return check(ctx, limit.rate(), limit.per(), limit.quotaMax(), limit.quotaRenewalRate(), right.allowanceScope());
  }

  private Future<Void> check(RequestContext ctx, double rate, double per, long quotaMax, long renewal, String scope) {
    if (!rateEnabled || rate <= 0 || per <= 0) {
      return quota(ctx, quotaMax, renewal, scope);
    }
    long windowMillis = Math.max(1, Math.round(per * 1000));
    String counter = scope.isEmpty() ? "rate-" + ctx.sessionId() : "rate-" + scope + "-" + ctx.sessionId();
    return store.takeRate(counter, rate, windowMillis, clockMillis.getAsLong()).compose(allowed -> {
      if (!allowed) {
        fire(ctx, "RatelimitExceeded", "Key Rate Limit Exceeded");
        return Future.failedFuture(ChainInterruption.error(429, "Rate limit exceeded"));
      }
      return quota(ctx, quotaMax, renewal, scope);
    });
  }

  private void fire(RequestContext ctx, String type, String message) {
    events.fire(type, ctx.api().apiId(), ctx.api().orgId(),
        EventMeta.keyFailure(message, ctx.request(), ctx.token()));
  }

  private Future<Void> quota(RequestContext ctx, long quotaMax, long renewal, String scope) {
    if (!quotaEnabled || quotaMax <= 0) {
      return Future.succeededFuture();
    }
    long period = renewal > 0 ? renewal * 1000 : 0;
    return store.takeQuota(SessionRepository.quotaCounter(scope, ctx.sessionId()), quotaMax, period).compose(within -> {
      if (within) {
        return Future.succeededFuture();
      }
      fire(ctx, "QuotaExceeded", "Key Quota Limit Exceeded");
      return Future.failedFuture(ChainInterruption.error(403, "Quota exceeded"));
    });
  }
}
