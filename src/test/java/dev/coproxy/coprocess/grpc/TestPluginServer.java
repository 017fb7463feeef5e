package dev.coproxy.coprocess.grpc;

import com.google.protobuf.ByteString;
import dev.coproxy.proto.DispatcherGrpcService;
import dev.coproxy.proto.Event;
import dev.coproxy.proto.EventReply;
import dev.coproxy.proto.SessionState;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import io.vertx.grpc.server.StatusException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real gRPC plugin server on loopback with the hooks of Tyk's gRPC tests (reference 16.9) plus a
 * few failure hooks: {@code hang} never answers, {@code status} answers gRPC INTERNAL. It can stop
 * and listen again on the same address. {@code main} runs it alone for {@code bench/grpc.py}.
 */
public final class TestPluginServer implements AutoCloseable {

  final List<String> events = new CopyOnWriteArrayList<>();
  final AtomicInteger calls = new AtomicInteger();
  // The last call's, not a list of all: the bench sends millions of calls, and a copy-on-write list
  // growing by one per call made the server slower with every call.
  final AtomicReference<String> lastAuthority = new AtomicReference<>();
  final AtomicReference<String> lastGrpcTimeout = new AtomicReference<>();
  /** The last Dispatch call's {@code traceparent} metadata, or the text "none" when it had none. */
  public final AtomicReference<String> lastTraceparent = new AtomicReference<>();
  /** The last Dispatch call's {@code tracestate} metadata, or "none". */
  public final AtomicReference<String> lastTracestate = new AtomicReference<>();
  /** Connections accepted. */
  final AtomicInteger connections = new AtomicInteger();
  /** Calls whose stream closed before the server answered (the gateway cancelled them). */
  final AtomicInteger cancelled = new AtomicInteger();
  private final Vertx vertx;
  private final SocketAddress bind;
  private final HttpServerOptions base;
  private HttpServer server;

  private TestPluginServer(Vertx vertx, SocketAddress bind) {
    this(vertx, bind, new HttpServerOptions());
  }

  private TestPluginServer(Vertx vertx, SocketAddress bind, HttpServerOptions base) {
    this.vertx = vertx;
    this.bind = bind;
    this.base = base;
  }

  /** Listens on a free loopback port with TLS (and client certificates when the options ask). */
  static TestPluginServer tls(Vertx vertx, HttpServerOptions tls) throws Exception {
    TestPluginServer s = new TestPluginServer(vertx, null, tls);
    s.listen(0);
    return s;
  }

  /** Listens on a free loopback port. */
  public static TestPluginServer tcp(Vertx vertx) throws Exception {
    TestPluginServer s = new TestPluginServer(vertx, null);
    s.listen(0);
    return s;
  }

  /** Listens on a unix socket. */
  static TestPluginServer unix(Vertx vertx, String path) throws Exception {
    TestPluginServer s = new TestPluginServer(vertx, SocketAddress.domainSocketAddress(path));
    s.listen(0);
    return s;
  }

  int port() {
    return server.actualPort();
  }

  public String target() {
    return "tcp://127.0.0.1:" + port();
  }

  /** Listens (again) on the given port, or on the socket. */
  void listen(int port) throws Exception {
    GrpcServer grpc = GrpcServer.server(vertx, new GrpcServerOptions().setMaxMessageSize(64 * 1024 * 1024));
    grpc.addService(new DispatcherGrpcService() {
      @Override
      public Future<dev.coproxy.proto.Object> dispatch(dev.coproxy.proto.Object request) {
        calls.incrementAndGet();
        return TestPluginServer.dispatch(request);
      }

      @Override
      public Future<EventReply> dispatchEvent(Event request) {
        events.add(request.getPayload());
        return Future.succeededFuture(EventReply.getDefaultInstance());
      }
    });
    HttpServer s = vertx.createHttpServer(new HttpServerOptions(base).setHost("127.0.0.1").setPort(port)).requestHandler(req -> {
      lastAuthority.set(String.valueOf(req.authority()));
      lastGrpcTimeout.set(String.valueOf(req.getHeader("grpc-timeout")));
      if (req.path().endsWith("/Dispatch")) {
        lastTraceparent.set(req.headers().contains("traceparent") ? req.getHeader("traceparent") : "none");
        lastTracestate.set(req.headers().contains("tracestate") ? req.getHeader("tracestate") : "none");
      }
      grpc.handle(req);
      req.response().closeHandler(v -> {
        if (!req.response().ended()) {
          cancelled.incrementAndGet();
        }
      });
    });
    s.connectionHandler(connection -> connections.incrementAndGet());
    server = (bind == null ? s.listen() : s.listen(bind)).await(10, TimeUnit.SECONDS);
  }

