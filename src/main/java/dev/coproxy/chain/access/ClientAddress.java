package dev.coproxy.chain.access;

import dev.coproxy.chain.RequestContext;
import dev.coproxy.config.ClientAddressOptions;
import dev.coproxy.config.IpAddress;
import dev.coproxy.config.IpSet;
import io.vertx.core.MultiMap;
import io.vertx.core.net.SocketAddress;
import java.util.List;

/**
 * Which address a request comes from, for the IP lists and their events. Tyk's rule by default: a
 * valid {@code X-Real-IP}, else the first {@code X-Forwarded-For} entry (or the one
 * {@code http_server_options.xff_depth} picks) when it is a valid address, else the connection's
 * peer; any client can write those headers. With {@code trusted_proxies}, the headers count only on
 * a connection from a listed proxy, and {@code X-Forwarded-For} is read from the right: the first
 * entry that is not a listed proxy is the client. Headers are read as the chain has them (a
 * {@code pre} hook may have set them), as Tyk does.
 */
public final class ClientAddress {

  private static final String X_REAL_IP = "X-Real-IP";
  private static final String X_FORWARDED_FOR = "X-Forwarded-For";

  private final IpSet trusted;
  private final int xffDepth;

  public ClientAddress(ClientAddressOptions options) {
    this.trusted = options.trustedProxies();
    this.xffDepth = options.xffDepth();
  }

  /** The client's address, or null when there is none (Tyk: an {@code xff_depth} past the list). */
  public IpAddress of(RequestContext ctx) {
    return of(ctx.headers(), ctx.request().remoteAddress());
  }

  /**
   * The client's address for a request with these headers from this peer, or null.
   *
   * @param remote the connection's peer, or null when unknown
   */
  public IpAddress of(MultiMap headers, SocketAddress remote) {
    IpAddress peer = remote == null ? null : IpAddress.parseLoose(remote.hostAddress());
    if (trusted.isEmpty()) {
      IpAddress real = IpAddress.parse(headers.get(X_REAL_IP));
      return real != null ? real : firstForwarded(headers.get(X_FORWARDED_FOR), peer);
    }
    if (!trusted.contains(peer)) {
      return peer;
    }
    // Load balancers append to X-Forwarded-For and pass a client's own X-Real-IP through: behind
    // trusted proxies X-Real-IP counts only when no proxy wrote X-Forwarded-For.
    List<String> forwarded = headers.getAll(X_FORWARDED_FOR);
    if (forwarded.isEmpty()) {
      IpAddress real = IpAddress.parse(headers.get(X_REAL_IP));
      return real != null ? real : peer;
    }
    return nearestUntrusted(forwarded, peer);
  }

  // Tyk: the first line of the header, split on commas; the entry at xff_depth (0 = first,
  // n = n-th from the right); a depth past the list is no address; an invalid entry falls back to the peer.
  private IpAddress firstForwarded(String forwarded, IpAddress peer) {
    if (forwarded == null || forwarded.isEmpty()) {
      return peer;
    }
    int entries = 1;
    for (int i = 0; i < forwarded.length(); i++) {
      if (forwarded.charAt(i) == ',') {
        entries++;
      }
    }
    if (xffDepth > entries) {
      return null;
    }
    int wanted = xffDepth == 0 ? 0 : entries - xffDepth;
    int start = 0;
    for (int index = 0; index < wanted; index++) {
      start = forwarded.indexOf(',', start) + 1;
    }
    int end = forwarded.indexOf(',', start);
    IpAddress entry = IpAddress.parse(forwarded.substring(start, end < 0 ? forwarded.length() : end).trim());
    return entry != null ? entry : peer;
  }

  // Behind trusted proxies each one appends the address it got the request from: walking from the
  // right, the first address that is not one of them is the client's. Entries may carry a port. An
  // entry that is no address leaves the client unknown (null): ending on the last good entry, a
  // trusted proxy, would let every client pass an allow-list that holds the proxies.
  private IpAddress nearestUntrusted(List<String> lines, IpAddress peer) {
    IpAddress client = peer;
    for (int line = lines.size() - 1; line >= 0; line--) {
      String text = lines.get(line);
      int end = text.length();
      while (end >= 0) {
        int comma = text.lastIndexOf(',', end - 1);
        IpAddress entry = IpAddress.parseLoose(text.substring(comma + 1, end).trim());
        if (entry == null) {
          return null;
        }
        client = entry;
        if (!trusted.contains(entry)) {
          return client;
        }
        end = comma;
      }
    }
    return client;
  }
}
