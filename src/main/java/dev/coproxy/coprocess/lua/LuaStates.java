package dev.coproxy.coprocess.lua;

import dev.coproxy.coprocess.RunElsewhere;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaClosure;

/**
 * The globals of one Lua instance: one {@link State} for the default folder's scripts and one per
 * bundle directory a hook named, each brought up to its scripts' last load before a call runs in it.
 * Building one runs every file's top-level code (a {@code require}, any work) to its end, each file
 * within {@value #SETUP_MILLIS} ms. A worker instance builds a state at once; an instance on an
 * event loop builds it on a worker thread, since top-level code may block or run for seconds, and
 * answers {@link RunElsewhere} until the complete state is handed to its loop, for the first load
 * and for every new generation alike. Used by one instance only, on its own thread; the globals
 * being built are touched by the building thread alone.
 */
final class LuaStates {

  private static final System.Logger LOG = System.getLogger(LuaStates.class.getName());
  /** How long a file's top-level code may run. */
  private static final long SETUP_MILLIS = 5000;

  private final LuaScripts scripts;
  private final LuaBundles bundles;
  private final boolean allowOs;
  private final TykLibrary tyk;
  private final LuaDriver.Loop loop;
  private final State folder;
  private final Map<String, State> byDir = new HashMap<>();

  /** One set of scripts run into globals of this instance. */
  static final class State {
    private LuaScripts scripts;
    private Globals globals;
    private long generation = -1;
    /** When the running code must stop; checked by the globals' instruction hook. */
    private LuaSandbox.Limits limits;
    private boolean building;
    /** Hooks that run on the workers (on a loop instance), for the scripts' generation below. */
    private final Set<String> offLoop = new HashSet<>();
    private long offLoopGeneration = -1;

    State(LuaScripts scripts) {
      this.scripts = scripts;
    }

    Globals globals() {
      return globals;
    }

    LuaSandbox.Limits limits() {
      return limits;
    }

    LuaScripts scripts() {
      return scripts;
    }

    /** Its globals are rebuilt before the next call (a script was stopped part-way). */
    void stale() {
      generation = -1;
    }

    /** True when the hook was already moved to the workers; {@code moveOffLoop} moves it. */
    boolean offLoop(String hook) {
      return offLoop.contains(hook);
    }

    boolean moveOffLoop(String hook) {
      return offLoop.add(hook);
    }
  }

  LuaStates(LuaScripts scripts, LuaBundles bundles, boolean allowOs, TykLibrary tyk, LuaDriver.Loop loop) {
    this.scripts = scripts;
    this.bundles = bundles;
    this.allowOs = allowOs;
    this.tyk = tyk;
    this.loop = loop;
    this.folder = new State(scripts);
  }

  /** The current states of an API's code: its bundle directories, or the default folder. */
  List<State> of(List<String> pluginDirs) {
    if (pluginDirs.isEmpty()) {
      current(folder);
      return List.of(folder);
    }
    List<State> states = new ArrayList<>(pluginDirs.size());
    for (String dir : pluginDirs) {
      LuaScripts compiled = loop == null ? bundles.scripts(dir) : bundles.compiled(dir);
      if (compiled == null) {
        throw new RunElsewhere();
      }
      State state = byDir.computeIfAbsent(dir, d -> new State(compiled));
      if (state.scripts != compiled) {
        state.scripts = compiled;
        state.generation = -1;
        state.offLoopGeneration = -1;
      }
      current(state);
      states.add(state);
    }
    return states;
  }

  /** Loads the scripts again (blocking: a worker instance's reload). */
  void reload() {
    scripts.load();
    bundles.load();
    byDir.keySet().removeIf(dir -> !Files.isDirectory(Path.of(dir)));
    current(folder);
  }

  private void current(State state) {
    LuaScripts.Snapshot snapshot = state.scripts.current();
    if (snapshot.generation() != 0 && snapshot.generation() == state.generation) {
      return;
    }
    if (loop == null) {
      adopt(state, build(state.scripts, snapshot.generation() == 0 ? state.scripts.load() : snapshot));
      return;
    }
    if (!state.building) {
      state.building = true;
      LuaScripts scripts = state.scripts;
      // Loading, compiling and every file's top-level code (a require, any work) run on a worker
      // thread, into globals that thread alone touches; the future hands them to this instance's
      // loop when they are complete, and only then does the loop run hooks in them.
      loop.vertx().executeBlocking(() -> {
        LuaScripts.Snapshot latest = scripts.current();
        return build(scripts, latest.generation() == 0 ? scripts.load() : latest);
      }, false).onComplete(ar -> {
        state.building = false;
        if (ar.failed()) {
          LOG.log(Level.ERROR, "lua: building the scripts of " + scripts.directory() + " failed: " + ar.cause());
        } else if (scripts == state.scripts) {
          adopt(state, ar.result());
        }
      });
    }
    throw new RunElsewhere();
  }

  /** Globals with every file's top-level code run, and the limits their instruction hook checks. */
  private record Built(LuaScripts.Snapshot snapshot, Globals globals, LuaSandbox.Limits limits) {
  }

  private static void adopt(State state, Built built) {
    state.globals = built.globals();
    state.limits = built.limits();
    state.generation = built.snapshot().generation();
    if (state.offLoopGeneration != state.generation) {
      state.offLoop.clear();
      state.offLoopGeneration = state.generation;
    }
  }

  // Runs every file's top-level code into fresh globals, each file within SETUP_MILLIS; a file that
  // fails is logged and the others still run. Blocking: never on an event loop.
  private Built build(LuaScripts scripts, LuaScripts.Snapshot snapshot) {
    LuaSandbox.Limits limits = new LuaSandbox.Limits();
    Globals fresh = LuaSandbox.create(allowOs, limits);
    fresh.set("tyk", tyk.table());
    for (LuaScripts.Chunk chunk : snapshot.chunks()) {
      limits.set(System.currentTimeMillis() + SETUP_MILLIS, 0);
      try {
        new LuaClosure(chunk.prototype(), fresh).call();
      } catch (RuntimeException | LuaSandbox.DeadlineExceeded | LuaSandbox.LeavesLoop | StackOverflowError e) {
        LOG.log(Level.ERROR, scripts.label(chunk.file()) + " failed while loading: " + e.getMessage());
      }
    }
    return new Built(snapshot, fresh, limits);
  }
}
