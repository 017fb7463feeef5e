package dev.coproxy.coprocess;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.coproxy.bus.CoprocessAddresses;
import dev.coproxy.bus.LoopLocal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/**
 * The one event-bus hop of a hook call: to the named driver's verticle ({@link DriverVerticle}),
 * on the caller's own event loop when the driver listens there ({@link LoopLocal}), and the checks
 * on what comes back. A driver may answer with a {@code coprocess.Object} or its protobuf bytes;
 * anything else, or bytes that do not parse, is a {@link HookFailure.Reason#BAD_REPLY}; a driver
 * that is not deployed is {@link HookFailure.Reason#UNAVAILABLE}. Every failure is a
 * {@link HookFailure}. The options carry the call's headers and its deadline as the send timeout.
 */
public final class DriverCalls {

  private DriverCalls() {
  }

  /** Sends {@code object} to driver {@code driver}; local delivery only. */
  public static Future<dev.coproxy.proto.Object> send(Vertx vertx, String driver, dev.coproxy.proto.Object object,
      DeliveryOptions options) {
    return vertx.eventBus().request(LoopLocal.pick(vertx, CoprocessAddresses.driver(driver)), object, options.setLocalOnly(true))
        .transform(ar -> {
          if (ar.failed()) {
            return Future.failedFuture(failure(driver, ar.cause()));
          }
          dev.coproxy.proto.Object reply = asObject(ar.result().body());
          return reply != null ? Future.succeededFuture(reply) : Future.failedFuture(new HookFailure(HookFailure.Reason.BAD_REPLY,
              "driver " + driver + " replied with something that is not a coprocess.Object"));
        });
  }

  private static HookFailure failure(String driver, Throwable cause) {
    if (cause instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS) {
      return new HookFailure(HookFailure.Reason.UNAVAILABLE, "driver " + driver + " is not available: no driver verticle is running for it");
    }
    return HookFailure.from(cause);
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
