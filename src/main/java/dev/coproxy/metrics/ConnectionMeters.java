package dev.coproxy.metrics;

import io.vertx.core.net.SocketAddress;
import java.util.concurrent.atomic.LongAdder;

/**
 * The per-connection part of Vert.x's HTTP metrics, the same on the server and the client side:
 * open connections, bytes read and written, errors, and open WebSockets.
 */
abstract class ConnectionMeters {

  final HttpSide side;

  ConnectionMeters(HttpSide side) {
    this.side = side;
  }

  public HttpSide.Connections connected(SocketAddress remoteAddress, String remoteName) {
    HttpSide.Connections connections = side.connections.get();
    connections.active().increment();
    return connections;
  }

  public void disconnected(HttpSide.Connections connections, SocketAddress remoteAddress) {
    connections.active().decrement();
  }

  public void bytesRead(HttpSide.Connections connections, SocketAddress remoteAddress, long numberOfBytes) {
    connections.bytesRead().increment(numberOfBytes);
  }

  public void bytesWritten(HttpSide.Connections connections, SocketAddress remoteAddress, long numberOfBytes) {
    connections.bytesWritten().increment(numberOfBytes);
  }

  public void exceptionOccurred(HttpSide.Connections connections, SocketAddress remoteAddress, Throwable t) {
    side.errors.get().increment();
  }

  /** A WebSocket opened: counted in the open-WebSockets gauge until {@link #disconnected(LongAdder)}. */
  LongAdder webSocketOpened() {
    LongAdder open = side.webSockets.get();
    open.increment();
    return open;
  }

  public void disconnected(LongAdder webSockets) {
    webSockets.decrement();
  }
}
