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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * globals when it sees a new load, between two calls. An API whose code comes from bundles
 * ({@code HookCall.pluginDirs()}) runs each bundle's listed {@code .lua} files in globals of their
 * own ({@link LuaBundles}); a hook is the first bundle's global function of that name. Hooks
 * follow Tyk's global-function contract: {@code f(request, session, spec)} returning {@code request, session}; auth checks
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
  private final LuaBundles bundles;
  private final boolean allowOs;
  private final TykLibrary tyk;
  private final State folder;
  private final Map<String, State> bundleStates = new HashMap<>();
  /** The state whose code runs now (a timeout there forces its rebuild). */
  private State running;
  private long deadline;

  /** One set of scripts run into globals of this instance. */
  private static final class State {
    private LuaScripts scripts;
    private Globals globals;
    private long generation = -1;

    State(LuaScripts scripts) {
      this.scripts = scripts;
    }
  }

  public LuaDriver(LuaScripts scripts, boolean allowOs, KeyValueStore store, EventSink events) {
    this(scripts, new LuaBundles(), allowOs, store, events);
  }

  /**
   * @param scripts the default folder's scripts ({@code <middleware_path>/lua})
   * @param bundles the scripts of bundle directories, shared by the instances
   */
  public LuaDriver(LuaScripts scripts, LuaBundles bundles, boolean allowOs, KeyValueStore store, EventSink events) {
    this.scripts = scripts;
    this.bundles = bundles;
    this.folder = new State(scripts);
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
    dev.coproxy.proto.Object object = call.object();
    LuaValue function = function(states(call.pluginDirs()), object.getHookName());
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

  private LuaValue function(List<State> states, String name) {
    for (State state : states) {
      LuaValue function = state.globals.get(name);
      if (function.isfunction()) {
        running = state;
        return function;
      }
    }
    List<String> brokenFiles = new ArrayList<>();
    for (State state : states) {
      String broken = state.scripts.current().brokenFunctions().get(name);
      if (broken != null) {
        throw new HookFailure(HookFailure.Reason.ERROR, broken);
      }
      state.scripts.current().broken().keySet().forEach(file -> brokenFiles.add(state.scripts.label(file)));
    }
    String where = states.size() == 1 ? states.get(0).scripts.directory().toString()
        : states.stream().map(state -> state.scripts.directory().toString()).toList().toString();
    throw new HookFailure(HookFailure.Reason.ERROR, "no global Lua function named \"" + name + "\" in " + where
        + (brokenFiles.isEmpty() ? "" : " (files that do not compile: " + brokenFiles + ")"));
  }

  // The states of an API's code, current: its bundle directories, or the default folder.
  private List<State> states(List<String> pluginDirs) {
    if (pluginDirs.isEmpty()) {
      refresh(folder);
      return List.of(folder);
    }
    List<State> states = new ArrayList<>(pluginDirs.size());
    for (String dir : pluginDirs) {
      LuaScripts current = bundles.scripts(dir);
      State state = bundleStates.computeIfAbsent(dir, d -> new State(current));
      if (state.scripts != current) {
        state.scripts = current;
        state.generation = -1;
      }
      refresh(state);
      states.add(state);
    }
    return states;
  }

  // Runs Lua; every way it can fail becomes a HookFailure carrying the Lua message.
  private Varargs invoke(LuaValue function, Varargs args) {
    try {
      return function.invoke(args);
    } catch (LuaError e) {
      throw new HookFailure(HookFailure.Reason.ERROR, "lua: " + e.getMessage());
    } catch (LuaSandbox.DeadlineExceeded e) {
      stale();
      throw new HookFailure(HookFailure.Reason.TIMEOUT, "lua: " + e.getMessage());
    } catch (StackOverflowError e) {
      stale();
      throw new HookFailure(HookFailure.Reason.ERROR, "lua: stack overflow");
    } catch (RuntimeException e) {
      throw new HookFailure(HookFailure.Reason.ERROR, "lua: " + e);
    }
  }

  private void stale() {
    if (running != null) {
      running.generation = -1;
    }
  }

  /** Rebuilds a state's globals when its scripts were loaded again (or a script was stopped). */
  private void refresh(State state) {
    LuaScripts.Snapshot snapshot = state.scripts.current();
    if (snapshot.generation() == 0) {
      snapshot = state.scripts.load();
    }
    if (snapshot.generation() == state.generation) {
      return;
    }
    Globals fresh = LuaSandbox.create(allowOs, () -> deadline);
    fresh.set("tyk", tyk.table());
    for (LuaScripts.Chunk chunk : snapshot.chunks()) {
      deadline = System.currentTimeMillis() + SETUP_MILLIS;
      try {
        new LuaClosure(chunk.prototype(), fresh).call();
      } catch (LuaError | LuaSandbox.DeadlineExceeded | StackOverflowError e) {
        LOG.log(Level.ERROR, state.scripts.label(chunk.file()) + " failed while loading: " + e.getMessage());
      }
    }
    state.globals = fresh;
    state.generation = snapshot.generation();
  }

  /** Calls the function named in a {@code cp_dynamic_handler}'s meta with the event and the API spec. */
  @Override
  public Future<Void> dispatchEvent(String payload) {
    return dispatchEvent(payload, List.of());
  }

  /** As {@link #dispatchEvent(String)}, looking the function up in the API's bundles when it has some. */
  @Override
  public Future<Void> dispatchEvent(String payload, List<String> pluginDirs) {
    try {
      JsonObject event = new JsonObject(payload);
      String name = event.getString("handler_name", "");
      LuaValue function = function(states(pluginDirs), name);
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
    bundles.load();
    bundleStates.keySet().removeIf(dir -> !java.nio.file.Files.isDirectory(java.nio.file.Path.of(dir)));
    refresh(folder);
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
