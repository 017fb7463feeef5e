package dev.coproxy.coprocess.grpc;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.grpc.client.GrpcClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The gRPC clients of one driver: one per event loop that makes calls, made on its first call, and
 * a shared one for every other thread. A client's HTTP/2 connection is opened by the loop that uses
 * it, so a hook call made on an event loop is written, answered and completed on that loop, with no
 * hand-over to the thread of a connection another loop opened. Each target thus has one multiplexed
 * connection per event loop (plus the shared client's, used by probes and events).
 */
final class LoopClients {

  private final Supplier<GrpcClient> factory;
  private final GrpcClient shared;
  private final Map<Thread, GrpcClient> loops = new ConcurrentHashMap<>();
  private volatile boolean closed;

  LoopClients(Supplier<GrpcClient> factory) {
    this.factory = factory;
    this.shared = factory.get();
  }

  /** The client for calls made on the current thread. */
  GrpcClient current() {
    if (closed || !Context.isOnEventLoopThread()) {
      return shared;
    }
    Thread thread = Thread.currentThread();
    GrpcClient client = loops.get(thread);
    return client != null ? client : loops.computeIfAbsent(thread, t -> factory.get());
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
}
