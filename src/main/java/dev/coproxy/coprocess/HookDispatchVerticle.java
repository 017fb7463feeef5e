package dev.coproxy.coprocess;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.coproxy.bus.CoprocessAddresses;
import dev.coproxy.bus.LoopLocal;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;

/**
 * Routes hook calls from the request path to the driver named in each call, with the call's
 * deadline as the send timeout (a late reply is dropped by the event bus). Checks what comes back:
 * a driver may reply with a {@code coprocess.Object} or with its protobuf bytes; anything else, or
 * bytes that do not parse, is a bad reply. Every hop is local: a hook never crosses to another node.
 */
public final class HookDispatchVerticle extends VerticleBase {

  @Override
  public Future<?> start() {
    return LoopLocal.consume(vertx, context, CoprocessAddresses.DISPATCH, this::dispatch);
  }

  private void dispatch(Message<dev.coproxy.proto.Object> message) {
    String driver = message.headers().get(CoprocessAddresses.HEADER_DRIVER);
    String deadlineHeader = message.headers().get(CoprocessAddresses.HEADER_DEADLINE);
    if (driver == null || driver.isEmpty() || deadlineHeader == null) {
      message.fail(HookFailure.Reason.ERROR.code(), "hook call without driver or deadline");
      return;
    }
    HookRelay.forward(vertx, LoopLocal.pick(vertx, CoprocessAddresses.driver(driver)), message, Long.parseLong(deadlineHeader),
        "deadline passed before dispatch").onComplete(ar -> {
      if (ar.failed()) {
        HookFailure failure = HookFailure.from(ar.cause());
        boolean noDriver = ar.cause() instanceof io.vertx.core.eventbus.ReplyException reply
            && reply.failureType() == io.vertx.core.eventbus.ReplyFailure.NO_HANDLERS;
        String text = noDriver ? "driver " + driver + " is not available: no driver verticle is running for it" : failure.getMessage();
        message.fail(failure.reason().code(), text);
        return;
      }
      dev.coproxy.proto.Object reply = asObject(ar.result().body());
      if (reply == null) {
        message.fail(HookFailure.Reason.BAD_REPLY.code(), "driver " + driver + " replied with something that is not a coprocess.Object");
      } else {
        message.reply(reply, new DeliveryOptions().setLocalOnly(true));
      }
    });
  }

  private static dev.coproxy.proto.Object asObject(Object body) {
    if (body instanceof dev.coproxy.proto.Object object) {
      return object;
    }
    byte[] bytes = body instanceof Buffer buffer ? buffer.getBytes() : body instanceof byte[] raw ? raw : null;
    if (bytes == null) {
      return null;
    }
    try {
      return dev.coproxy.proto.Object.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }
}
