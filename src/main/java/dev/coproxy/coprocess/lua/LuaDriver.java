package dev.coproxy.coprocess.lua;

import dev.coproxy.coprocess.CoprocessDriver;
import dev.coproxy.coprocess.HookFailure;
import dev.coproxy.coprocess.RunElsewhere;
import dev.coproxy.events.EventSink;
import dev.coproxy.session.KeyValueStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * Driver {@code lua}: one LuaJ state per instance, so calls to one instance never overlap. The
 * scripts are compiled once per load ({@link LuaScripts}); an instance runs them into fresh globals
 * when it sees a new load, between two calls. An API whose code comes from bundles
 * ({@code HookCall.pluginDirs()}) runs each bundle's listed {@code .lua} files in globals of their
 * own ({@link LuaBundles}); a hook is the first bundle's global function of that name, called as
 * {@link LuaHookCall} describes.
 *
 * <p>Instances run in one of two places. Worker instances ({@code lua_instances}, a worker pool of
 * their own) run anything until its deadline. An instance on an event loop ({@link Loop}) runs a
 * call there only within a budget of instructions and without anything that may block: past it,
 * or at a store call, a file, a process or a coroutine, the script is stopped, nothing it did takes
 * effect, and the call is handed to the workers ({@link RunElsewhere}); that hook then always goes
 * to the workers until its code is loaded again. Its globals are built on a worker thread, and calls
 * go to the workers meanwhile. So a hook that is quick and pure costs no hand-over between threads,
 * and no script holds an event loop for more than its budget of instructions.
 */
public final class LuaDriver implements CoprocessDriver {

  /** The driver name APIs use. */
  public static final String NAME = "lua";

  private static final System.Logger LOG = System.getLogger(LuaDriver.class.getName());
  /** How long an event function may run. */
  private static final long EVENT_MILLIS = 5000;

  private final Loop loop;
  private final TykLibrary tyk;
  private final LuaStates states;
  /** The state whose code runs now (a script stopped there forces its rebuild). */
  private LuaStates.State running;
  /** The running call's deadline (store calls wait at most until then). */
  private long deadline;

  /**
   * How an instance on an event loop runs.
   *
   * @param instructions how many Lua instructions a call may run on the loop ({@code lua_loop_instructions})
   * @param vertx builds the instance's globals off the loop
   */
  public record Loop(long instructions, Vertx vertx) {
  }

  public LuaDriver(LuaScripts scripts, boolean allowOs, KeyValueStore store, EventSink events) {
    this(scripts, new LuaBundles(), allowOs, store, events);
  }

  /**
   * A worker instance.
   *
   * @param scripts the default folder's scripts ({@code <middleware_path>/lua})
   * @param bundles the scripts of bundle directories, shared by the instances
   */
  public LuaDriver(LuaScripts scripts, LuaBundles bundles, boolean allowOs, KeyValueStore store, EventSink events) {
    this(scripts, bundles, allowOs, store, events, null);
  }

  /** An instance on an event loop when {@code loop} is set, else a worker instance. */
  public LuaDriver(LuaScripts scripts, LuaBundles bundles, boolean allowOs, KeyValueStore store, EventSink events, Loop loop) {
    this.loop = loop;
    this.tyk = new TykLibrary(store, events, () -> Math.max(1, deadline - System.currentTimeMillis()));
    this.states = new LuaStates(scripts, bundles, allowOs, tyk, loop);
  }

  private static final Pattern LUAJ_POSITION = Pattern.compile("@(\\S+?):(\\d+):? (.*)", Pattern.DOTALL);

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Future<dev.coproxy.proto.Object> dispatch(HookCall call) {
    try {
      return Future.succeededFuture(run(call));
    } catch (HookFailure | RunElsewhere failure) {
      return Future.failedFuture(failure);
    }
  }

  private dev.coproxy.proto.Object run(HookCall call) {
    long now = System.currentTimeMillis();
    if (now > call.deadlineMillis()) {
      // Queued behind a slow call: nobody waits for this answer any more.
      throw new HookFailure(HookFailure.Reason.TIMEOUT, "lua: the deadline passed before an instance was free");
    }
    dev.coproxy.proto.Object object = call.object();
    String hook = object.getHookName();
    LuaValue function = function(states.of(call.pluginDirs()), hook);
    if (loop != null && running.offLoop(hook)) {
      throw new RunElsewhere();
    }
    deadline = call.deadlineMillis();
    running.limits().set(deadline, loop == null ? 0 : loop.instructions());
    return LuaHookCall.run(function, call, tyk, (f, args) -> invoke(f, args, hook));
  }

