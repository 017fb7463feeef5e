package dev.coproxy.coprocess.grpc;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The plugin server addresses calls go to. A fixed target is one address. A {@code dns:///name:port}
 * target is every address the name resolves to, resolved at start and again every 30 s: calls stay
 * on one address (pick-first, moving on when it cannot be reached) or rotate over all of them with
 * {@code grpc_round_robin_load_balancing}. Each address has its own pooled HTTP/2 connection.
 */
final class GrpcAddresses {

  private static final System.Logger LOG = System.getLogger(GrpcAddresses.class.getName());
  private static final long RESOLVE_MILLIS = 30_000;

  private final Vertx vertx;
  private final SocketAddress name;
  private final boolean roundRobin;
  private final AtomicInteger next = new AtomicInteger();
  private volatile List<SocketAddress> current;
  private long timer = -1;

  GrpcAddresses(Vertx vertx, String target, boolean roundRobin) {
    this.vertx = vertx;
    this.name = GrpcTarget.dnsName(target);
    this.roundRobin = roundRobin;
    this.current = name == null ? List.of(GrpcTarget.parse(target)) : List.of(name);
  }

  /** Resolves a DNS target (now and periodically); a fixed target is ready at once. */
  Future<Void> start() {
    if (name == null) {
      return Future.succeededFuture();
    }
    timer = vertx.setPeriodic(RESOLVE_MILLIS, id -> resolve());
    return resolve();
  }

  /** The address for the next call. */
  SocketAddress pick() {
    List<SocketAddress> all = current;
    int i = roundRobin ? next.getAndIncrement() : next.get();
    return all.get(Math.floorMod(i, all.size()));
  }

  /** Called when {@code address} could not be reached: pick-first moves on to the next address. */
  void unreachable(SocketAddress address) {
    if (!roundRobin && current.size() > 1 && address.equals(pick())) {
      next.incrementAndGet();
    }
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
        LOG.log(Level.INFO, "gRPC plugin server " + name + " resolves to " + all);
      }
    }).onFailure(e -> LOG.log(Level.WARNING, "gRPC plugin server " + name + ": cannot resolve: " + e.getMessage()))
        .<Void>mapEmpty().otherwiseEmpty();
  }
}
