package dev.coproxy.coprocess;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/**
 * Why a hook call failed. The reason is a metric label and decides nothing else: every failure of a
 * request hook answers 500 {@code Middleware error} (403 {@code Key not authorised} for auth), an
 * unavailable driver 500 {@code Internal Server Error}.
 */
public final class HookFailure extends RuntimeException {

  /** Failure reasons, with the event-bus failure code a driver uses for each. */
  public enum Reason {
    ERROR(500, "error"),
    TIMEOUT(504, "timeout"),
    UNAVAILABLE(503, "unavailable"),
    BAD_REPLY(502, "bad_reply");

    private final int code;
    private final String label;

    Reason(int code, String label) {
      this.code = code;
      this.label = label;
    }

    /** The code used in {@code Message.fail}. */
    public int code() {
      return code;
    }

    /** The metric label. */
    public String label() {
      return label;
    }

    static Reason ofCode(int code) {
      for (Reason reason : values()) {
        if (reason.code == code) {
          return reason;
        }
      }
      return ERROR;
    }
  }

  private final Reason reason;

  public HookFailure(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  /** Maps an event-bus failure (timeout, no handler, a driver's {@code fail}) to a hook failure. */
  public static HookFailure from(Throwable cause) {
    if (cause instanceof HookFailure failure) {
      return failure;
    }
    if (cause instanceof ReplyException reply) {
      if (reply.failureType() == ReplyFailure.TIMEOUT) {
        return new HookFailure(Reason.TIMEOUT, "no answer before the deadline");
      }
      if (reply.failureType() == ReplyFailure.NO_HANDLERS) {
        return new HookFailure(Reason.UNAVAILABLE, "no driver is listening");
      }
      return new HookFailure(Reason.ofCode(reply.failureCode()), String.valueOf(reply.getMessage()));
    }
    return new HookFailure(Reason.ERROR, cause.getClass().getSimpleName() + ": " + cause.getMessage());
  }
}
