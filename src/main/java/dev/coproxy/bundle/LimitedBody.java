package dev.coproxy.bundle;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;

/**
 * Where one download attempt's body goes: kept in memory up to {@code bundle_max_size}; one byte
 * more fails the write, which ends the attempt with {@link #tooLarge()}. Once the attempt is over
 * ({@link #close()}), whatever still arrives is dropped. Written to on the attempt's event loop.
 */
final class LimitedBody implements WriteStream<Buffer> {

  private final long maxBytes;
  private final String what;
  private final Buffer body = Buffer.buffer();
  private volatile BundleException tooLarge;
  private volatile boolean closed;

  /** @param what names the download in the error, e.g. {@code bundle http://host/b.zip} */
  LimitedBody(long maxBytes, String what) {
    this.maxBytes = maxBytes;
    this.what = what;
  }

  @Override
  public Future<Void> write(Buffer data) {
    if (closed) {
      return Future.failedFuture("the download attempt is over");
    }
    if (body.length() + (long) data.length() > maxBytes) {
      tooLarge = new BundleException(what + " is larger than " + maxBytes + " bytes (bundle_max_size)");
      closed = true;
      return Future.failedFuture(tooLarge);
    }
    body.appendBuffer(data);
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> end() {
    return Future.succeededFuture();
  }

  /** The body received, once the attempt succeeded. */
  Buffer body() {
    return body;
  }

  /** The failure when the body was larger than allowed, else null. */
  BundleException tooLarge() {
    return tooLarge;
  }

  /** Drops whatever arrives from now on. */
  void close() {
    closed = true;
  }

  @Override
  public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    return this;
  }

  @Override
  public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
    return this;
  }

  @Override
  public boolean writeQueueFull() {
    return false;
  }

  @Override
  public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
    return this;
  }
}
