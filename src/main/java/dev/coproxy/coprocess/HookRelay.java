package dev.coproxy.coprocess;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;

/**
 * Sends a hook call on to the next address (a driver's event-loop front to its workers) with the call's headers, locally, and with the time left before its deadline as
 * the send timeout; no time left is a {@link HookFailure.Reason#TIMEOUT} without a send.
 */
final class HookRelay {

  private HookRelay() {
  }

  static <T> Future<Message<T>> forward(Vertx vertx, String address, Message<?> call, long deadlineMillis, String late) {
    long remaining = deadlineMillis - System.currentTimeMillis();
    if (remaining <= 0) {
      return Future.failedFuture(new HookFailure(HookFailure.Reason.TIMEOUT, late));
    }
    DeliveryOptions options = new DeliveryOptions().setLocalOnly(true).setSendTimeout(remaining).setHeaders(call.headers());
    return vertx.eventBus().request(address, call.body(), options);
  }
}
