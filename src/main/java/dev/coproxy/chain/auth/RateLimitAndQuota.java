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
 * estimate is under {@code rate}. It needs only counters with atomic increments from the store, so
 * it holds across nodes when the store is cluster-wide. A request refused by the rate limit does
 * not use quota, nor rate.
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
    Session session = ctx.session();
    if (session == null) {
      return Future.succeededFuture();
    }
    if (!session.rateLimited()) {
      return quota(ctx, session);
    }
    return rate(ctx.sessionId(), session).compose(slot -> {
      if (slot == null) {
        fire(ctx, "RatelimitExceeded", "Key Rate Limit Exceeded");
        return Future.failedFuture(ChainInterruption.error(429, "Rate limit exceeded"));
      }
      // The call is allowed: its rate count and its quota count go out together (with a
      // cluster-wide store each is a round trip to the key's owner).
      Future<KeyValueStore.Counter> counted = store.increment(slot.key(), slot.ttlMillis());
      Future<Void> quota = quota(ctx, session);
      return Future.all(counted, quota).mapEmpty();
    });
  }

  /** The rate counter a call that is allowed adds one to. */
  private record RateSlot(String key, long ttlMillis) {
  }

  private void fire(RequestContext ctx, String type, String message) {
    events.fire(type, ctx.api().definition().apiId(), ctx.api().definition().orgId(),
        EventMeta.keyFailure(message, ctx.request(), ctx.token()));
  }

  // Refused calls are not counted: a client sending faster than its rate still gets its rate
  // through, as with Tyk's token bucket. Two concurrent calls may both pass the last free slot;
  // that over-admission (at most one call per concurrent request) is the documented tolerance.
  private Future<RateSlot> rate(String id, Session session) {
    long windowMillis = Math.max(1, Math.round(session.per() * 1000));
    long now = clockMillis.getAsLong();
    long window = now / windowMillis;
    String current = "rate-" + id + "-" + window;
    double overlap = 1.0 - (now - window * windowMillis) / (double) windowMillis;
    // Both readings at once: with a cluster-wide store each is a network round trip.
    Future<KeyValueStore.Counter> currentCount = store.counter(current);
    Future<KeyValueStore.Counter> previousCount = store.counter("rate-" + id + "-" + (window - 1));
    return Future.all(currentCount, previousCount).compose(both -> {
      KeyValueStore.Counter count = currentCount.result();
      KeyValueStore.Counter previous = previousCount.result();
      // Allowed while the estimate is under the rate: a saturating client gets exactly its rate.
      if (previous.value() * overlap + count.value() >= session.rate()) {
        return Future.succeededFuture(null);
      }
      return Future.succeededFuture(new RateSlot(current, 2 * windowMillis));
    });
  }

  private Future<Void> quota(RequestContext ctx, Session session) {
    String id = ctx.sessionId();
    if (!session.quotaLimited()) {
      return Future.succeededFuture();
    }
    long period = session.quotaRenewalRate() > 0 ? session.quotaRenewalRate() * 1000 : 0;
    return store.increment(SessionRepository.quotaCounter(id), period).compose(used -> {
      if (used.value() <= session.quotaMax()) {
        return Future.succeededFuture();
      }
      fire(ctx, "QuotaExceeded", "Key Quota Limit Exceeded");
      return Future.failedFuture(ChainInterruption.error(403, "Quota exceeded"));
    });
  }
}
