package dev.coproxy.coprocess.grpc;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.SocketAddress;

/**
 * How {@link GrpcDriver} reaches the plugin server: unary calls of {@code coprocess.Dispatcher}
 * whose messages the driver codes itself, made by {@link UnaryCalls}.
 */
interface DispatcherCalls {

  /**
   * Gets a stream to the server at {@code address} for {@code fullMethodName}, on the connection of
   * the calling event loop (opening it when there is none), without sending anything yet. Fails
   * when the server cannot be reached.
   */
  Future<Call> open(SocketAddress address, String fullMethodName);

  /** Opens a stream on the connection that probes and other threads share, and drops it at once. */
  Future<Void> probe(SocketAddress address);

  /** Closes every connection; later calls fail. */
  Future<Void> close();

  /** One unary call. */
  interface Call {

    /**
     * Sends one message; completes with the reply's bytes. With {@code timeoutMillis > 0} the
     * server is told the deadline, and the call is cancelled when it passes (status
     * {@code DEADLINE_EXCEEDED} or {@code CANCELLED}). A non-OK status fails with
     * {@link io.vertx.grpc.client.InvalidStatusException}. {@code metadata} goes with the call as
     * gRPC metadata (the trace context); empty for none.
     */
    Future<Buffer> send(com.google.protobuf.MessageLite message, long timeoutMillis, java.util.Map<String, String> metadata);

    /** Resets the stream, so that the server sees the call cancelled. */
    void cancel();
  }
}
