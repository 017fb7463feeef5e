package dev.coproxy.coprocess;

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
 */
public final class DriverVerticle extends VerticleBase {

  private static final System.Logger LOG = System.getLogger(DriverVerticle.class.getName());
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final CoprocessDriver driver;

  public DriverVerticle(CoprocessDriver driver) {
    this.driver = driver;
  }

  @Override
  public Future<?> start() {
    String address = CoprocessAddresses.driver(driver.name());
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
