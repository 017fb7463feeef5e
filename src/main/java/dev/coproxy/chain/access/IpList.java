package dev.coproxy.chain.access;

import dev.coproxy.chain.ChainInterruption;
import dev.coproxy.chain.Middleware;
import dev.coproxy.chain.RequestContext;
import dev.coproxy.config.IpAddress;
import dev.coproxy.config.IpSet;
import dev.coproxy.events.EventMeta;
import dev.coproxy.events.EventSink;
import io.vertx.core.Future;

/**
 * Tyk's {@code IPWhiteListMiddleware} and {@code IPBlackListMiddleware}: an API's
 * {@code allowed_ips} lets only clients from those addresses and ranges through,
 * {@code blacklisted_ips} turns clients from them away. Runs after the {@code pre} hooks, before
 * auth; the client is the one {@link ClientAddress} names. A refused client gets 403
 * {@code access from this IP has been disallowed} and an {@code AuthFailure} event whose key is its
 * address, as in Tyk. A client without an address is refused by an allow-list and passes a
 * block-list.
 */
public final class IpList implements Middleware {

  static final String DISALLOWED = "access from this IP has been disallowed";

  private final IpSet ips;
  private final boolean allow;
  private final ClientAddress clients;
  private final EventSink events;

  private IpList(IpSet ips, boolean allow, ClientAddress clients, EventSink events) {
    this.ips = ips;
    this.allow = allow;
    this.clients = clients;
    this.events = events;
  }

  /** {@code allowed_ips}: only listed clients pass. */
  public static IpList allowing(IpSet ips, ClientAddress clients, EventSink events) {
    return new IpList(ips, true, clients, events);
  }

  /** {@code blacklisted_ips}: listed clients are refused. */
  public static IpList blocking(IpSet ips, ClientAddress clients, EventSink events) {
    return new IpList(ips, false, clients, events);
  }

  @Override
  public String id() {
    return allow ? "ip_whitelist" : "ip_blacklist";
  }

  @Override
  public Future<Void> onRequest(RequestContext ctx) {
    IpAddress client = clients.of(ctx);
    // A client whose address cannot be told (a forwarded entry that is no address) is refused by
    // either list: it could be anyone, a listed one too.
    if (client != null && ips.contains(client) == allow) {
      return Future.succeededFuture();
    }
    String origin = client == null ? "" : client.toString();
    events.fire("AuthFailure", ctx.api().apiId(), ctx.api().orgId(),
        EventMeta.keyFailure("Auth Failure", ctx.request(), origin).put("Origin", origin));
    return Future.failedFuture(ChainInterruption.error(403, DISALLOWED));
  }
}
