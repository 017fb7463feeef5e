package dev.coproxy.coprocess.grpc;

import io.vertx.core.VertxException;
import io.vertx.grpc.common.GrpcStatus;

/**
 * A call that ended with a non-OK gRPC status and the server's description of it
 * ({@code grpc-message}, e.g. the message of the exception the plugin raised), which the plugin
 * author needs to see in the log and the debug headers.
 */
final class StatusFailure extends VertxException {

  private final GrpcStatus status;

  StatusFailure(GrpcStatus status, String description) {
    super(description, true);
    this.status = status;
  }

  GrpcStatus status() {
    return status;
  }
}
