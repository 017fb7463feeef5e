package dev.coproxy.chain.auth;

import dev.coproxy.chain.ChainInterruption;
import dev.coproxy.chain.Middleware;
import dev.coproxy.chain.RequestContext;
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
 * previous window's count weighted by how much of it still overlaps. It needs only atomic
 * increments from the store, so it holds across nodes when the store is cluster-wide. A request
 * refused by the rate limit does not use quota.
 */
public final class RateLimitAndQuota implements Middleware {

  private final KeyValueStore store;
  private final LongSupplier clockMillis;

  public RateLimitAndQuota(KeyValueStore store, LongSupplier clockMillis) {
    this.store = store;
    this.clockMillis = clockMillis;
  }

  @Override
  public String id() {
    return "rate_limit_quota";
  }

  @Override
  public Future<Void> onRequest(RequestContext ctx) {
    Session session = ctx.session();
    if (session == null) {
      return Future.succeededFuture();
    }
    if (!session.rateLimited()) {
      return quota(ctx.sessionId(), session);
    }
    return rate(ctx.sessionId(), session).compose(allowed -> allowed
        ? quota(ctx.sessionId(), session)
        : Future.failedFuture(ChainInterruption.error(429, "Rate limit exceeded")));
  }

  private Future<Boolean> rate(String id, Session session) {
    long windowMillis = Math.max(1, Math.round(session.per() * 1000));
    long now = clockMillis.getAsLong();
    long window = now / windowMillis;
    String prefix = "rate-" + id + "-";
    double overlap = 1.0 - (now - window * windowMillis) / (double) windowMillis;
    return store.increment(prefix + window, 2 * windowMillis).compose(current -> {
      if (current.value() > session.rate()) {
        return Future.succeededFuture(false);
      }
      return store.counter(prefix + (window - 1))
          .map(previous -> previous.value() * overlap + current.value() <= session.rate());
    });
  }

  private Future<Void> quota(String id, Session session) {
    if (!session.quotaLimited()) {
      return Future.succeededFuture();
    }
    long period = session.quotaRenewalRate() > 0 ? session.quotaRenewalRate() * 1000 : 0;
    return store.increment(SessionRepository.quotaCounter(id), period).compose(used -> used.value() > session.quotaMax()
        ? Future.failedFuture(ChainInterruption.error(403, "Quota exceeded"))
        : Future.succeededFuture());
  }
}
