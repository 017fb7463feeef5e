package dev.coproxy.coprocess;

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
 * {@code .reload}. Deploy it as a worker verticle for drivers that block. A driver whose dispatch
 * never blocks can instead be shared by one instance per event loop ({@link #perEventLoop}): a hook
 * call then stays on the caller's loop, while events, reloads and the closing run off the loops.
 */
public final class DriverVerticle extends VerticleBase {

  private static final System.Logger LOG = System.getLogger(DriverVerticle.class.getName());
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final CoprocessDriver driver;
  /** Instances sharing the driver that are still deployed; null when this instance owns it. */
  private final AtomicInteger sharing;

  public DriverVerticle(CoprocessDriver driver) {
    this(driver, null);
  }

  private DriverVerticle(CoprocessDriver driver, AtomicInteger sharing) {
    this.driver = driver;
    this.sharing = sharing;
  }

  /**
   * Instances sharing one driver whose {@code dispatch} never blocks, to deploy as standard
   * verticles, one per event loop; the last one undeployed closes the driver.
   */
  public static Supplier<DriverVerticle> perEventLoop(CoprocessDriver driver) {
    AtomicInteger sharing = new AtomicInteger();
    return () -> new DriverVerticle(driver, sharing);
  }

  @Override
  public Future<?> start() {
    String address = CoprocessAddresses.driver(driver.name());
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
          message.headers().get(CoprocessAddresses.HEADER_CALL_ID)));
    } catch (RuntimeException e) {
      reply = Future.failedFuture(e);
    }
    reply.onComplete(ar -> {
      if (ar.succeeded()) {
        message.reply(ar.result(), LOCAL);
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
