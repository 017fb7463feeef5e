package dev.coproxy.tracing;

import dev.coproxy.config.TracingOptions;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporterBuilder;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's tracer ({@code opentelemetry}): built once at start when tracing is enabled, and
 * then the only way the request path starts spans. When tracing is off no instance exists: the
 * request path checks for null and allocates nothing. Spans go to an OTLP collector (over gRPC or
 * HTTP) from the SDK's own export thread, never from an event loop.
 */
public final class Tracing {

  static final AttributeKey<String> API_ID = AttributeKey.stringKey("tyk.api.id");
  static final AttributeKey<String> API_NAME = AttributeKey.stringKey("tyk.api.name");
  static final AttributeKey<String> API_ORG = AttributeKey.stringKey("tyk.api.orgid");
  static final AttributeKey<String> API_PATH = AttributeKey.stringKey("tyk.api.path");
  static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
  static final AttributeKey<String> ORIGINAL_PATH = AttributeKey.stringKey("tyk.original_path");

  /** Exports {@code span_processor_type: simple} may have waiting for the collector before it drops spans. */
  static final int SIMPLE_EXPORTS_IN_FLIGHT = 256;

  private static final TextMapGetter<HttpServerRequest> HEADERS = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(HttpServerRequest carrier) {
      return carrier.headers().names();
    }

    @Override
    public String get(HttpServerRequest carrier, String key) {
      return carrier == null ? null : carrier.getHeader(key);
    }
  };

  private final SdkTracerProvider provider;
  private final Tracer tracer;

  private Tracing(SdkTracerProvider provider) {
    this.provider = provider;
    this.tracer = provider.get("dev.coproxy");
  }

  /** The tracer for {@code options}, or null when tracing is off. */
  public static Tracing from(TracingOptions options) {
    if (!options.enabled()) {
      return null;
    }
    SpanExporter exporter = options.grpc() ? grpcExporter(options) : httpExporter(options);
    SpanProcessor processor = options.simpleProcessor()
        ? SimpleSpanProcessor.create(new BoundedExports(exporter, SIMPLE_EXPORTS_IN_FLIGHT))
        : BatchSpanProcessor.builder(exporter).build();
    return new Tracing(SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(
            Attributes.of(AttributeKey.stringKey("service.name"), options.resourceName()))))
        .setSampler(sampler(options))
        .addSpanProcessor(processor)
        .build());
  }

  private static SpanExporter grpcExporter(TracingOptions options) {
    OtlpGrpcSpanExporterBuilder exporter = OtlpGrpcSpanExporter.builder()
        .setEndpoint(options.endpoint())
        .setTimeout(Duration.ofMillis(options.connectionTimeoutMillis()));
    options.headers().forEach(exporter::addHeader);
    return exporter.build();
  }

  private static SpanExporter httpExporter(TracingOptions options) {
    OtlpHttpSpanExporterBuilder exporter = OtlpHttpSpanExporter.builder()
        .setEndpoint(options.endpoint())
        .setTimeout(Duration.ofMillis(options.connectionTimeoutMillis()));
    options.headers().forEach(exporter::addHeader);
    return exporter.build();
  }

  private static Sampler sampler(TracingOptions options) {
    Sampler root = switch (options.samplingType()) {
      case "AlwaysOff" -> Sampler.alwaysOff();
      case "TraceIDRatioBased" -> Sampler.traceIdRatioBased(options.samplingRate());
      default -> Sampler.alwaysOn();
    };
    return options.parentBased() ? Sampler.parentBased(root) : root;
  }

  /**
   * Starts the server span of one request of an API, as Tyk names it (the API's name), continuing
   * the caller's W3C {@code traceparent} when the request has one.
   */
  public RequestSpan startRequest(HttpServerRequest request, String apiId, String apiName, String orgId, String listenPath) {
    Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), request, HEADERS);
    Span span = tracer.spanBuilder(apiName).setParent(parent).setSpanKind(SpanKind.SERVER).startSpan();
    // The samplers decide on the trace id alone; a span sampled out is not given what it would drop.
    if (span.isRecording()) {
      span.setAttribute(METHOD, request.method().name());
      span.setAttribute(URL_PATH, request.path());
      span.setAttribute(ORIGINAL_PATH, request.path());
      span.setAttribute(API_ID, apiId);
      span.setAttribute(API_NAME, apiName);
      span.setAttribute(API_ORG, orgId);
      span.setAttribute(API_PATH, listenPath);
    }
    return new RequestSpan(tracer, span, parent.with(span));
  }

  /** Exports the spans still held and stops the exporter; completes when done (or after 5 s). */
  public Future<Void> close() {
    Promise<Void> done = Promise.promise();
    provider.shutdown().whenComplete(done::tryComplete);
    return done.future().timeout(5, TimeUnit.SECONDS).recover(e -> Future.succeededFuture());
  }
}
