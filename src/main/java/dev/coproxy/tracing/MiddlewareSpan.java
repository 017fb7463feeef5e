package dev.coproxy.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;

/**
 * The span of one middleware's step with {@code detailed_tracing}: ended when its future completes,
 * as an error when the step refused the request or failed, with the status it answered.
 */
public final class MiddlewareSpan {

  private final Span span;

  MiddlewareSpan(Span span) {
    this.span = span;
  }

  /** The step went through. */
  public void passed() {
    span.end();
  }

  /** The step stopped the request: {@code status} is what the client gets (0 when not known). */
  public void stopped(int status, String message) {
    if (status > 0) {
      span.setAttribute(RequestSpan.STATUS, status);
    }
    span.setStatus(StatusCode.ERROR, message == null ? "failed" : message);
    span.end();
  }
}
