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
import org.luaj.vm2.LuaError;

/**
 * The globals of one Lua instance: one {@link State} for the default folder's scripts and one per
 * bundle directory a hook named, each brought up to its scripts' last load before a call runs in it.
 * A worker instance builds a state at once; an instance on an event loop builds it on a worker
 * thread and answers {@link RunElsewhere} until it is ready, since top-level code may run for seconds.
 * Used by one instance only, on its own thread.
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
    final LuaSandbox.Limits limits = new LuaSandbox.Limits();
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
      LuaScripts.Snapshot loaded = snapshot.generation() == 0 ? state.scripts.load() : snapshot;
      adopt(state, loaded, build(state, loaded));
      return;
    }
    if (!state.building) {
      state.building = true;
      loop.vertx().executeBlocking(() -> {
        LuaScripts.Snapshot latest = state.scripts.current();
        return latest.generation() == 0 ? state.scripts.load() : latest;
      }, false).map(latest -> new Built(latest, build(state, latest))).onComplete(ar -> {
        state.building = false;
        if (ar.succeeded()) {
          adopt(state, ar.result().snapshot(), ar.result().globals());
        } else {
          LOG.log(Level.ERROR, "lua: building the scripts of " + state.scripts.directory() + " failed: " + ar.cause());
        }
      });
    }
    throw new RunElsewhere();
  }

  private record Built(LuaScripts.Snapshot snapshot, Globals globals) {
  }

  private static void adopt(State state, LuaScripts.Snapshot snapshot, Globals globals) {
    state.globals = globals;
    state.generation = snapshot.generation();
    if (state.offLoopGeneration != snapshot.generation()) {
      state.offLoop.clear();
      state.offLoopGeneration = snapshot.generation();
    }
  }

  // Runs every file's top-level code into fresh globals.
  private Globals build(State state, LuaScripts.Snapshot snapshot) {
    Globals fresh = LuaSandbox.create(allowOs, state.limits);
    fresh.set("tyk", tyk.table());
    for (LuaScripts.Chunk chunk : snapshot.chunks()) {
      state.limits.set(System.currentTimeMillis() + SETUP_MILLIS, 0);
      try {
        new LuaClosure(chunk.prototype(), fresh).call();
      } catch (LuaError | LuaSandbox.DeadlineExceeded | LuaSandbox.LeavesLoop | StackOverflowError e) {
        LOG.log(Level.ERROR, state.scripts.label(chunk.file()) + " failed while loading: " + e.getMessage());
      }
    }
    return fresh;
  }
}
