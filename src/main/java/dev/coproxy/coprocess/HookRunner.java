package dev.coproxy.coprocess;

import dev.coproxy.bus.CoprocessAddresses;
import dev.coproxy.bus.LoopLocal;
import dev.coproxy.chain.ChainInterruption;
import dev.coproxy.chain.RequestContext;
import dev.coproxy.log.RateLimitedLog;
import dev.coproxy.tracing.HookSpan;
import dev.coproxy.tracing.RequestSpan;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The request path's side of one configured hook: sends the object to its driver's verticle
 * ({@link DriverCalls}: one local hop, on the request's own loop when the driver listens there)
 * with the hook's deadline, turns every failure into a {@link HookFailure}, times the call, counts failures by
 * reason, and logs a failure with the API id and hook name (at most once a second per hook, so a
 * broken plugin under traffic does not flood the log). With debug headers on for the API it also
 * writes the call's time and a failure's location on the client's answer ({@link DebugHeaders}). With
 * {@code detailed_tracing} on the API (and {@code opentelemetry} on) each call gets a span under the
 * request's, with the hook's type, name, driver and outcome. On a traced request the call carries
 * the W3C trace context, with the hook's span (else the request's) as the parent: a gRPC plugin
 * gets it as call metadata, Python and Lua in the object's {@code metadata} map
 * ({@link CoprocessDriver.HookCall#objectBytesWithTrace()}; Python's runner moves it onto the request).
 */
final class HookRunner {

  private static final System.Logger LOG = System.getLogger(HookRunner.class.getName());
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final Vertx vertx;
  private final HookSpec hook;
  private final String apiId;
  private final HookMeters meters;
  private final Supplier<String> callIds;
  private final String pluginDirs;
  private final LoopLocal.Target driverAddress;
  private final String cancelAddress;
  private final boolean debug;
  private final boolean detailedTracing;
  private final RateLimitedLog log = RateLimitedLog.perSecond(LOG);

  /**
   * @param callIds a new id, unique in this process, for each call (a cancel message names it)
   * @param debug the API's answers carry {@link DebugHeaders}
   * @param detailedTracing the API's {@code detailed_tracing}: a span per call when the request is traced
   */
  HookRunner(Vertx vertx, HookSpec hook, String apiId, HookMeters meters, Supplier<String> callIds, boolean debug,
      boolean detailedTracing) {
    this.detailedTracing = detailedTracing;
    this.vertx = vertx;
    this.hook = hook;
    this.apiId = apiId;
    this.meters = meters;
    this.callIds = callIds;
    this.debug = debug;
    this.pluginDirs = hook.pluginDirs().isEmpty() ? null : CoprocessAddresses.joinDirs(hook.pluginDirs());
    this.driverAddress = DriverCalls.address(vertx, hook.driver());
    this.cancelAddress = CoprocessAddresses.driver(hook.driver()) + CoprocessAddresses.CANCEL_SUFFIX;
  }

  HookSpec hook() {
    return hook;
  }

  /**
   * The plugin's reply for a request hook, or a failed {@link HookFailure} that is already counted
   * and logged. If the client goes away first, the driver is told to cancel the call (a gRPC call is
   * cancelled on the plugin server).
   */
  Future<dev.coproxy.proto.Object> call(dev.coproxy.proto.Object object, RequestContext ctx) {
    return call(object, ctx, true);
  }

  /** As {@link #call(dev.coproxy.proto.Object, RequestContext)} for a response hook: no cancelling. */
  Future<dev.coproxy.proto.Object> callOnResponse(dev.coproxy.proto.Object object, RequestContext ctx) {
    return call(object, ctx, false);
  }

  private Future<dev.coproxy.proto.Object> call(dev.coproxy.proto.Object object, RequestContext ctx, boolean cancellable) {
    long start = System.nanoTime();
    RequestSpan request = ctx.span();
    // A request sampled out gets no hook spans: they would be sampled out too, at a cost.
    HookSpan span = detailedTracing && request != null && request.recording()
        ? request.hook(hook.key(), hook.name(), hook.driver()) : null;
    String traceparent = span != null ? span.traceparent() : request == null ? null : request.traceparent();
    String tracestate = traceparent == null ? null : request.tracestate();
    RequestContext waiting = cancellable ? ctx : null;
    // One stage for the whole answer: each stage of a future chain costs on every call.
    return send(object, waiting, traceparent, tracestate).transform(ar -> {
      if (waiting != null) {
        waiting.onClientGone(null);
      }
      long nanos = System.nanoTime() - start;
      meters.duration(nanos);
      if (debug) {
        DebugHeaders.timed(ctx, hook, nanos);
      }
      dev.coproxy.proto.Object reply;
      try {
        reply = DriverCalls.reply(hook.driver(), ar);
      } catch (HookFailure caught) {
        HookFailure failure = failed(caught);
        if (span != null) {
          span.failed(failure.reason().label(), failure.getMessage());
        }
        return Future.failedFuture(failure);
      }
      if (span != null) {
        span.succeeded();
      }
      return Future.succeededFuture(traceparent == null ? reply : untraced(reply, traceparent, tracestate));
    });
  }

  // A plugin that hands its object back returns the trace context too; it must not end up in the
  // session's metadata (an auth hook's reply metadata is merged into the session).
  private static dev.coproxy.proto.Object untraced(dev.coproxy.proto.Object reply, String traceparent, String tracestate) {
    if (!traceparent.equals(reply.getMetadataOrDefault(CoprocessDriver.HookCall.TRACEPARENT, null))) {
      return reply;
    }
    dev.coproxy.proto.Object.Builder clean = reply.toBuilder().removeMetadata(CoprocessDriver.HookCall.TRACEPARENT);
    if (tracestate != null && tracestate.equals(reply.getMetadataOrDefault(CoprocessDriver.HookCall.TRACESTATE, null))) {
      clean.removeMetadata(CoprocessDriver.HookCall.TRACESTATE);
    }
    return clean.build();
  }

  private Future<Message<Object>> send(dev.coproxy.proto.Object object, RequestContext waiting, String traceparent,
      String tracestate) {
    long deadline = System.currentTimeMillis() + hook.timeoutMillis();
    String callId = callIds.get();
    // The send timeout is the deadline: a driver that has not answered by then fails the call as a timeout.
    DeliveryOptions options = new DeliveryOptions()
        .setSendTimeout(hook.timeoutMillis())
        .addHeader(CoprocessAddresses.HEADER_API_ID, apiId)
        .addHeader(CoprocessAddresses.HEADER_DEADLINE, Long.toString(deadline))
        .addHeader(CoprocessAddresses.HEADER_CALL_ID, callId);
    if (pluginDirs != null) {
      options.addHeader(CoprocessAddresses.HEADER_PLUGIN_DIRS, pluginDirs);
    }
    if (traceparent != null) {
      options.addHeader(CoprocessAddresses.HEADER_TRACEPARENT, traceparent);
      if (tracestate != null) {
        options.addHeader(CoprocessAddresses.HEADER_TRACESTATE, tracestate);
      }
    }
    if (waiting != null) {
      waiting.onClientGone(() -> vertx.eventBus().publish(cancelAddress, callId, LOCAL));
    }
    return DriverCalls.request(vertx, driverAddress, object, options);
  }

  /** Counts and logs a failure found while applying a reply. */
  HookFailure failed(HookFailure failure) {
    meters.failure(failure.reason());
    log.log(Level.ERROR, () -> "api " + apiId + ": " + hook.key() + " hook \"" + hook.name() + "\" (driver " + hook.driver()
        + ") failed [" + failure.reason().label() + "]: " + failure.getMessage());
    return failure;
  }

  /**
   * The client's answer to a failure of this hook (already counted and logged): Tyk's error with
   * {@code status} and {@code message}, plus {@code X-Coproxy-Plugin-Error} with debug headers on.
   */
  ChainInterruption refusal(HookFailure failure, int status, String message) {
    return debug ? ChainInterruption.error(status, message, Map.of(DebugHeaders.PLUGIN_ERROR, DebugHeaders.pluginError(hook, failure)))
        : ChainInterruption.error(status, message);
  }
}
