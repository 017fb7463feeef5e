package dev.coproxy.coprocess.lua;

import dev.coproxy.coprocess.PluginLogLevel;
import dev.coproxy.events.EventSink;
import dev.coproxy.session.KeyValueStore;
import io.vertx.core.Context;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

/**
 * The global {@code tyk} table a Lua script sees: Tyk's request helpers ({@code tyk.req.set_header},
 * {@code clear_header}, {@code get_headers}) acting on the request of the running hook, and the
 * gateway functions of the Python binding: {@code store_data} and {@code get_data} on the gateway's
 * store under {@value #DATA_PREFIX}, {@code trigger_event} (a system event) and {@code log}; and
 * {@code traceparent()} / {@code tracestate()}, the W3C trace context of the running call (nil when
 * the request is not traced).
 *
 * <p>On an event loop the store functions stop the script ({@link LuaSandbox.LeavesLoop}: they
 * wait for the store), and logs and events wait until the call ends: a call stopped there runs
 * again on a worker, and must not log or fire twice.
 */
final class TykLibrary {

  /** Key prefix of plugin data in the store, as in Tyk. */
  static final String DATA_PREFIX = "coprocess-data:";

  private static final System.Logger LOG = System.getLogger("dev.coproxy.coprocess.lua.script");

  private final KeyValueStore store;
  private final EventSink events;
  private final LongSupplier remainingMillis;
  private LuaTable request = new LuaTable();
  private LuaValue traceparent = LuaValue.NIL;
  private LuaValue tracestate = LuaValue.NIL;
  /** Logs and events of the running call on an event loop, done when it ends. */
  private final List<Runnable> deferred = new ArrayList<>();

  /**
   * @param remainingMillis time left before the running call's deadline, bounding store calls
   */
  TykLibrary(KeyValueStore store, EventSink events, LongSupplier remainingMillis) {
    this.store = store;
    this.events = events;
    this.remainingMillis = remainingMillis;
  }

  /**
   * Sets the request table the {@code tyk.req} helpers act on for the next call, and the trace
   * context {@code tyk.traceparent()} and {@code tyk.tracestate()} give it (null: not traced).
   */
  void request(LuaTable current, String traceparent, String tracestate) {
    this.request = current;
    this.traceparent = traceparent == null ? LuaValue.NIL : LuaValue.valueOf(traceparent);
    this.tracestate = tracestate == null ? LuaValue.NIL : LuaValue.valueOf(tracestate);
    deferred.clear();
  }

  /** Does the logs and events the call ended with (it ran to its end, or failed for good). */
  void finish() {
    List<Runnable> done = List.copyOf(deferred);
    deferred.clear();
    done.forEach(Runnable::run);
  }

  /** Drops them: the call runs again elsewhere. */
  void abandon() {
    deferred.clear();
  }

  // Right away on a worker thread; at the end of the call on an event loop.
  private void sideEffect(Runnable action) {
    if (Context.isOnEventLoopThread()) {
      deferred.add(action);
    } else {
      action.run();
    }
  }

  LuaTable table() {
    LuaTable req = new LuaTable();
    req.set("set_header", function(args -> {
      table(request, SET_HEADERS).set(args.checkstring(1), args.checkstring(2));
      return LuaValue.NONE;
    }));
    req.set("clear_header", function(args -> {
      LuaTable deletes = table(request, DELETE_HEADERS);
      deletes.set(deletes.length() + 1, args.checkstring(1));
      return LuaValue.NONE;
    }));
    req.set("get_headers", function(args -> table(request, HEADERS)));
    LuaTable tyk = new LuaTable();
    tyk.set("req", req);
    // Every hook type can continue the trace, also pre and post hooks, which get no metadata argument.
    tyk.set("traceparent", function(args -> traceparent));
    tyk.set("tracestate", function(args -> tracestate));
    tyk.set("store_data", function(args -> {
      long ttlSeconds = args.optlong(3, 0);
      await(() -> store.put(DATA_PREFIX + args.checkjstring(1), args.checkjstring(2), Math.max(0, ttlSeconds) * 1000));
      return LuaValue.NONE;
    }));
    tyk.set("get_data", function(args -> {
      String value = await(() -> store.get(DATA_PREFIX + args.checkjstring(1)));
      return LuaValue.valueOf(value == null ? "" : value);
    }));
    tyk.set("trigger_event", function(args -> {
      String type = args.checkjstring(1);
      JsonObject meta = new JsonObject().put("Message", args.optjstring(2, "")).put("OriginatingRequest", "");
      sideEffect(() -> events.fire(type, "", "", meta));
      return LuaValue.NONE;
    }));
    tyk.set("log", function(args -> {
      Level level = PluginLogLevel.of(args.optjstring(2, "info"));
      String line = "lua: " + args.checkjstring(1);
      sideEffect(() -> LOG.log(level, line));
      return LuaValue.NONE;
    }));
    tyk.set("log_error", function(args -> {
      String line = "lua: " + args.checkjstring(1);
      sideEffect(() -> LOG.log(Level.ERROR, line));
      return LuaValue.NONE;
    }));
    return tyk;
  }

  // Blocks this worker (never an event loop) until the store answers, at most until the deadline.
  // Vert.x refuses Future.await on worker threads, so the wait goes through a CompletableFuture.
  private <T> T await(java.util.function.Supplier<io.vertx.core.Future<T>> call) {
    if (Context.isOnEventLoopThread()) {
      throw new LuaSandbox.LeavesLoop("a store call waits for the store");
    }
    try {
      return call.get().toCompletionStage().toCompletableFuture().get(remainingMillis.getAsLong(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new org.luaj.vm2.LuaError("the gateway store did not answer before the hook's deadline");
    } catch (java.util.concurrent.ExecutionException e) {
      throw new org.luaj.vm2.LuaError("the gateway store failed: " + e.getCause().getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new org.luaj.vm2.LuaError("interrupted while waiting for the gateway store");
    }
  }


  // The request fields the helpers use, as Lua strings made once (LuaValue.valueOf hashes and interns).
  private static final LuaString SET_HEADERS = LuaString.valueOf("set_headers");
  private static final LuaString DELETE_HEADERS = LuaString.valueOf("delete_headers");
  private static final LuaString HEADERS = LuaString.valueOf("headers");

  private static LuaTable table(LuaTable parent, LuaString key) {
    LuaValue value = parent.get(key);
    if (value.istable()) {
      return (LuaTable) value;
    }
    LuaTable created = new LuaTable();
    parent.set(key, created);
    return created;
  }

  private static VarArgFunction function(java.util.function.Function<Varargs, Varargs> body) {
    return new VarArgFunction() {
      @Override
      public Varargs invoke(Varargs args) {
        return body.apply(args);
      }
    };
  }
}
