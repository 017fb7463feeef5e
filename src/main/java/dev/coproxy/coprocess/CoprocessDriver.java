package dev.coproxy.coprocess;

import io.vertx.core.Future;

/**
 * What a language driver (gRPC, Python, Lua, or a test driver) implements. {@link DriverVerticle}
 * puts it on the event bus; the driver never sees HTTP.
 */
public interface CoprocessDriver {

  /** The name APIs use in {@code custom_middleware.driver}. */
  String name();

  /**
   * Runs one hook. The returned object is the plugin's reply (the same {@code Object} shape); a
   * failed future carries a {@link HookFailure} (or any exception, counted as an error).
   *
   * @param call the hook's object, API and deadline
   */
  Future<dev.coproxy.proto.Object> dispatch(HookCall call);

  /** Delivers a gateway event (Tyk's JSON payload) to the plugin; errors are the driver's to log. */
  Future<Void> dispatchEvent(String payload);

  /**
   * Delivers an event to the plugin code of an API whose code lives in bundle directories; drivers
   * that read plugin files override it.
   *
   * @param pluginDirs the API's plugin directories; empty for the default folder or a global handler
   */
  default Future<Void> dispatchEvent(String payload, java.util.List<String> pluginDirs) {
    return dispatchEvent(payload);
  }

  /**
   * The client of the call with this {@link HookCall#callId()} went away: stop working on it if the
   * driver can (the call's reply is no longer wanted either way).
   */
  default void cancel(String callId) {
  }

  /** Reloads plugin code. */
  Future<Void> reload();

  /** Releases processes, connections and threads. */
  default Future<Void> close() {
    return Future.succeededFuture();
  }

  /**
   * One hook invocation as a driver receives it.
   *
   * @param object the request (and response) as the plugin sees it
   * @param apiId the API
   * @param deadlineMillis epoch ms after which the answer is no longer wanted
   * @param pluginDirs where the API's plugin code lives (bundle directories); empty for the
   *     driver's default folder
   * @param callId names the call in {@link #cancel(String)}; null when it cannot be cancelled
   * @param traceparent the W3C trace context the plugin continues; null when the request is not traced
   * @param tracestate passed on with it; null when empty
   */
  record HookCall(dev.coproxy.proto.Object object, String apiId, long deadlineMillis, java.util.List<String> pluginDirs,
      String callId, String traceparent, String tracestate) {

    /** Metadata keys under which {@link #objectBytesWithTrace()} puts the trace context (and Lua's metadata table). */
    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";

    public HookCall {
      pluginDirs = java.util.List.copyOf(pluginDirs);
    }

    /** A call of an untraced request. */
    public HookCall(dev.coproxy.proto.Object object, String apiId, long deadlineMillis, java.util.List<String> pluginDirs,
        String callId) {
      this(object, apiId, deadlineMillis, pluginDirs, callId, null, null);
    }

    /** A call that is not cancelled. */
    public HookCall(dev.coproxy.proto.Object object, String apiId, long deadlineMillis, java.util.List<String> pluginDirs) {
      this(object, apiId, deadlineMillis, pluginDirs, null);
    }

    /** A call whose code lives in the driver's default folder. */
    public HookCall(dev.coproxy.proto.Object object, String apiId, long deadlineMillis) {
      this(object, apiId, deadlineMillis, java.util.List.of(), null);
    }

    /**
     * The object in wire form for a driver without call metadata (Python): with the trace context
     * in its {@code metadata} map, where the plugin's runner reads it. The context is appended as
     * map entries (protobuf merges what follows into the message), so the object is not rebuilt.
     */
    public byte[] objectBytesWithTrace() {
      byte[] bytes = object.toByteArray();
      if (traceparent == null) {
        return bytes;
      }
      dev.coproxy.proto.Object.Builder trace = dev.coproxy.proto.Object.newBuilder().putMetadata(TRACEPARENT, traceparent);
      byte[] tail = (tracestate == null ? trace : trace.putMetadata(TRACESTATE, tracestate)).build().toByteArray();
      byte[] out = java.util.Arrays.copyOf(bytes, bytes.length + tail.length);
      System.arraycopy(tail, 0, out, bytes.length, tail.length);
      return out;
    }

    /** Milliseconds left before the deadline (at least 1). */
    public long remainingMillis() {
      return Math.max(1, deadlineMillis - System.currentTimeMillis());
    }
  }
}
