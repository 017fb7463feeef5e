package dev.coproxy.proxy;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.streams.ReadStream;

/**
 * A request body stream that stops at {@code max_request_body_size}: used for bodies without a
 * {@code Content-Length} (chunked), whose size is only known while they stream. Past the limit no
 * more data is passed on and {@code onExceeded} runs once.
 */
final class BodyLimit implements ReadStream<Buffer> {

  private final ReadStream<Buffer> source;
  private final long max;
  private final Runnable onExceeded;
  private long seen;
  private boolean exceeded;

  /**
   * Stops a refused body after its 413 was sent. HTTP/1.1 can only do that by closing the
   * connection; HTTP/2 resets just this stream, so the client's other requests on the connection go on.
   */
  static void stopAfterRefusal(HttpServerRequest request) {
    if (request.version() == HttpVersion.HTTP_2) {
      request.response().reset();
    } else {
      request.connection().close();
    }
  }

  BodyLimit(ReadStream<Buffer> source, long max, Runnable onExceeded) {
    this.source = source;
    this.max = max;
    this.onExceeded = onExceeded;
  }

  @Override
  public ReadStream<Buffer> handler(Handler<Buffer> handler) {
    if (handler == null) {
      source.handler(null);
      return this;
    }
    source.handler(chunk -> {
      if (exceeded) {
        return;
      }
      seen += chunk.length();
      if (seen > max) {
        exceeded = true;
        onExceeded.run();
        return;
      }
      handler.handle(chunk);
    });
    return this;
  }

  @Override
  public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    source.exceptionHandler(handler);
    return this;
  }

  @Override
  public ReadStream<Buffer> pause() {
    source.pause();
    return this;
  }

  @Override
  public ReadStream<Buffer> resume() {
    source.resume();
    return this;
  }

  @Override
  public ReadStream<Buffer> fetch(long amount) {
    source.fetch(amount);
    return this;
  }

  @Override
  public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
    source.endHandler(endHandler == null ? null : v -> {
      if (!exceeded) {
        endHandler.handle(v);
      }
    });
    return this;
  }
}
