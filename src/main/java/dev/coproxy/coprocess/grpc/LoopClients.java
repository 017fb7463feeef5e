package dev.coproxy.coprocess.grpc;

import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.impl.HttpClientConnectionInternal;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.client.impl.GrpcClientImpl;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The gRPC clients of one driver: one per event loop that makes calls, made on its first call, and
 * a shared one for every other thread. A client's HTTP/2 connection is opened by the loop that uses
 * it, so a hook call made on an event loop is written, answered and completed on that loop, with no
 * hand-over to the thread of a connection another loop opened. Each target thus has one multiplexed
 * connection per event loop (plus the shared client's, used by probes and events).
 *
 * <p>Each connection consolidates its flushes: a call writes its headers, its message and the end
 * of its stream in separate steps, each of which would otherwise be a write to the socket. The
 * calls a loop makes in one turn go out in one write at the end of the turn instead.
 */
final class LoopClients {

  /** Flushes held back at most before one is let through (Netty's default). */
  private static final int MAX_HELD_FLUSHES = 256;

  private final Vertx vertx;
  private final GrpcClientOptions grpc;
  private final HttpClientOptions http;
  private final GrpcClient shared;
  private final Map<Thread, GrpcClient> loops = new ConcurrentHashMap<>();
  private volatile boolean closed;

  LoopClients(Vertx vertx, GrpcClientOptions grpc, HttpClientOptions http) {
    this.vertx = vertx;
    this.grpc = grpc;
    this.http = http;
    this.shared = create();
  }

  /** The client for calls made on the current thread. */
  GrpcClient current() {
    if (closed || !Context.isOnEventLoopThread()) {
      return shared;
    }
    Thread thread = Thread.currentThread();
    GrpcClient client = loops.get(thread);
    return client != null ? client : loops.computeIfAbsent(thread, t -> create());
  }

  /** The client of threads that are not event loops. */
  GrpcClient shared() {
    return shared;
  }

  /** Closes every client; calls made afterwards go to the (closed) shared client and fail. */
  Future<Void> close() {
    closed = true;
    List<Future<Void>> all = new ArrayList<>();
    all.add(shared.close());
    loops.values().forEach(client -> all.add(client.close()));
    loops.clear();
    return Future.all(all).mapEmpty();
  }

  private GrpcClient create() {
    HttpClient transport = vertx.httpClientBuilder().with(http).withConnectHandler(LoopClients::consolidateFlushes).build();
    // The only constructor that takes both the gRPC options and a transport built here.
    return new GrpcClientImpl(vertx, grpc, transport, true) { };
  }

  private static void consolidateFlushes(HttpConnection connection) {
    if (connection instanceof HttpClientConnectionInternal internal) {
      internal.channelHandlerContext().pipeline().addFirst(new FlushConsolidationHandler(MAX_HELD_FLUSHES, true));
    }
  }
}
