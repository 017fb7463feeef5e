package dev.coproxy.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;

/**
 * The server span of one request: carried by the request's context from the start of the pipeline
 * until the answer's last byte is written, named as the parent of the upstream request
 * ({@link #traceparent()}) and of each hook's span with {@code detailed_tracing}.
 */
public final class RequestSpan {

  static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
  static final AttributeKey<String> HOOK_TYPE = AttributeKey.stringKey("coproxy.hook.type");
  static final AttributeKey<String> HOOK_NAME = AttributeKey.stringKey("coproxy.hook.name");
  static final AttributeKey<String> HOOK_DRIVER = AttributeKey.stringKey("coproxy.hook.driver");

  private final Tracer tracer;
  private final Span span;
  private final Context context;
  private boolean ended;
  private String traceparent;

  RequestSpan(Tracer tracer, Span span, Context context) {
    this.tracer = tracer;
    this.span = span;
    this.context = context;
  }

  /**
   * The W3C {@code traceparent} the upstream request carries: this trace, with the gateway's span as
   * the parent; null when the span is not recorded nor sampled (nothing to continue).
   */
  public String traceparent() {
    if (traceparent == null) {
      traceparent = traceparent(span.getSpanContext());
    }
    return traceparent;
  }

  /**
   * True when the request is sampled: its span is recorded and exported. A request sampled out
   * still passes its (unsampled) context on, so that the upstream and plugins do not sample it either.
   */
  public boolean recording() {
    return span.isRecording();
  }

  static String traceparent(SpanContext sc) {
    if (!sc.isValid()) {
      return null;
    }
    return "00-" + sc.getTraceId() + "-" + sc.getSpanId() + "-" + sc.getTraceFlags().asHex();
  }

  /** The caller's {@code tracestate}, passed on unchanged (null when none). */
  public String tracestate() {
    var state = span.getSpanContext().getTraceState();
    if (state.isEmpty()) {
      return null;
    }
    StringBuilder out = new StringBuilder();
    state.forEach((k, v) -> out.append(out.length() == 0 ? "" : ",").append(k).append('=').append(v));
    return out.toString();
  }

  /** Starts the child span of one plugin hook ({@code detailed_tracing}). */
  public HookSpan hook(String type, String name, String driver) {
    Span child = tracer.spanBuilder("CoProcessMiddleware " + type)
        .setParent(context)
        .setAttribute(HOOK_TYPE, type)
        .setAttribute(HOOK_NAME, name)
        .setAttribute(HOOK_DRIVER, driver)
        .startSpan();
    return new HookSpan(child);
  }

  /**
   * Starts the child span of one middleware of the chain ({@code detailed_tracing}), named after it;
   * the plugin hooks have theirs ({@link #hook}).
   */
  public MiddlewareSpan middleware(String name) {
    return new MiddlewareSpan(tracer.spanBuilder(name).setParent(context).startSpan());
  }

  /**
   * Ends the span with the status the client got; a 5xx marks it as an error, as OpenTelemetry's
   * HTTP conventions say. Only the first end counts.
   */
  public void end(int status) {
    if (ended) {
      return;
    }
    span.setAttribute(STATUS, status);
    if (status >= 500) {
      span.setStatus(StatusCode.ERROR);
    }
    finish();
  }

  /** Ends the span of a request whose client left before its answer was written: no status, an error. */
  public void abandon() {
    if (ended) {
      return;
    }
    span.setStatus(StatusCode.ERROR, "the client left before its answer was written");
    finish();
  }

  private void finish() {
    ended = true;
    span.end();
  }
}
