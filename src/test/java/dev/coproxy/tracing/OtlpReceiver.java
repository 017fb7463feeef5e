package dev.coproxy.tracing;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.server.GrpcServer;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A tiny OTLP collector for tests on 127.0.0.1, over HTTP ({@code POST /v1/traces}, {@link
 * #OtlpReceiver(Vertx)}) or gRPC ({@code TraceService/Export}, {@link #grpc(Vertx)}): it decodes each
 * protobuf {@code ExportTraceServiceRequest} and keeps every span. The protobuf is read by field
 * numbers (opentelemetry-proto's trace.proto), so no generated classes are needed.
 */
final class OtlpReceiver implements AutoCloseable {

  /** One received span: ids in lower-case hex (parent empty for a root), attributes by key. */
  record ReceivedSpan(String traceId, String spanId, String parentSpanId, String name, long kind,
      Map<String, Object> attributes, Map<String, Object> resource, long statusCode) {
  }

  final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();
  final List<String> contentTypes = new CopyOnWriteArrayList<>();
  /** The {@code api-key} header of each export ("none" when absent). */
  final List<String> apiKeys = new CopyOnWriteArrayList<>();
  private final HttpServer server;

  /** An OTLP/HTTP collector. */
  OtlpReceiver(Vertx vertx) throws Exception {
    server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
        .requestHandler(req -> req.body().onSuccess(body -> {
          if (!req.path().equals("/v1/traces")) {
            req.response().setStatusCode(404).end();
            return;
          }
          seen(req.getHeader("content-type"), req.getHeader("api-key"));
          try {
            decode(body.getBytes());
            req.response().putHeader("content-type", "application/x-protobuf").end();
          } catch (Exception e) {
            req.response().setStatusCode(400).end();
          }
        }))
        .listen().await(10, TimeUnit.SECONDS);
  }

  private OtlpReceiver(HttpServer server) {
    this.server = server;
  }

  /** An OTLP/gRPC collector: answers each export with an empty {@code ExportTraceServiceResponse}. */
  static OtlpReceiver grpc(Vertx vertx) throws Exception {
    GrpcServer grpc = GrpcServer.server(vertx);
    OtlpReceiver receiver = new OtlpReceiver(vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
        .requestHandler(grpc));
    ServiceMethod<Buffer, Buffer> export = ServiceMethod.server(ServiceName.create("opentelemetry.proto.collector.trace.v1.TraceService"),
        "Export", GrpcMessageEncoder.IDENTITY, GrpcMessageDecoder.IDENTITY);
    grpc.callHandler(export, req -> {
      receiver.seen(req.headers().get("content-type"), req.headers().get("api-key"));
      req.last().onSuccess(body -> {
        try {
          receiver.decode(body.getBytes());
          req.response().end(Buffer.buffer());
        } catch (Exception e) {
          req.response().status(GrpcStatus.INVALID_ARGUMENT).end();
        }
      });
    });
    receiver.server.listen().await(10, TimeUnit.SECONDS);
    return receiver;
  }

  private void seen(String contentType, String apiKey) {
    contentTypes.add(String.valueOf(contentType));
    apiKeys.add(apiKey == null ? "none" : apiKey);
  }

  int port() {
    return server.actualPort();
  }

  /** The spans whose name is {@code name}. */
  List<ReceivedSpan> named(String name) {
    return spans.stream().filter(s -> s.name().equals(name)).toList();
  }

  private void decode(byte[] bytes) throws Exception {
    for (ByteString resourceSpans : UnknownFieldSet.parseFrom(bytes).getField(1).getLengthDelimitedList()) {
      UnknownFieldSet rs = UnknownFieldSet.parseFrom(resourceSpans);
      Map<String, Object> resource = Map.of();
      for (ByteString r : rs.getField(1).getLengthDelimitedList()) {
        resource = attributes(UnknownFieldSet.parseFrom(r), 1);
      }
      for (ByteString scopeSpans : rs.getField(2).getLengthDelimitedList()) {
        for (ByteString span : UnknownFieldSet.parseFrom(scopeSpans).getField(2).getLengthDelimitedList()) {
          spans.add(span(UnknownFieldSet.parseFrom(span), resource));
        }
      }
    }
  }

  private static ReceivedSpan span(UnknownFieldSet s, Map<String, Object> resource) throws Exception {
    long status = 0;
    for (ByteString st : s.getField(15).getLengthDelimitedList()) {
      List<Long> code = UnknownFieldSet.parseFrom(st).getField(3).getVarintList();
      status = code.isEmpty() ? 0 : code.get(0);
    }
    List<Long> kind = s.getField(6).getVarintList();
    return new ReceivedSpan(hex(s, 1), hex(s, 2), hex(s, 4), text(s, 5), kind.isEmpty() ? 0 : kind.get(0),
        attributes(s, 9), resource, status);
  }

  // KeyValue {1: key, 2: AnyValue {1: string, 2: bool, 3: int, 4: double}} at field 9 of a span,
  // field 1 of a resource.
  private static Map<String, Object> attributes(UnknownFieldSet owner, int field) throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    for (ByteString kv : owner.getField(field).getLengthDelimitedList()) {
      UnknownFieldSet pair = UnknownFieldSet.parseFrom(kv);
      if (pair.getField(2).getLengthDelimitedList().isEmpty()) {
        continue;
      }
      UnknownFieldSet value = UnknownFieldSet.parseFrom(pair.getField(2).getLengthDelimitedList().get(0));
      Object v = value.hasField(1) ? value.getField(1).getLengthDelimitedList().get(0).toStringUtf8()
          : value.hasField(2) ? (Object) (value.getField(2).getVarintList().get(0) != 0)
          : value.hasField(3) ? (Object) value.getField(3).getVarintList().get(0)
          : value.hasField(4) ? (Object) Double.longBitsToDouble(value.getField(4).getFixed64List().get(0)) : null;
      out.put(text(pair, 1), v);
    }
    return out;
  }

  private static String hex(UnknownFieldSet s, int field) {
    List<ByteString> list = s.getField(field).getLengthDelimitedList();
    return list.isEmpty() ? "" : HexFormat.of().formatHex(list.get(0).toByteArray());
  }

  private static String text(UnknownFieldSet s, int field) {
    List<ByteString> list = s.getField(field).getLengthDelimitedList();
    return list.isEmpty() ? "" : list.get(0).toStringUtf8();
  }

  @Override
  public void close() throws Exception {
    server.close().await(10, TimeUnit.SECONDS);
  }
}
