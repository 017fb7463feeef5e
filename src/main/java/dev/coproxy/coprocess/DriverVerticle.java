package dev.coproxy.coprocess;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.lang.System.Logger.Level;
import java.util.List;

/**
 * Puts a {@link CoprocessDriver} on the event bus: hooks on {@code coproxy.driver.<name>} (local
 * consumer, {@code coprocess.Object} in and out), events on {@code .event} and reloads on
 * {@code .reload}. Deploy it as a worker verticle for drivers that block.
 *
 * <p>A front ({@link #front}) is an instance on an event loop in front of the worker instances: it
 * takes the hook calls sent from its own loop (loop-local address only, no events or reloads) and
 * hands a call its driver answers with {@link RunElsewhere} to the shared address, where the
 * workers take it.
 */
public final class DriverVerticle extends VerticleBase {

  private static final System.Logger LOG = System.getLogger(DriverVerticle.class.getName());
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final CoprocessDriver driver;
  private final boolean front;
  /** A front's calls answered on its loop, and those handed to the workers; null otherwise. */
  private final Counter onLoop;
  private final Counter handedOver;

  public DriverVerticle(CoprocessDriver driver) {
    this.driver = driver;
    this.front = false;
    this.onLoop = null;
    this.handedOver = null;
  }

  private DriverVerticle(CoprocessDriver driver, MeterRegistry meters) {
    this.driver = driver;
    this.front = true;
    this.onLoop = loopCounter(meters, driver.name(), "event_loop");
    this.handedOver = loopCounter(meters, driver.name(), "handed_over");
  }

  /**
   * An event-loop instance in front of the driver's worker instances; it counts its calls in
   * {@code coproxy_hook_front_total{driver,result}} ({@code event_loop} or {@code handed_over}).
   */
  public static DriverVerticle front(CoprocessDriver driver, MeterRegistry meters) {
    return new DriverVerticle(driver, meters);
  }

  private static Counter loopCounter(MeterRegistry meters, String driver, String result) {
    return Counter.builder("coproxy.hook.front").description("Hook calls a driver's event-loop instance answered itself or handed to its workers")
        .tag("driver", driver).tag("result", result).register(meters);
  }

  @Override
  public Future<?> start() {
    String address = CoprocessAddresses.driver(driver.name());
    if (front) {
      return LoopLocal.<dev.coproxy.proto.Object>consumeOwn(vertx, context, address, this::hook);
    }
    Future<Void> hooks = LoopLocal.<dev.coproxy.proto.Object>consume(vertx, context, address, this::hook);
    MessageConsumer<String> events = vertx.eventBus().localConsumer(address + CoprocessAddresses.EVENT_SUFFIX,
        message -> driver.dispatchEvent(message.body(), CoprocessAddresses.splitDirs(message.headers().get(CoprocessAddresses.HEADER_PLUGIN_DIRS)))
            .onComplete(ar -> answer(message, ar.cause())));
    MessageConsumer<Object> reloads = vertx.eventBus().localConsumer(address + CoprocessAddresses.RELOAD_SUFFIX,
        message -> driver.reload().onComplete(ar -> answer(message, ar.cause())));
    MessageConsumer<String> cancels = vertx.eventBus().localConsumer(address + CoprocessAddresses.CANCEL_SUFFIX,
        message -> driver.cancel(message.body()));
    return Future.all(List.of(hooks, events.completion(), reloads.completion(), cancels.completion()));
  }

  @Override
  public Future<?> stop() {
    return driver.close();
  }

  private void hook(Message<dev.coproxy.proto.Object> message) {
    String deadline = message.headers().get(CoprocessAddresses.HEADER_DEADLINE);
    long deadlineMillis = deadline == null ? System.currentTimeMillis() + 5000 : Long.parseLong(deadline);
    Future<dev.coproxy.proto.Object> reply;
    try {
      reply = driver.dispatch(new CoprocessDriver.HookCall(message.body(),
          message.headers().get(CoprocessAddresses.HEADER_API_ID), deadlineMillis,
          CoprocessAddresses.splitDirs(message.headers().get(CoprocessAddresses.HEADER_PLUGIN_DIRS)),
          message.headers().get(CoprocessAddresses.HEADER_CALL_ID)));
    } catch (RuntimeException e) {
      reply = Future.failedFuture(e);
    }
    reply.onComplete(ar -> {
      if (front) {
        (ar.cause() instanceof RunElsewhere ? handedOver : onLoop).increment();
      }
      if (ar.succeeded()) {
        message.reply(ar.result(), LOCAL);
      } else if (front && ar.cause() instanceof RunElsewhere) {
        handOver(message, deadlineMillis);
      } else {
        HookFailure failure = HookFailure.from(ar.cause());
        message.fail(failure.reason().code(), failure.getMessage());
      }
    });
  }

  // To the workers on the shared address, with the call's headers; their answer goes back as is.
  private void handOver(Message<dev.coproxy.proto.Object> message, long deadlineMillis) {
    long remaining = deadlineMillis - System.currentTimeMillis();
    if (remaining <= 0) {
      message.fail(HookFailure.Reason.TIMEOUT.code(), "deadline passed before a worker instance took the call");
      return;
    }
    DeliveryOptions options = new DeliveryOptions().setLocalOnly(true).setSendTimeout(remaining).setHeaders(message.headers());
    vertx.eventBus().<dev.coproxy.proto.Object>request(CoprocessAddresses.driver(driver.name()), message.body(), options)
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
