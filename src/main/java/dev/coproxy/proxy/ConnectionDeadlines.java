package dev.coproxy.proxy;

import dev.coproxy.config.HttpServerOptions;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Deadlines, not inactivity timeouts, for the connections of one server instance (one event loop),
 * so that a client trickling a byte now and then cannot hold a connection for ever:
 * <ul>
 * <li>a new connection must send a complete request head within the header timeout;</li>
 * <li>a request's body must have arrived within the read timeout of its head, else 408;</li>
 * <li>its response must be written within the write timeout of its head, else the connection is cut;</li>
 * <li>a keep-alive connection must send its next request head within the idle timeout of the last response.</li>
 * </ul>
 * Each connection carries one deadline, moved as it goes through these phases; one periodic sweep
 * per event loop closes the connections past it. A request costs a map lookup and two field
 * writes, no timer and no allocation.
 */
public final class ConnectionDeadlines {

  static final String BODY_TIMEOUT = "Request body was not received in time";

  private final long headerNanos;
  private final long readNanos;
  private final long writeNanos;
  private final long idleNanos;
  private final long sweepMillis;
  private final Map<HttpConnection, Tracked> open = new HashMap<>();
  private Vertx vertx;
  private long timer = -1;

  public ConnectionDeadlines(HttpServerOptions options) {
    this.headerNanos = TimeUnit.MILLISECONDS.toNanos(options.headerTimeoutMillis());
    this.readNanos = TimeUnit.MILLISECONDS.toNanos(options.readTimeoutMillis());
    this.writeNanos = TimeUnit.MILLISECONDS.toNanos(options.writeTimeoutMillis());
    this.idleNanos = TimeUnit.MILLISECONDS.toNanos(options.idleTimeoutMillis());
    long shortest = Math.min(Math.min(options.headerTimeoutMillis(), options.idleTimeoutMillis()),
        Math.min(options.readTimeoutMillis(), options.writeTimeoutMillis()));
    // A deadline is kept to within a quarter of the shortest timeout, and a second at most.
    this.sweepMillis = Math.max(50, Math.min(1000, shortest / 4));
  }

  /** Starts the sweep on the calling verticle's event loop. */
  public void start(Vertx vertx) {
    this.vertx = vertx;
    timer = vertx.setPeriodic(sweepMillis, id -> sweep(System.nanoTime()));
  }

  public void stop() {
    if (vertx != null) {
      vertx.cancelTimer(timer);
    }
  }

  /** The server's connection handler: the header deadline starts. */
  public void opened(HttpConnection connection) {
    Tracked tracked = new Tracked(connection, System.nanoTime() + headerNanos);
    open.put(connection, tracked);
    connection.closeHandler(v -> open.remove(connection));
  }

  /** Called first in the server's request handler: the head has arrived. */
  public void request(HttpServerRequest request) {
    Tracked tracked = open.get(request.connection());
    if (tracked == null) {
      return;
    }
    long now = System.nanoTime();
    if (request.version() == HttpVersion.HTTP_2) {
      // Streams share the connection: only its idleness is tracked (no read or write deadline).
      tracked.active++;
      tracked.deadline = Long.MAX_VALUE;
    } else {
      tracked.request = request;
      tracked.readBy = now + readNanos;
      tracked.deadline = now + writeNanos;
    }
    request.response().endHandler(tracked);
  }

  private void sweep(long now) {
    Iterator<Tracked> it = open.values().iterator();
    while (it.hasNext()) {
      Tracked tracked = it.next();
      HttpServerRequest request = tracked.request;
      if (request != null && request.response().ended()) {
        // Its end handler was replaced by someone else's (a router's): the idle time starts now.
        tracked.handle(null);
      } else if (request != null && now - tracked.readBy > 0 && !request.isEnded()) {
        // Closed once the 408 is out; should the client not even take that, at the next deadline.
        tracked.request = null;
        tracked.deadline = now + headerNanos;
        bodyTooSlow(request);
      } else if (now - tracked.deadline > 0 && tracked.deadline != Long.MAX_VALUE) {
        it.remove();
        tracked.connection.close();
      }
    }
  }

  // The client stopped sending its body: it is told so (Tyk's error shape), and an HTTP/1
  // connection, whose remaining bytes would be read as the next request, is closed. On HTTP/2 only
  // the stream ends: the connection's other streams go on.
  static void bodyTooSlow(HttpServerRequest request) {
    HttpServerResponse response = request.response();
    HttpConnection connection = request.connection();
    boolean http2 = request.version() == HttpVersion.HTTP_2;
    if (response.headWritten() || response.ended() || response.closed()) {
      if (http2) {
        response.reset();
      } else {
        connection.close();
      }
      return;
    }
    if (http2) {
      HttpErrors.send(response, 408, BODY_TIMEOUT);
      return;
    }
    response.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    HttpErrors.send(response, 408, BODY_TIMEOUT).onComplete(v -> connection.close());
  }

  /** One connection's deadline; its own response end handler, so a request allocates nothing. */
  private final class Tracked implements Handler<Void> {
    final HttpConnection connection;
    long deadline;
    long readBy;
    HttpServerRequest request;
    int active;

    Tracked(HttpConnection connection, long deadline) {
      this.connection = connection;
      this.deadline = deadline;
    }

    @Override
    public void handle(Void ended) {
      request = null;
      if (active > 0 && --active > 0) {
        return;
      }
      deadline = System.nanoTime() + idleNanos;
    }
  }
}
