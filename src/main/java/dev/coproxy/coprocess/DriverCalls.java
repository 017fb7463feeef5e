package dev.coproxy.coprocess;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.coproxy.bus.CoprocessAddresses;
import dev.coproxy.bus.LoopLocal;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
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

  /** The address of driver {@code driver}'s hook calls, to {@link #send} to. */
  public static LoopLocal.Target address(Vertx vertx, String driver) {
    return LoopLocal.target(vertx, CoprocessAddresses.driver(driver));
  }

  /** Sends {@code object} to driver {@code driver} at its {@link #address}; local delivery only. */
  public static Future<dev.coproxy.proto.Object> send(Vertx vertx, LoopLocal.Target address, String driver,
      dev.coproxy.proto.Object object, DeliveryOptions options) {
    return request(vertx, address, object, options).transform(ar -> {
      try {
        return Future.succeededFuture(reply(driver, ar));
      } catch (HookFailure failure) {
        return Future.failedFuture(failure);
      }
    });
  }

  /**
   * Sends {@code object} to a driver's {@link #address}, local delivery only; {@link #reply} reads
   * the outcome (for a caller with a stage of its own to read it in).
   */
  public static Future<Message<Object>> request(Vertx vertx, LoopLocal.Target address, dev.coproxy.proto.Object object,
      DeliveryOptions options) {
    return vertx.eventBus().request(address.pick(), object, options.setLocalOnly(true));
  }

  /**
   * The driver's reply to a {@link #request}.
   *
   * @throws HookFailure when the call failed or the reply is not a {@code coprocess.Object}
   */
  public static dev.coproxy.proto.Object reply(String driver, AsyncResult<Message<Object>> outcome) {
    if (outcome.failed()) {
      throw failure(driver, outcome.cause());
    }
    dev.coproxy.proto.Object reply = asObject(outcome.result().body());
    if (reply == null) {
      throw new HookFailure(HookFailure.Reason.BAD_REPLY, "driver " + driver + " replied with something that is not a coprocess.Object");
    }
    return reply;
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
