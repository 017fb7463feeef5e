package dev.coproxy.coprocess.grpc;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The plugin server addresses calls go to. A fixed target is one address. A {@code dns:///name:port}
 * target is every address the name resolves to, resolved at start and again every 30 s: calls stay
 * on one address (pick-first, moving on when it cannot be reached) or rotate over all of them with
 * {@code grpc_round_robin_load_balancing}. Each address has its own pooled HTTP/2 connection. An
 * address that could not be reached is left out of the rotation for {@value #RETRY_MILLIS} ms, so
 * one dead server among several costs one failed call, not a share of every call.
 */
final class GrpcAddresses {

  private static final System.Logger LOG = System.getLogger(GrpcAddresses.class.getName());
  private static final long RESOLVE_MILLIS = 30_000;
  static final long RETRY_MILLIS = 1000;

  private final Vertx vertx;
  private final SocketAddress name;
  private final boolean roundRobin;
  private final LongSupplier clock;
  private final AtomicInteger next = new AtomicInteger();
  private final Map<SocketAddress, Long> downUntil = new ConcurrentHashMap<>();
  private volatile List<SocketAddress> current;
  private long timer = -1;

  GrpcAddresses(Vertx vertx, String target, boolean roundRobin) {
    this(vertx, GrpcTarget.dnsName(target), roundRobin, System::currentTimeMillis,
        GrpcTarget.dnsName(target) == null ? List.of(GrpcTarget.parse(target)) : List.of(GrpcTarget.dnsName(target)));
  }

  /** Fixed addresses and clock, for tests. */
  GrpcAddresses(Vertx vertx, SocketAddress name, boolean roundRobin, LongSupplier clock, List<SocketAddress> addresses) {
    this.vertx = vertx;
    this.name = name;
    this.roundRobin = roundRobin;
    this.clock = clock;
    this.current = List.copyOf(addresses);
  }

  /** Resolves a DNS target (now and periodically); a fixed target is ready at once. */
  Future<Void> start() {
    if (name == null) {
      return Future.succeededFuture();
    }
    timer = vertx.setPeriodic(RESOLVE_MILLIS, id -> resolve());
    return resolve();
  }

  /** The address for the next call: the next one in turn (or the first) that is not resting. */
  SocketAddress pick() {
    List<SocketAddress> all = current;
    int start = roundRobin ? next.getAndIncrement() : next.get();
    if (downUntil.isEmpty()) {
      return all.get(Math.floorMod(start, all.size()));
    }
    long now = clock.getAsLong();
    for (int i = 0; i < all.size(); i++) {
      SocketAddress candidate = all.get(Math.floorMod(start + i, all.size()));
      Long until = downUntil.get(candidate);
      if (until == null || until <= now) {
        return candidate;
      }
    }
    return all.get(Math.floorMod(start, all.size()));
  }

  /** Called when {@code address} could not be reached: it rests for a while. */
  void unreachable(SocketAddress address) {
    downUntil.put(address, clock.getAsLong() + RETRY_MILLIS);
  }

  /** Called when {@code address} answered. */
  void reachable(SocketAddress address) {
    if (!downUntil.isEmpty()) {
      downUntil.remove(address);
    }
  }

  /** True when every address is resting: the plugin server as a whole is unreachable. */
  boolean allDown() {
    long now = clock.getAsLong();
    return current.stream().allMatch(a -> {
      Long until = downUntil.get(a);
      return until != null && until > now;
    });
  }

  void close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  private Future<Void> resolve() {
    return vertx.executeBlocking(() -> {
      List<SocketAddress> out = new ArrayList<>();
      for (InetAddress a : InetAddress.getAllByName(name.host())) {
        out.add(SocketAddress.inetSocketAddress(name.port(), a.getHostAddress()));
      }
      return out;
    }).onSuccess(all -> {
      if (!all.isEmpty() && !all.equals(current)) {
        current = List.copyOf(all);
        downUntil.keySet().retainAll(all);
        LOG.log(Level.INFO, "gRPC plugin server " + name + " resolves to " + all);
      }
    }).onFailure(e -> LOG.log(Level.WARNING, "gRPC plugin server " + name + ": cannot resolve: " + e.getMessage()))
        .<Void>mapEmpty().otherwiseEmpty();
  }
}
