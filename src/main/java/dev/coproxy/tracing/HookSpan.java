package dev.coproxy.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;

/** The span of one plugin hook call, ended with the call's outcome. */
public final class HookSpan {

  static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("coproxy.hook.outcome");

  private final Span span;

  HookSpan(Span span) {
    this.span = span;
  }

  /**
   * The W3C {@code traceparent} the plugin receives: this trace, with this hook's span as the parent;
   * null when the span is not valid.
   */
  public String traceparent() {
    return RequestSpan.traceparent(span.getSpanContext());
  }

  /** The hook answered: {@code ok}. */
  public void succeeded() {
    span.setAttribute(OUTCOME, "ok");
    span.end();
  }

  /**
   * The hook failed; {@code reason} is the failure's label (timeout, error, ...), as the hook
   * failure counter names it.
   */
  public void failed(String reason, String message) {
    span.setAttribute(OUTCOME, reason);
    span.setStatus(StatusCode.ERROR, message == null ? reason : message);
    span.end();
  }
}
