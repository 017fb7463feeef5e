package dev.coproxy.coprocess.grpc;

import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;

/**
 * Parses {@code coprocess_grpc_server} the way Tyk does: {@code tcp://host:port}, {@code host:port},
 * {@code unix:///path} (or {@code unix:path}) and {@code dns:///name:port} (see {@link GrpcAddresses}).
 * Read once at start.
 */
final class GrpcTarget {

  private GrpcTarget() {
  }

  /** The {@code name:port} of a {@code dns:///name:port} target, or null for other targets. */
  static SocketAddress dnsName(String target) {
    String t = target.trim();
    if (!t.startsWith("dns:")) {
      return null;
    }
    t = t.substring("dns:".length());
    if (t.startsWith("//")) {
      // dns://[authority]/name:port: the DNS server authority is not supported, the system resolver is used.
      int slash = t.indexOf('/', 2);
      if (slash < 0) {
        throw new IllegalArgumentException("\"" + target + "\" needs dns:///name:port");
      }
      t = t.substring(slash + 1);
    }
    return parse(t);
  }

  /**
   * The {@code :authority} a gRPC client sends for a target (and the TLS server name): its
   * {@code host:port}, the name of a {@code dns:///} target, {@code localhost} for a Unix socket, as
   * grpc-go does.
   */
  static HostAndPort authority(String target) {
    SocketAddress named = dnsName(target);
    SocketAddress address = named != null ? named : parse(target);
    if (!address.isInetSocket()) {
      return HostAndPort.create("localhost", -1);
    }
    // An IPv6 literal is written in brackets, as a configured grpc_authority would be.
    String host = address.host().indexOf(':') >= 0 ? "[" + address.host() + "]" : address.host();
    return HostAndPort.create(host, address.port());
  }

  /**
   * The address to connect to.
   *
   * @throws IllegalArgumentException naming what is wrong with the target
   */
  static SocketAddress parse(String target) {
    String t = target.trim();
    if (t.startsWith("unix://")) {
      return SocketAddress.domainSocketAddress(t.substring("unix://".length()));
    }
    if (t.startsWith("unix:")) {
      return SocketAddress.domainSocketAddress(t.substring("unix:".length()));
    }
    if (t.startsWith("tcp://")) {
      t = t.substring("tcp://".length());
    }
    if (t.contains("://")) {
      throw new IllegalArgumentException("unsupported scheme in \"" + target + "\" (use tcp://, unix:// or host:port)");
    }
    if (t.endsWith("/")) {
      t = t.substring(0, t.length() - 1);
    }
    int colon = t.lastIndexOf(':');
    if (colon <= 0 || colon == t.length() - 1) {
      throw new IllegalArgumentException("\"" + target + "\" has no host:port");
    }
    String host = t.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(t.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("\"" + target + "\" has a bad port");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("\"" + target + "\" has a bad port");
    }
    return SocketAddress.inetSocketAddress(port, host);
  }
}
