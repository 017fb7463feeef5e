package dev.coproxy.coprocess.grpc;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.InvalidStatusException;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.MessageSizeOverflowException;

/**
 * gRPC's unary call written as a plain HTTP/2 request: headers and the one length-prefixed message
 * go out in a single write (Vert.x's gRPC client ends the stream with a second, empty DATA frame
 * in a second write), with {@code :authority} either
 * {@code grpc_authority} or the target's. The reply is read up to {@code grpc_recv_max_size} and
 * its {@code grpc-status} checked, in the trailers or, for an answer without a message, in the
 * headers. One HTTP client per event loop ({@link LoopClients}); the gateway's transport
 * ({@code app.BatchedHttp2Writes}) joins the writes of the calls a loop starts in one pass.
 */
final class UnaryCalls implements DispatcherCalls {

  /** HTTP/2's CANCEL error code, which gRPC servers read as a cancelled call. */
  private static final int CANCEL = 0x8;
  /** The message prefix: a compression flag and a 4-byte length. */
  private static final int PREFIX = 5;
  /** gRPC timeouts have at most 8 digits. */
  private static final long MAX_TIMEOUT_MILLIS = 99_999_999L;

  private final Vertx vertx;
  private final HostAndPort authority;
  /** The authority's host as the server name: an IPv6 literal without its brackets. */
  private final String serverName;
  private final long maxMessage;
  private final LoopClients<HttpClient> clients;

  /** @param authority the {@code :authority} of every call, and the TLS server name */
  UnaryCalls(Vertx vertx, HostAndPort authority, long maxMessage, HttpClientOptions http) {
    this.vertx = vertx;
    this.authority = authority;
    String host = authority.host();
    this.serverName = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    this.maxMessage = maxMessage;
    this.clients = new LoopClients<>(() -> vertx.createHttpClient(http), HttpClient::close);
  }

  @Override
  public Future<Call> open(SocketAddress address, String fullMethodName) {
    return clients.current().request(options(address, fullMethodName)).map(Unary::new);
  }

  @Override
  public Future<Void> probe(SocketAddress address) {
    return clients.shared().request(options(address, "coprocess.Dispatcher/Dispatch")).map(request -> {
      request.reset(CANCEL);
      return null;
    });
  }

  @Override
  public Future<Void> close() {
    return clients.close();
  }

  /** The message as gRPC frames it: not compressed, its length, its bytes; serialized in place. */
  static Buffer framed(MessageLite message) {
    int size = message.getSerializedSize();
    byte[] out = new byte[PREFIX + size];
    out[1] = (byte) (size >>> 24);
    out[2] = (byte) (size >>> 16);
    out[3] = (byte) (size >>> 8);
    out[4] = (byte) size;
    CodedOutputStream coded = CodedOutputStream.newInstance(out, PREFIX, size);
    try {
      message.writeTo(coded);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e); // cannot happen: the array has exactly the room
    }
    coded.checkNoSpaceLeft();
    return Buffer.buffer(out);
  }

  // The host (and port) of the authority name the connection too, as TLS's server name.
  private RequestOptions options(SocketAddress address, String fullMethodName) {
    RequestOptions options = new RequestOptions().setServer(address).setHost(serverName)
        .setMethod(HttpMethod.POST).setURI("/" + fullMethodName);
    return authority.port() > 0 ? options.setPort(authority.port()) : options;
  }

  private final class Unary implements Call {
    private final HttpClientRequest request;
    private final Promise<Buffer> reply = Promise.promise();

    Unary(HttpClientRequest request) {
      this.request = request;
      request.exceptionHandler(reply::tryFail);
    }

    @Override
    public Future<Buffer> send(MessageLite message, long timeoutMillis, java.util.Map<String, String> metadata) {
      metadata.forEach(request::putHeader);
      request.authority(authority)
          .putHeader("content-type", "application/grpc")
          .putHeader("te", "trailers");
      long timer = -1;
      if (timeoutMillis > 0) {
        request.putHeader("grpc-timeout", Math.min(timeoutMillis, MAX_TIMEOUT_MILLIS) + "m");
        timer = vertx.setTimer(timeoutMillis, id -> end(GrpcStatus.DEADLINE_EXCEEDED));
      }
      request.send(framed(message)).onSuccess(this::read).onFailure(reply::tryFail);
      long deadline = timer;
      return reply.future().andThen(ar -> vertx.cancelTimer(deadline));
    }

    @Override
    public void cancel() {
      end(GrpcStatus.CANCELLED);
    }

    private void end(GrpcStatus status) {
      if (reply.tryFail(new InvalidStatusException(GrpcStatus.OK, status))) {
        request.reset(CANCEL);
      }
    }

    private void read(HttpClientResponse response) {
      String status = response.getHeader("grpc-status");
      if (status != null) {
        failOnStatus(status, response.getHeader("grpc-message"));
        return;
      }
      String type = response.getHeader("content-type");
      if (response.statusCode() != 200 || type == null || !type.startsWith("application/grpc")) {
        fail(new VertxException("not a gRPC answer: HTTP " + response.statusCode() + ", content-type " + type, true));
        return;
      }
      Buffer body = Buffer.buffer();
      response.handler(chunk -> {
        body.appendBuffer(chunk);
        if (body.length() > PREFIX + maxMessage) {
          fail(new MessageSizeOverflowException(body.length() - PREFIX));
        }
      });
      response.exceptionHandler(reply::tryFail);
      response.endHandler(v -> {
        String trailer = response.getTrailer("grpc-status");
        if (trailer == null || !trailer.equals("0")) {
          failOnStatus(trailer == null ? String.valueOf(GrpcStatus.UNKNOWN.code) : trailer, response.getTrailer("grpc-message"));
        } else if (body.length() < PREFIX || body.getByte(0) != 0 || body.getInt(1) != body.length() - PREFIX) {
          reply.tryFail(new VertxException("the reply is not one uncompressed message", true));
        } else {
          reply.tryComplete(body.slice(PREFIX, body.length())); // a view: the message is copied once, by the parser's getBytes
        }
      });
    }

    /** @param message the status description, percent-encoded as gRPC sends it; may be null */
    private void failOnStatus(String status, String message) {
      GrpcStatus code = null;
      try {
        code = GrpcStatus.valueOf(Integer.parseInt(status.trim()));
      } catch (NumberFormatException e) {
        // not a number: UNKNOWN, as below
      }
      code = code == null ? GrpcStatus.UNKNOWN : code;
      if (code == GrpcStatus.OK) {
        reply.tryFail(new VertxException("no reply message", true));
      } else if (message != null && !message.isEmpty()) {
        reply.tryFail(new StatusFailure(code, statusMessage(message)));
      } else {
        reply.tryFail(new InvalidStatusException(GrpcStatus.OK, code));
      }
    }

    // grpc-message is percent-encoded; a server that sends a raw "%" must not turn its error into a
    // call that never settles.
    private static String statusMessage(String message) {
      try {
        return QueryStringDecoder.decodeComponent(message.replace("+", "%2B"));
      } catch (IllegalArgumentException e) {
        return message;
      }
    }

    private void fail(Throwable failure) {
      if (reply.tryFail(failure)) {
        request.reset(CANCEL);
      }
    }
  }
}
