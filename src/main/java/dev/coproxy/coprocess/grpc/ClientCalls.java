package dev.coproxy.coprocess.grpc;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.client.InvalidStatusException;
import java.util.concurrent.TimeUnit;

/** Calls through Vert.x's gRPC client, one client per event loop ({@link LoopClients}). */
final class ClientCalls implements DispatcherCalls {

  private final LoopClients<GrpcClient> clients;

  /** @param grpc should schedule deadlines automatically, so that a deadline cancels its call */
  ClientCalls(Vertx vertx, GrpcClientOptions grpc, HttpClientOptions http) {
    this.clients = new LoopClients<>(() -> GrpcClient.builder(vertx).with(grpc).with(http).build(), GrpcClient::close);
  }

  @Override
  public Future<Call> open(SocketAddress address, String fullMethodName) {
    return clients.current().request(address).map(request -> new Unary(quiet(request).fullMethodName(fullMethodName)));
  }

  @Override
  public Future<Void> probe(SocketAddress address) {
    return clients.shared().request(address).map(request -> {
      quiet(request).cancel();
      return null;
    });
  }

  @Override
  public Future<Void> close() {
    return clients.close();
  }

  // A call's failures reach its response future; without a handler Vert.x also logs each as SEVERE.
  private static GrpcClientRequest<Buffer, Buffer> quiet(GrpcClientRequest<Buffer, Buffer> request) {
    request.exceptionHandler(e -> { });
    return request;
  }

  private record Unary(GrpcClientRequest<Buffer, Buffer> request) implements Call {

    @Override
    public Future<Buffer> send(Buffer message, long timeoutMillis, java.util.Map<String, String> metadata) {
      metadata.forEach(request.headers()::set);
      if (timeoutMillis > 0) {
        request.timeout(timeoutMillis, TimeUnit.MILLISECONDS);
      }
      return request.send(message).compose(response -> response.last().recover(e -> Future.failedFuture(described(e, response))));
    }

    // The status description is on the response, not on the exception the client fails with.
    private static Throwable described(Throwable e, GrpcClientResponse<Buffer, Buffer> response) {
      String description = response.statusMessage();
      return e instanceof InvalidStatusException status && description != null && !description.isEmpty()
          ? new StatusFailure(status.actualStatus(), description) : e;
    }

    @Override
    public void cancel() {
      request.cancel();
    }
  }
}
