package dev.coproxy.coprocess.lua;

import dev.coproxy.coprocess.CoprocessDriver;
import dev.coproxy.coprocess.HookFailure;
import dev.coproxy.events.EventSink;
import dev.coproxy.proto.HookType;
import dev.coproxy.proto.MiniRequestObject;
import dev.coproxy.proto.ResponseObject;
import dev.coproxy.proto.SessionState;
import dev.coproxy.session.KeyValueStore;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaClosure;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * Driver {@code lua}: one LuaJ state per instance, deployed as a worker verticle (one instance per
 * {@code lua_instances}), so calls to one instance never overlap and no event loop ever runs Lua.
 * The scripts are compiled once per load ({@link LuaScripts}); an instance runs them into fresh
 * globals when it sees a new load, between two calls. Hooks follow Tyk's global-function contract:
 * {@code f(request, session, spec)} returning {@code request, session}; auth checks
 * {@code f(request, session, metadata, spec)} returning {@code request, session, metadata};
 * response hooks {@code f(request, response, session, metadata, spec)} returning {@code response}.
 */
public final class LuaDriver implements CoprocessDriver {

  /** The driver name APIs use. */
  public static final String NAME = "lua";

  private static final System.Logger LOG = System.getLogger(LuaDriver.class.getName());
  /** How long a file's top-level code or an event function may run. */
  private static final long SETUP_MILLIS = 5000;

  private final LuaScripts scripts;
  private final boolean allowOs;
  private final TykLibrary tyk;
  private Globals globals;
  private long generation = -1;
  private long deadline;

