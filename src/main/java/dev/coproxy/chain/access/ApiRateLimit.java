package dev.coproxy.chain.access;

import dev.coproxy.api.ApiAccess.RateLimit;
import dev.coproxy.api.ApiDefinition;
import dev.coproxy.chain.ChainInterruption;
import dev.coproxy.chain.Middleware;
import dev.coproxy.chain.RequestContext;
import dev.coproxy.config.IpAddress;
import dev.coproxy.events.EventMeta;
import dev.coproxy.events.EventSink;
import dev.coproxy.session.KeyValueStore;
import io.vertx.core.Future;
import java.util.function.LongSupplier;

/**
 * Tyk's {@code RateLimitForAPI}: the API's {@code global_rate_limit}, at most {@code rate} requests
 * per {@code per} seconds to the API from all clients together, keyless APIs too. Runs after the
 * session checks. Counted in the gateway's store under {@code apilimiter-<org_id><api_id>} (Tyk's
 * name), so a cluster shares one count, with the same sliding window as keys' rate limits
 * ({@link KeyValueStore#takeRate}). Past the limit: 429 {@code API Rate Limit Exceeded} and a
 * {@code RatelimitExceeded} event naming that counter, as in Tyk.
 */
public final class ApiRateLimit implements Middleware {

  static final String EXCEEDED = "API Rate Limit Exceeded";

  private final KeyValueStore store;
  private final LongSupplier clockMillis;
  private final EventSink events;
  private final ClientAddress clients;
  private final String counter;
  private final double rate;
  private final long windowMillis;

  public ApiRateLimit(ApiDefinition api, RateLimit limit, KeyValueStore store, LongSupplier clockMillis, EventSink events,
      ClientAddress clients) {
    this.store = store;
    this.clockMillis = clockMillis;
    this.events = events;
    this.clients = clients;
    this.counter = counterName(api);
    this.rate = limit.rate();
    this.windowMillis = limit.windowMillis();
  }

  /** The store name of an API's counter: Tyk's {@code apilimiter-} followed by org id and API id. */
  public static String counterName(ApiDefinition api) {
    return "apilimiter-" + api.orgId() + api.apiId();
  }

  @Override
  public String id() {
    return "api_rate_limit";
  }

  @Override
  public Future<Void> onRequest(RequestContext ctx) {
    return store.takeRate(counter, rate, windowMillis, clockMillis.getAsLong()).compose(allowed -> {
      if (allowed) {
        return Future.succeededFuture();
      }
      IpAddress client = clients.of(ctx);
      events.fire("RatelimitExceeded", ctx.api().apiId(), ctx.api().orgId(),
          EventMeta.keyFailure(EXCEEDED, ctx.request(), counter).put("Origin", client == null ? "" : client.toString()));
      return Future.failedFuture(ChainInterruption.error(429, EXCEEDED));
    });
  }
}
