package dev.coproxy.proxy;

import dev.coproxy.log.RateLimitedLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpConnection;
import java.io.IOException;
import java.lang.System.Logger.Level;

/**
 * What happens to an error on a client's or an upstream's connection (not on one request): it is
 * counted in {@code coproxy_connection_errors_total{side}}. An I/O error, such as a peer resetting
 * the connection, is an everyday event and is logged at DEBUG; anything else is logged as a warning,
 * at most once a second. Without a handler, Vert.x logs every one of them at SEVERE.
 */
final class ConnectionErrors {

  private static final System.Logger LOG = System.getLogger(ConnectionErrors.class.getName());

  private final String side;
  private final Counter count;
  private final RateLimitedLog log = RateLimitedLog.perSecond(LOG);

  /** @param side {@code client} (the traffic port) or {@code upstream} */
  ConnectionErrors(MeterRegistry meters, String side) {
    this.side = side;
    this.count = Counter.builder("coproxy.connection.errors")
        .description("Errors on client or upstream connections (resets included), not counting failed requests")
        .tag("side", side).register(meters);
  }

  /** Watches a new connection. */
  void watch(HttpConnection connection) {
    connection.exceptionHandler(this::handle);
  }

  private void handle(Throwable error) {
    count.increment();
    if (error instanceof IOException) {
      LOG.log(Level.DEBUG, () -> side + " connection: " + error.getMessage());
      return;
    }
    log.log(Level.WARNING, () -> side + " connection: " + error.getClass().getSimpleName() + ": " + error.getMessage());
  }
}
