package dev.coproxy.coprocess;

import dev.coproxy.bus.CoprocessAddresses;
import dev.coproxy.bus.LoopLocal;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Puts a {@link CoprocessDriver} on the event bus: hooks on {@code coproxy.driver.<name>} (local
 * consumer, {@code coprocess.Object} in and out), events on {@code .event} and reloads on
 * {@code .reload}. Deploy it in one of three ways:
 * <ul>
 *   <li>as a worker verticle owning its driver, for drivers that block;</li>
 *   <li>{@link #perEventLoop}: one instance per event loop sharing a driver whose dispatch never
 *   blocks, so a hook call stays on the caller's loop, while events, reloads and the closing run
 *   off the loops;</li>
 *   <li>{@link #front}: an instance on an event loop in front of the driver's worker instances. It
 *   takes the hook calls sent from its own loop (loop-local address only, no events or reloads)
 *   and hands a call its driver answers with {@link RunElsewhere} to the shared address, where the
 *   workers take it.</li>
 * </ul>
 */
public final class DriverVerticle extends VerticleBase {

  private static final System.Logger LOG = System.getLogger(DriverVerticle.class.getName());
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final CoprocessDriver driver;
  /** Instances sharing the driver that are still deployed; null when this instance owns it. */
  private final AtomicInteger sharing;
  /** A front's calls answered on its loop, and those handed to the workers; null otherwise. */
  private final Counter onLoop;
  private final Counter handedOver;

  public DriverVerticle(CoprocessDriver driver) {
    this(driver, null, null);
  }

  private DriverVerticle(CoprocessDriver driver, AtomicInteger sharing, MeterRegistry frontMeters) {
    this.driver = driver;
    this.sharing = sharing;
    this.onLoop = frontMeters == null ? null : frontCounter(frontMeters, driver.name(), "event_loop");
    this.handedOver = frontMeters == null ? null : frontCounter(frontMeters, driver.name(), "handed_over");
  }

  /**
   * Instances sharing one driver whose {@code dispatch} never blocks, to deploy as standard
   * verticles, one per event loop; the last one undeployed closes the driver.
   */
  public static Supplier<DriverVerticle> perEventLoop(CoprocessDriver driver) {
    AtomicInteger sharing = new AtomicInteger();
    return () -> new DriverVerticle(driver, sharing, null);
  }

  /**
   * An event-loop instance in front of the driver's worker instances; it counts its calls in
   * {@code coproxy_hook_front_total{driver,result}} ({@code event_loop} or {@code handed_over}).
   */
  public static DriverVerticle front(CoprocessDriver driver, MeterRegistry meters) {
    return new DriverVerticle(driver, null, meters);
  }

  private static Counter frontCounter(MeterRegistry meters, String driver, String result) {
    return Counter.builder("coproxy.hook.front").description("Hook calls a driver's event-loop instance answered itself or handed to its workers")
        .tag("driver", driver).tag("result", result).register(meters);
  }

  private boolean front() {
    return onLoop != null;
  }

  @Override
  public Future<?> start() {
    String address = CoprocessAddresses.driver(driver.name());
    if (front()) {
      return LoopLocal.<dev.coproxy.proto.Object>consumeOwn(vertx, context, address, this::hook);
    }
    Future<Void> hooks = LoopLocal.<dev.coproxy.proto.Object>consume(vertx, context, address, this::hook);
    if (sharing != null) {
      sharing.incrementAndGet();
    }
    MessageConsumer<String> events = vertx.eventBus().localConsumer(address + CoprocessAddresses.EVENT_SUFFIX,
        message -> offLoop(() -> driver.dispatchEvent(message.body(),
            CoprocessAddresses.splitDirs(message.headers().get(CoprocessAddresses.HEADER_PLUGIN_DIRS))))
            .onComplete(ar -> answer(message, ar.cause())));
    MessageConsumer<Object> reloads = vertx.eventBus().localConsumer(address + CoprocessAddresses.RELOAD_SUFFIX,
        message -> offLoop(driver::reload).onComplete(ar -> answer(message, ar.cause())));
    MessageConsumer<String> cancels = vertx.eventBus().localConsumer(address + CoprocessAddresses.CANCEL_SUFFIX,
        message -> driver.cancel(message.body()));
    return Future.all(List.of(hooks, events.completion(), reloads.completion(), cancels.completion()));
  }

  @Override
  public Future<?> stop() {
    if (sharing == null) {
      return driver.close();
    }
    return sharing.decrementAndGet() == 0 ? offLoop(driver::close) : Future.succeededFuture();
  }

  // A shared instance runs on an event loop: what may block goes to a worker thread.
  private <T> Future<T> offLoop(Callable<Future<T>> action) {
    if (sharing == null) {
      try {
        return action.call();
      } catch (Exception e) {
        return Future.failedFuture(e);
      }
    }
    return vertx.executeBlocking(action, false).compose(result -> result);
  }

  private void hook(Message<dev.coproxy.proto.Object> message) {
    String deadline = message.headers().get(CoprocessAddresses.HEADER_DEADLINE);
    long deadlineMillis = deadline == null ? System.currentTimeMillis() + 5000 : Long.parseLong(deadline);
    Future<dev.coproxy.proto.Object> reply;
    try {
      reply = driver.dispatch(new CoprocessDriver.HookCall(message.body(),
          message.headers().get(CoprocessAddresses.HEADER_API_ID), deadlineMillis,
          CoprocessAddresses.splitDirs(message.headers().get(CoprocessAddresses.HEADER_PLUGIN_DIRS)),
          message.headers().get(CoprocessAddresses.HEADER_CALL_ID),
          message.headers().get(CoprocessAddresses.HEADER_TRACEPARENT),
          message.headers().get(CoprocessAddresses.HEADER_TRACESTATE)));
    } catch (RuntimeException e) {
      reply = Future.failedFuture(e);
    }
    reply.onComplete(ar -> {
      if (front()) {
        (ar.cause() instanceof RunElsewhere ? handedOver : onLoop).increment();
      }
      if (ar.succeeded()) {
        message.reply(ar.result(), LOCAL);
      } else if (front() && ar.cause() instanceof RunElsewhere) {
        handOver(message, deadlineMillis);
      } else {
        HookFailure failure = HookFailure.from(ar.cause());
        message.fail(failure.reason().code(), failure.getMessage());
      }
    });
  }

  // To the workers on the shared address, with the call's headers; their answer goes back as is.
  private void handOver(Message<dev.coproxy.proto.Object> message, long deadlineMillis) {
    HookRelay.<dev.coproxy.proto.Object>forward(vertx, CoprocessAddresses.driver(driver.name()), message, deadlineMillis,
            "deadline passed before a worker instance took the call")
        .onComplete(ar -> {
          if (ar.succeeded()) {
            message.reply(ar.result().body(), LOCAL);
          } else {
            HookFailure failure = HookFailure.from(ar.cause());
            message.fail(failure.reason().code(), failure.getMessage());
          }
        });
  }

  private void answer(Message<?> message, Throwable failure) {
    if (failure != null) {
      LOG.log(Level.WARNING, "driver " + driver.name() + ": " + failure.getMessage());
    }
    if (message.replyAddress() != null) {
      if (failure == null) {
        message.reply(null);
      } else {
        message.fail(HookFailure.Reason.ERROR.code(), String.valueOf(failure.getMessage()));
      }
    }
  }
}