  public LuaDriver(LuaScripts scripts, boolean allowOs, KeyValueStore store, EventSink events) {
    this.scripts = scripts;
    this.allowOs = allowOs;
    this.tyk = new TykLibrary(store, events, () -> Math.max(1, deadline - System.currentTimeMillis()));
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Future<dev.coproxy.proto.Object> dispatch(HookCall call) {
    try {
      return Future.succeededFuture(run(call));
    } catch (HookFailure failure) {
      return Future.failedFuture(failure);
    }
  }

  private dev.coproxy.proto.Object run(HookCall call) {
    if (System.currentTimeMillis() > call.deadlineMillis()) {
      // Queued behind a slow call: nobody waits for this answer any more.
      throw new HookFailure(HookFailure.Reason.TIMEOUT, "lua: the deadline passed before an instance was free");
    }
    refresh();
    dev.coproxy.proto.Object object = call.object();
    LuaValue function = function(object.getHookName());
    LuaTable request = LuaTables.toLua(object.getRequest());
    LuaValue session = object.hasSession() ? LuaTables.toLua(object.getSession()) : new LuaTable();
    LuaTable metadata = mapTable(object.getMetadataMap());
    LuaTable spec = mapTable(object.getSpecMap());
    tyk.request(request);
    deadline = call.deadlineMillis();
    dev.coproxy.proto.Object.Builder reply = object.toBuilder();
    if (object.getHookType() == HookType.Response) {
      LuaValue response = LuaTables.toLua(object.getResponse());
      Varargs out = invoke(function, LuaValue.varargsOf(new LuaValue[] {request, response, session, metadata, spec}));
      LuaValue returned = out.arg1().istable() ? out.arg1() : response;
      ResponseObject.Builder builder = object.getResponse().toBuilder();
      LuaTables.fromLua(returned, builder);
      return reply.setResponse(builder).build();
    }
    boolean auth = object.getHookType() == HookType.CustomKeyCheck;
    Varargs out = auth
        ? invoke(function, LuaValue.varargsOf(new LuaValue[] {request, session, metadata, spec}))
        : invoke(function, LuaValue.varargsOf(request, session, spec));
    MiniRequestObject.Builder newRequest = object.getRequest().toBuilder();
    LuaTables.fromLua(out.arg1().istable() ? out.arg1() : request, newRequest);
    reply.setRequest(newRequest);
    LuaValue newSession = out.arg(2);
    if (newSession.istable() && (object.hasSession() || LuaTables.hasEntries(newSession))) {
      SessionState.Builder state = object.getSession().toBuilder();
      LuaTables.fromLua(newSession, state);
      reply.setSession(state);
    }
    if (auth && out.arg(3).istable()) {
      reply.clearMetadata().putAllMetadata(stringMap(out.arg(3)));
    }
    return reply.build();
  }

  private LuaValue function(String name) {
    LuaValue function = globals.get(name);
    if (function.isfunction()) {
      return function;
    }
    String broken = scripts.current().brokenFunctions().get(name);
    if (broken != null) {
      throw new HookFailure(HookFailure.Reason.ERROR, broken);
    }
    throw new HookFailure(HookFailure.Reason.ERROR, "no global Lua function named \"" + name + "\" in " + scripts.directory()
        + (scripts.current().broken().isEmpty() ? "" : " (files that do not compile: " + scripts.current().broken().keySet() + ")"));
  }

  // Runs Lua; every way it can fail becomes a HookFailure carrying the Lua message.
  private Varargs invoke(LuaValue function, Varargs args) {
    try {
      return function.invoke(args);
    } catch (LuaError e) {
      throw new HookFailure(HookFailure.Reason.ERROR, "lua: " + e.getMessage());
    } catch (LuaSandbox.DeadlineExceeded e) {
      generation = -1;
      throw new HookFailure(HookFailure.Reason.TIMEOUT, "lua: " + e.getMessage());
    } catch (StackOverflowError e) {
      generation = -1;
      throw new HookFailure(HookFailure.Reason.ERROR, "lua: stack overflow");
    } catch (RuntimeException e) {
      throw new HookFailure(HookFailure.Reason.ERROR, "lua: " + e);
    }
  }

  /** Rebuilds this instance's globals when the scripts were loaded again (or a script was stopped). */
  private void refresh() {
    LuaScripts.Snapshot snapshot = scripts.current();
    if (snapshot.generation() == 0) {
      snapshot = scripts.load();
    }
    if (snapshot.generation() == generation) {
      return;
    }
    Globals fresh = LuaSandbox.create(allowOs, () -> deadline);
    fresh.set("tyk", tyk.table());
    for (LuaScripts.Chunk chunk : snapshot.chunks()) {
      deadline = System.currentTimeMillis() + SETUP_MILLIS;
      try {
        new LuaClosure(chunk.prototype(), fresh).call();
      } catch (LuaError | LuaSandbox.DeadlineExceeded | StackOverflowError e) {
        LOG.log(Level.ERROR, "lua/" + chunk.file() + " failed while loading: " + e.getMessage());
      }
    }
    globals = fresh;
    generation = snapshot.generation();
  }

  /** Calls the function named in a {@code cp_dynamic_handler}'s meta with the event and the API spec. */
  @Override
  public Future<Void> dispatchEvent(String payload) {
    try {
      JsonObject event = new JsonObject(payload);
      String name = event.getString("handler_name", "");
      refresh();
      LuaValue function = function(name);
      tyk.request(new LuaTable());
      deadline = System.currentTimeMillis() + SETUP_MILLIS;
      invoke(function, LuaValue.varargsOf(LuaTables.fromJson(event.getValue("message")), LuaTables.fromJson(event.getValue("spec"))));
      return Future.succeededFuture();
    } catch (HookFailure | DecodeException | ClassCastException e) {
      return Future.failedFuture("lua event: " + e.getMessage());
    }
  }

  @Override
  public Future<Void> reload() {
    scripts.load();
    refresh();
    return Future.succeededFuture();
  }

  private static LuaTable mapTable(java.util.Map<String, String> map) {
    LuaTable table = new LuaTable();
    map.forEach((k, v) -> table.set(k, v));
    return table;
  }

  private static java.util.Map<String, String> stringMap(LuaValue table) {
    java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
    LuaValue k = LuaValue.NIL;
    while (true) {
      Varargs next = table.next(k);
      k = next.arg1();
      if (k.isnil()) {
        return out;
      }
      if (next.arg(2).isstring()) {
        out.put(k.tojstring(), next.arg(2).tojstring());
      }
    }
  }
}
