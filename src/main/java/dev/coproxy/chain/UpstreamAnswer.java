package dev.coproxy.chain;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/**
 * An upstream response held whole, for response middleware to read and change before it is sent.
 */
public final class UpstreamAnswer {

  private int status;
  private MultiMap headers;
  private Buffer body;

  public UpstreamAnswer(int status, MultiMap headers, Buffer body) {
    this.status = status;
    this.headers = headers;
    this.body = body;
  }

  public int status() {
    return status;
  }

  public void status(int status) {
    this.status = status;
  }

  public MultiMap headers() {
    return headers;
  }

  public void headers(MultiMap headers) {
    this.headers = headers;
  }

  public Buffer body() {
    return body;
  }

  public void body(Buffer body) {
    this.body = body;
  }
}
