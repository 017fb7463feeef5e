package dev.coproxy.coprocess.grpc;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.lang.System.Logger.Level;

/**
 * Whether the plugin server can be reached, as the driver last found out. Going down logs one
 * warning, counts a disconnect and starts a probe every {@value #PROBE_MILLIS} ms; the first probe
 * or call that gets through logs that the server is back and stops probing. Exposed as the gauge
 * {@code coproxy_grpc_connected{target}} and the counter {@code coproxy_grpc_disconnects_total{target}}.
 */
final class Reachability {

  private static final System.Logger LOG = System.getLogger(Reachability.class.getName());
  static final long PROBE_MILLIS = 500;

  private final Vertx vertx;
  private final String target;
  private final Runnable probe;
  private final Counter disconnects;
  private volatile boolean up;
  private long probeTimer = -1;

  /** @param probe tries to reach the server, calling {@link #markUp()} when it does */
  Reachability(Vertx vertx, String target, MeterRegistry meters, Runnable probe) {
    this.vertx = vertx;
    this.target = target;
    this.probe = probe;
    Gauge.builder("coproxy.grpc.connected", this, r -> r.up ? 1 : 0)
        .description("1 while the gRPC plugin server is reachable")
        .tag("target", target).register(meters);
    this.disconnects = Counter.builder("coproxy.grpc.disconnects")
        .description("Times the gRPC plugin server became unreachable")
        .tag("target", target).register(meters);
  }

  boolean up() {
    return up;
  }

  synchronized void markUp() {
    if (!up) {
      up = true;
      LOG.log(Level.INFO, "gRPC plugin server " + target + " is reachable");
    }
    stopProbing();
  }

  synchronized void markDown(Throwable cause) {
    if (probeTimer >= 0) {
      return;
    }
    if (up) {
      disconnects.increment();
    }
    up = false;
    LOG.log(Level.WARNING, "gRPC plugin server " + target + " is unreachable (" + cause.getMessage()
        + "); hooks answer 500 until it is back, retrying every " + PROBE_MILLIS + " ms");
    probeTimer = vertx.setPeriodic(PROBE_MILLIS, id -> probe.run());
  }

  synchronized void stopProbing() {
    if (probeTimer >= 0) {
      vertx.cancelTimer(probeTimer);
      probeTimer = -1;
    }
  }
}
