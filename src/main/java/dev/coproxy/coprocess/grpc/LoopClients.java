package dev.coproxy.coprocess.grpc;

import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The clients of one driver: one per event loop that makes calls, made on its first call, and a
 * shared one for every other thread. A client's HTTP/2 connection is opened by the loop that uses
 * it, so a hook call made on an event loop is written, answered and completed on that loop, with no
 * hand-over to the thread of a connection another loop opened. Each target thus has one multiplexed
 * connection per event loop (plus the shared client's, used by probes and events).
 *
 * @param <C> the client type (an HTTP client for {@link UnaryCalls})
 */
final class LoopClients<C> {

  private final Supplier<C> factory;
  private final Function<C, Future<Void>> closer;
  private final C shared;
  private final Map<Thread, C> loops = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /**
   * @param factory makes a client; each has a connection pool of its own
   * @param closer closes a client made by {@code factory}
   */
  LoopClients(Supplier<C> factory, Function<C, Future<Void>> closer) {
    this.factory = factory;
    this.closer = closer;
    this.shared = factory.get();
  }

  /** The client for calls made on the current thread. */
  C current() {
    if (closed || !Context.isOnEventLoopThread()) {
      return shared;
    }
    Thread thread = Thread.currentThread();
    C client = loops.get(thread);
    return client != null ? client : loops.computeIfAbsent(thread, t -> factory.get());
  }

  /** The client of threads that are not event loops. */
  C shared() {
    return shared;
  }

  /** Closes every client; calls made afterwards go to the (closed) shared client and fail. */
  Future<Void> close() {
    closed = true;
    List<Future<Void>> all = new ArrayList<>();
    all.add(closer.apply(shared));
    loops.values().forEach(client -> all.add(closer.apply(client)));
    loops.clear();
    return Future.all(all).mapEmpty();
  }
}
