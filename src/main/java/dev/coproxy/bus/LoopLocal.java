package dev.coproxy.bus;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.shareddata.LocalMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps a hook's event-bus hops on the event loop it started on when possible. A consumer on an
 * event loop also listens on {@code <address>@<event-loop thread>}; a sender on that thread then
 * uses that address, so delivery needs no hand-over to another thread (on two cores, that hand-over
 * was most of a hook's added latency). Without such a consumer the shared address is used. The set
 * of loop-local addresses lives in the Vert.x instance's local shared data, not in static state.
 */
public final class LoopLocal {

  /** The local map (in the Vert.x instance's shared data) of the loop-local addresses in use. */
  static final String MAP = "coproxy.loop-local-addresses";

  private LoopLocal() {
  }

  /** The address to send to from the current thread. */
  public static String pick(Vertx vertx, String address) {
    String local = address + "@" + Thread.currentThread().getName();
    LocalMap<String, Boolean> addresses = vertx.sharedData().getLocalMap(MAP);
    return addresses.containsKey(local) ? local : address;
  }

  /** {@code address} as its senders use it: {@link #pick()} is {@link LoopLocal#pick} remembered per thread. */
  public static Target target(Vertx vertx, String address) {
    return new Target(vertx, address);
  }

  /**
   * One address's picks, kept per thread once a thread's loop-local consumer is found (consumers
   * are registered at deployment and the set only grows), so a hook call's hop neither builds nor
   * hashes a new address string.
   */
  public static final class Target {

    private final Vertx vertx;
    private final String address;
    private final Map<Thread, String> local = new ConcurrentHashMap<>();

    private Target(Vertx vertx, String address) {
      this.vertx = vertx;
      this.address = address;
    }

    /** The address to send to from the current thread. */
    public String pick() {
      Thread thread = Thread.currentThread();
      String known = local.get(thread);
      if (known != null) {
        return known;
      }
      String picked = LoopLocal.pick(vertx, address);
      if (!picked.equals(address)) {
        local.put(thread, picked);
      }
      return picked;
    }
  }

  /**
   * Registers {@code handler} on the loop-local address of {@code address} only (an event-loop
   * context's own instance, which senders on other threads never reach).
   */
  public static <T> Future<Void> consumeOwn(Vertx vertx, Context context, String address, Handler<Message<T>> handler) {
    if (!context.isEventLoopContext()) {
      return Future.failedFuture("a loop-local consumer needs an event-loop context");
    }
    String local = address + "@" + Thread.currentThread().getName();
    return vertx.eventBus().<T>localConsumer(local, handler).completion().map(v -> {
      vertx.sharedData().<String, Boolean>getLocalMap(MAP).put(local, true);
      return null;
    });
  }

  /**
   * Registers {@code handler} on {@code address} and, on an event-loop context, also on the
   * loop-local address.
   */
  public static <T> Future<Void> consume(Vertx vertx, Context context, String address, Handler<Message<T>> handler) {
    MessageConsumer<T> shared = vertx.eventBus().localConsumer(address, handler);
    if (!context.isEventLoopContext()) {
      return shared.completion();
    }
    String local = address + "@" + Thread.currentThread().getName();
    MessageConsumer<T> own = vertx.eventBus().localConsumer(local, handler);
    return Future.all(shared.completion(), own.completion()).map(v -> {
      vertx.sharedData().<String, Boolean>getLocalMap(MAP).put(local, true);
      return null;
    });
  }
}