  /** Stops listening and drops the open connections. */
  void stop() throws Exception {
    server.close().await(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    stop();
  }

  static Future<dev.coproxy.proto.Object> dispatch(dev.coproxy.proto.Object o) {
    switch (o.getHookName()) {
      case "testPreHook1":
        return Future.succeededFuture(o.toBuilder().setRequest(o.getRequest().toBuilder()
            .putSetHeaders("Testheader", "testvalue")).build());
      case "testPreHook2": {
        String type = o.getRequest().getHeadersOrDefault("Content-Type", "");
        boolean ok;
        if (type.equals("application/json")) {
          ok = !o.getRequest().getBody().isEmpty() && o.getRequest().getBody().equals(o.getRequest().getRawBody().toStringUtf8());
        } else if (type.startsWith("multipart")) {
          ok = o.getRequest().getBody().isEmpty() && !o.getRequest().getRawBody().isEmpty();
        } else {
          ok = false;
        }
        return Future.succeededFuture(ok ? o : error(o, "Body mismatch"));
      }
      case "testPostHook1": {
        boolean ok = "testvalue".equals(o.getSession().getMetadataOrDefault("testkey2", null))
            && o.getMetadataMap().entrySet().stream()
                .allMatch(e -> e.getValue().equals(o.getSession().getMetadataOrDefault(e.getKey(), null)));
        return Future.succeededFuture(ok ? o : error(o, "Session metadata mismatch"));
      }
      case "testResponseHook":
        return Future.succeededFuture(o.toBuilder().setResponse(o.getResponse().toBuilder()
            .setRawBody(ByteString.copyFromUtf8("newbody"))).build());
      case "testAuthHook1": {
        String token = o.getRequest().getHeadersOrDefault("Authorization", "");
        if (!token.equals("abc")) {
          return Future.succeededFuture(error(o, "Key not authorised"));
        }
        return Future.succeededFuture(o.toBuilder().putMetadata("token", token)
            .setSession(SessionState.newBuilder().setRate(100).setPer(1)
                .setIdExtractorDeadline(System.currentTimeMillis() / 1000 + 2)
                .putMetadata("sessionMetaKey", "customAuthSessionMetaValue")).build());
      }
      case "policyAuthHook": {
        // An auth hook whose session names the policy the request asks for (Tyk's "Auth with policy").
        String token = o.getRequest().getHeadersOrDefault("Authorization", "");
        if (!token.equals("grpc-policy-token")) {
          return Future.succeededFuture(error(o, "Key not authorised"));
        }
        return Future.succeededFuture(o.toBuilder().putMetadata("token", token).setSession(SessionState.newBuilder()
            .setApplyPolicyId(o.getRequest().getHeadersOrDefault("Policy", ""))).build());
      }
      case "grow":
        // A reply over the gateway's grpc_recv_max_size (1,000,000 in GrpcDispatchIT).
        return Future.succeededFuture(o.toBuilder().setRequest(o.getRequest().toBuilder()
            .setRawBody(ByteString.copyFrom(new byte[1_200_000]))).build());
      case "hang":
        return Promise.<dev.coproxy.proto.Object>promise().future();
      case "status":
        return Future.failedFuture(new StatusException(GrpcStatus.INTERNAL, "plugin bug: 1+1 != 3"));
      default:
        return Future.succeededFuture(o);
    }
  }

  private static dev.coproxy.proto.Object error(dev.coproxy.proto.Object o, String message) {
    return o.toBuilder().setRequest(o.getRequest().toBuilder().setReturnOverrides(
        o.getRequest().getReturnOverrides().toBuilder().setResponseCode(400).setResponseError(message))).build();
  }

  /**
   * Runs the server alone: {@code TestPluginServer <port>}, or {@code TestPluginServer unix:<path>}
   * for a unix socket; prints a line when ready.
   */
  public static void main(String[] args) throws Exception {
    boolean unix = args[0].startsWith("unix:");
    // Unix sockets need the native transport; TCP keeps the default one.
    Vertx vertx = Vertx.vertx(new io.vertx.core.VertxOptions().setPreferNativeTransport(unix));
    if (unix) {
      unix(vertx, args[0].substring("unix:".length()));
      System.out.println("plugin server ready on " + args[0]);
      return;
    }
    TestPluginServer s = new TestPluginServer(vertx, null);
    s.listen(Integer.parseInt(args[0]));
    System.out.println("plugin server ready on port " + s.port());
  }
}
