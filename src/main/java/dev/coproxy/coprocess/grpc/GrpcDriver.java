package dev.coproxy.coprocess.grpc;

import dev.coproxy.config.GatewayConfig;
import dev.coproxy.coprocess.CoprocessDriver;
import dev.coproxy.coprocess.HookFailure;
import dev.coproxy.metrics.UnmeteredClients;
import dev.coproxy.proto.Event;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.InvalidStatusException;
import io.vertx.grpc.common.GrpcStatus;
import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Driver {@code grpc}: a gRPC client of a plugin server implementing {@code coprocess.Dispatcher}
 * (Tyk's wire format), on multiplexed HTTP/2 connections to {@code coprocess_grpc_server}, one per
 * event loop ({@link DispatcherCalls}), so that a call stays on the loop of the request it serves. Each
 * hook is one {@code Dispatch} call whose gRPC deadline is the hook's deadline; events are
 * {@code DispatchEvent} calls nobody waits for. While the server is unreachable, calls fail at once
 * and a probe reconnects in the background. Every failure is reason {@code ERROR} or {@code TIMEOUT}
 * (500 {@code Middleware error}, 403 for auth_check, as Tyk answers any RPC error); the core's
 * {@code UNAVAILABLE} means a driver that is not loaded, which this one is.
 */
public final class GrpcDriver implements CoprocessDriver {

  /** The driver name APIs use. */
  public static final String NAME = "grpc";

  private static final System.Logger LOG = System.getLogger(GrpcDriver.class.getName());
  /** gRPC's own default receive limit, used when {@code grpc_recv_max_size} is 0 (as in Tyk). */
  private static final long DEFAULT_RECV_MAX = 4 * 1024 * 1024;
  private static final int CONNECT_TIMEOUT_MILLIS = 2000;
  private static final String DISPATCH_METHOD = "coprocess.Dispatcher/Dispatch";
  private static final String EVENT_METHOD = "coprocess.Dispatcher/DispatchEvent";

  private final Vertx vertx;
  private final String target;
  private final GrpcAddresses addresses;
  private final long sendMax;
  private final long recvMax;
  private final DispatcherCalls calls;
  private final Reachability reachability;
  private final Counter cancelled;
  private final Map<String, DispatcherCalls.Call> inFlight = new ConcurrentHashMap<>();
  private final AtomicBoolean eventFailureLogged = new AtomicBoolean();

  /**
   * @throws IllegalArgumentException when {@code coprocess_grpc_server} cannot be parsed
   * @throws dev.coproxy.config.ConfigException when {@code grpc_tls} cannot work
   */
  public GrpcDriver(Vertx vertx, GatewayConfig.CoprocessOptions options, MeterRegistry meters) {
    this.vertx = vertx;
    this.target = options.grpcServer();
    this.addresses = new GrpcAddresses(vertx, target, options.grpcRoundRobin());
    this.sendMax = options.grpcSendMaxSize();
    this.recvMax = options.grpcRecvMaxSize() > 0 ? options.grpcRecvMaxSize() : DEFAULT_RECV_MAX;
    HostAndPort authority = options.grpcAuthority().isBlank() ? GrpcTarget.authority(target)
        : HostAndPort.parseAuthority(options.grpcAuthority(), -1);
    if (authority == null) {
      throw new dev.coproxy.config.ConfigException("coprocess_options.grpc_authority",
          "\"" + options.grpcAuthority() + "\" is not host[:port]");
    }
    HttpClientOptions http = new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false)
        .setConnectTimeout(CONNECT_TIMEOUT_MILLIS)
        .setMetricsName(UnmeteredClients.NAME);
    GrpcTls.apply(http, options.grpcTls());
    this.calls = new UnaryCalls(vertx, authority, recvMax, http);
    this.reachability = new Reachability(vertx, target, meters, this::probe);
    this.cancelled = Counter.builder("coproxy.grpc.cancelled")
        .description("Dispatch calls cancelled on the plugin server because the client went away")
        .tag("target", target).register(meters);
  }

  @Override
  public String name() {
    return NAME;
  }

  /** Opens the connection; when the server is not there yet, logs it once and keeps probing. */
  public Future<Void> connect() {
    return addresses.start().compose(v -> probe()).recover(e -> {
      reachability.markDown(e);
      return Future.succeededFuture();
    });
  }

  /** Whether the plugin server answered the last attempt. */
  public boolean connected() {
    return reachability.up();
  }

  @Override
  public Future<dev.coproxy.proto.Object> dispatch(HookCall call) {
    if (!reachability.up()) {
      return Future.failedFuture(new HookFailure(HookFailure.Reason.ERROR, "gRPC plugin server " + target + " is unreachable"));
    }
    int size = call.object().getSerializedSize();
    if (sendMax > 0 && size > sendMax) {
      return Future.failedFuture(new HookFailure(HookFailure.Reason.ERROR,
          "object of " + size + " bytes exceeds grpc_send_max_size " + sendMax));
    }
    long timeout = call.remainingMillis();
    return call(call.object(), timeout, call.callId(), metadata(call));
  }

  // The trace context as call metadata, where OpenTelemetry's gRPC instrumentation (Tyk's too) puts it.
  private static Map<String, String> metadata(HookCall call) {
    if (call.traceparent() == null) {
      return Map.of();
    }
    return call.tracestate() == null ? Map.of(HookCall.TRACEPARENT, call.traceparent())
        : Map.of(HookCall.TRACEPARENT, call.traceparent(), HookCall.TRACESTATE, call.tracestate());
  }

  // Calls in flight by call id, so that a client leaving cancels its call on the plugin server.
  private DispatcherCalls.Call track(String callId, DispatcherCalls.Call call) {
    if (callId != null) {
      inFlight.put(callId, call);
    }
    return call;
  }

  private void settle(String callId, SocketAddress address, boolean answered) {
    if (callId != null) {
      inFlight.remove(callId);
    }
    if (answered) {
      addresses.reachable(address);
    }
  }

  @Override
  public void cancel(String callId) {
    DispatcherCalls.Call call = inFlight.remove(callId);
    if (call != null) {
      cancelled.increment();
      call.cancel();
    }
  }

  private Future<dev.coproxy.proto.Object> call(dev.coproxy.proto.Object object, long timeoutMillis, String callId,
      Map<String, String> metadata) {
    SocketAddress address = addresses.pick();
    long deadline = timeoutMillis > 0 ? System.currentTimeMillis() + timeoutMillis : Long.MAX_VALUE;
    // Two stages per call (each stage of a future chain is a callback and an object more on every call).
    return calls.open(address, DISPATCH_METHOD).transform(opened -> opened.failed() ? unreachable(address, opened.cause())
        : track(callId, opened.result()).send(object, timeoutMillis, metadata)
            .transform(ar -> answer(ar, callId, address, deadline)));
  }

  // The call's end: no longer in flight, its server marked reachable if it answered, the reply parsed.
  private Future<dev.coproxy.proto.Object> answer(AsyncResult<Buffer> ar, String callId, SocketAddress address, long deadline) {
    settle(callId, address, ar.succeeded());
    if (ar.failed()) {
      return Future.failedFuture(pastDeadline(failure(ar.cause(), address), deadline));
    }
    try {
      return Future.succeededFuture(dev.coproxy.proto.Object.parseFrom(ar.result().getBytes()));
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      return Future.failedFuture(new HookFailure(HookFailure.Reason.BAD_REPLY, "reply is not a coprocess.Object"));
    }
  }

  private <T> Future<T> unreachable(SocketAddress address, Throwable e) {
    addresses.unreachable(address);
    if (addresses.allDown()) {
      reachability.markDown(e);
    }
    return Future.failedFuture(new HookFailure(HookFailure.Reason.ERROR, "cannot reach gRPC plugin server " + target));
  }

  @Override
  public Future<Void> dispatchEvent(String payload) {
    if (!reachability.up()) {
      eventFailed(new IllegalStateException("the server is unreachable, the event is dropped"));
      return Future.succeededFuture();
    }
    calls.open(addresses.pick(), EVENT_METHOD)
        .compose(call -> call.send(Event.newBuilder().setPayload(payload).build(), 0, Map.of()))
        .onSuccess(r -> eventFailureLogged.set(false))
        .onFailure(this::eventFailed);
    return Future.succeededFuture();
  }

  private void eventFailed(Throwable e) {
    if (eventFailureLogged.compareAndSet(false, true)) {
      LOG.log(Level.WARNING, "gRPC plugin server " + target + ": DispatchEvent failed: " + e.getMessage()
          + " (further failures are not logged until one succeeds)");
    }
  }

  @Override
  public Future<Void> reload() {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> close() {
    reachability.stopProbing();
    addresses.close();
    return calls.close();
  }

  // Gets a stream on the pooled connection (opening it when there is none) without sending anything.
  private Future<Void> probe() {
    SocketAddress address = addresses.pick();
    return calls.probe(address).recover(e -> {
      addresses.unreachable(address);
      return Future.failedFuture(e);
    }).map(v -> {
      addresses.reachable(address);
      reachability.markUp();
      return null;
    });
  }

  private static boolean isDeadline(GrpcStatus code) {
    return code == GrpcStatus.DEADLINE_EXCEEDED || code == GrpcStatus.CANCELLED;
  }

  // However the call ended (the client's own deadline resets the stream), once its deadline has
  // passed the failure is a timeout, as the caller's own send timeout would have called it.
  private static HookFailure pastDeadline(HookFailure failure, long deadline) {
    if (failure.reason() == HookFailure.Reason.ERROR && System.currentTimeMillis() >= deadline) {
      return new HookFailure(HookFailure.Reason.TIMEOUT, "no answer before the deadline (" + failure.getMessage() + ")");
    }
    return failure;
  }

  private HookFailure failure(Throwable e, SocketAddress address) {
    if (e instanceof StatusFailure status && !isDeadline(status.status())) {
      return new HookFailure(HookFailure.Reason.ERROR, "gRPC status " + status.status().name() + ": " + status.getMessage());
    }
    if (e instanceof StatusFailure status) {
      return new HookFailure(HookFailure.Reason.TIMEOUT, "gRPC " + status.status().name());
    }
    if (e instanceof InvalidStatusException status) {
      GrpcStatus code = status.actualStatus();
      if (isDeadline(code)) {
        return new HookFailure(HookFailure.Reason.TIMEOUT, "gRPC " + code.name());
      }
      return new HookFailure(HookFailure.Reason.ERROR, "gRPC status " + code.name());
    }
    if (e instanceof io.vertx.core.http.HttpClosedException) {
      // The connection went away under the call: the next calls must not wait for it.
      addresses.unreachable(address);
      if (addresses.allDown()) {
        reachability.markDown(e);
      }
      return new HookFailure(HookFailure.Reason.ERROR, "gRPC plugin server " + target + " closed the connection");
    }
    if (e instanceof io.vertx.grpc.common.MessageSizeOverflowException) {
      return new HookFailure(HookFailure.Reason.ERROR, "reply exceeds grpc_recv_max_size " + recvMax);
    }
    return new HookFailure(HookFailure.Reason.ERROR, e.getClass().getSimpleName() + ": " + e.getMessage());
  }
}