  private LuaValue function(List<LuaStates.State> states, String name) {
    for (LuaStates.State state : states) {
      LuaValue function = state.globals().get(name);
      if (function.isfunction()) {
        running = state;
        return function;
      }
    }
    List<String> brokenFiles = new ArrayList<>();
    for (LuaStates.State state : states) {
      String broken = state.scripts().current().brokenFunctions().get(name);
      if (broken != null) {
        throw new HookFailure(HookFailure.Reason.ERROR, broken);
      }
      state.scripts().current().broken().keySet().forEach(file -> brokenFiles.add(state.scripts().label(file)));
    }
    String where = states.size() == 1 ? states.get(0).scripts().directory().toString()
        : states.stream().map(state -> state.scripts().directory().toString()).toList().toString();
    throw new HookFailure(HookFailure.Reason.ERROR, "no global Lua function named \"" + name + "\" in " + where
        + (brokenFiles.isEmpty() ? "" : " (files that do not compile: " + brokenFiles + ")"));
  }

  // Runs Lua; every way it can fail becomes a HookFailure carrying the Lua message, or, on a loop
  // instance, RunElsewhere.
  private Varargs invoke(LuaValue function, Varargs args, String hook) {
    try {
      Varargs out = function.invoke(args);
      tyk.finish();
      return out;
    } catch (LuaSandbox.LeavesLoop e) {
      throw elsewhere(hook, e.getMessage());
    } catch (LuaSandbox.DeadlineExceeded e) {
      tyk.finish();
      stale();
      throw new HookFailure(HookFailure.Reason.TIMEOUT, "lua: " + e.getMessage());
    } catch (StackOverflowError e) {
      tyk.finish();
      stale();
      throw new HookFailure(HookFailure.Reason.ERROR, "lua: stack overflow");
    } catch (LuaError e) {
      tyk.finish();
      throw new HookFailure(HookFailure.Reason.ERROR, "lua: " + located(e.getMessage()));
    } catch (RuntimeException e) {
      tyk.finish();
      throw new HookFailure(HookFailure.Reason.ERROR, "lua: " + e);
    }
  }

  /**
   * LuaJ writes an error's position as {@code @lua/x.lua:12 message} (the chunk name with its
   * {@code @}, no colon after the line); this writes {@code lua/x.lua:12: message}, as Lua and
   * compilers do, which is also where the debug headers look for file and line.
   */
  static String located(String message) {
    if (message == null) {
      return "null";
    }
    Matcher position = LUAJ_POSITION.matcher(message);
    return position.matches() ? position.group(1) + ":" + position.group(2) + ": " + position.group(3) : message;
  }

  // The script was stopped part-way on a loop: its globals are rebuilt, and the hook goes to the
  // workers from now on.
  private RunElsewhere elsewhere(String hook, String why) {
    tyk.abandon();
    stale();
    if (running.moveOffLoop(hook)) {
      LOG.log(Level.INFO, "lua: hook " + hook + " runs on the Lua worker threads from now on: " + why);
    }
    return new RunElsewhere();
  }

  private void stale() {
    if (running != null) {
      running.stale();
    }
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
      LuaValue function = function(states.of(pluginDirs), name);
      tyk.request(new LuaTable(), null, null);
      deadline = System.currentTimeMillis() + EVENT_MILLIS;
      running.limits().set(deadline, 0);
      invoke(function, LuaValue.varargsOf(LuaTables.fromJson(event.getValue("message")), LuaTables.fromJson(event.getValue("spec"))), name);
      return Future.succeededFuture();
    } catch (HookFailure | RunElsewhere | DecodeException | ClassCastException e) {
      return Future.failedFuture("lua event: " + e.getMessage());
    }
  }

  @Override
  public Future<Void> reload() {
    states.reload();
    return Future.succeededFuture();
  }
}
