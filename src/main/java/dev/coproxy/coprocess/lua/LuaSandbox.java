package dev.coproxy.coprocess.lua;

import io.vertx.core.Context;
import java.util.List;
import java.util.Map;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LoadState;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.compiler.LuaC;
import org.luaj.vm2.lib.Bit32Lib;
import org.luaj.vm2.lib.CoroutineLib;
import org.luaj.vm2.lib.DebugLib;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.StringLib;
import org.luaj.vm2.lib.TableLib;
import org.luaj.vm2.lib.VarArgFunction;
import org.luaj.vm2.lib.jse.JseBaseLib;
import org.luaj.vm2.lib.jse.JseIoLib;
import org.luaj.vm2.lib.jse.JseMathLib;
import org.luaj.vm2.lib.jse.JseOsLib;
import org.luaj.vm2.lib.jse.LuajavaLib;

/**
 * Builds the globals of one Lua instance: LuaJ's standard libraries (base, package, bit32, table,
 * string, coroutine, math, io, os), with {@code os.execute}, {@code os.exit}, {@code io.popen} and
 * {@code luajava} removed unless {@code lua_allow_os} is set, an empty standard input, and an
 * instruction-count hook that stops a script once its call's deadline has passed. The {@code debug} library that installs the
 * hook is not left visible to scripts.
 *
 * <p>Functions that may block (files and processes through {@code io} and {@code os}, loading
 * files, coroutines, which LuaJ runs on threads of their own) are guarded: called on an event loop,
 * they stop the script with {@link LeavesLoop}, and the call runs again on a Lua worker thread.
 */
final class LuaSandbox {

  /** Instructions between two deadline checks. */
  private static final int CHECK_EVERY = 1000;

  /** Thrown by the hook; an Error, so that a script's {@code pcall} cannot swallow it. */
  static final class DeadlineExceeded extends Error {
    DeadlineExceeded() {
      super("the script ran past its deadline and was stopped", null, false, false);
    }
  }

  /**
   * Thrown when a script running on an event loop reaches something that may block; an Error, so
   * that {@code pcall} cannot swallow it.
   */
  static final class LeavesLoop extends Error {
    LeavesLoop(String why) {
      super(why, null, false, false);
    }
  }

  /** The functions guarded by {@link #guard}, per library ("" is the base library). */
  private static final Map<String, List<String>> BLOCKING = Map.of(
      "", List.of("dofile", "loadfile", "require"),
      "io", List.of("close", "flush", "input", "lines", "open", "output", "popen", "read", "tmpfile", "write"),
      "os", List.of("execute", "exit", "remove", "rename", "tmpname"),
      "coroutine", List.of("create", "resume", "wrap"));

  /**
   * What stops the code a set of globals runs: its deadline, and on an event loop a number of
   * instructions (counted, not timed, so that a preempted thread or a pause of the JVM never moves
   * a quick hook off the loop).
   */
  static final class Limits {
    private volatile long deadline;
    private long checksLeft = Long.MAX_VALUE;
    private long instructions;

    /**
     * @param deadlineMillis epoch milliseconds after which the code is stopped
     * @param loopInstructions instructions it may run on an event loop, 0 for no such limit
     */
    void set(long deadlineMillis, long loopInstructions) {
      deadline = deadlineMillis;
      instructions = loopInstructions;
      checksLeft = loopInstructions <= 0 ? Long.MAX_VALUE : Math.max(1, loopInstructions / CHECK_EVERY);
    }

    void check() {
      if (--checksLeft < 0) {
        throw new LeavesLoop("running more than " + instructions + " instructions (lua_loop_instructions)");
      }
      if (System.currentTimeMillis() > deadline) {
        throw new DeadlineExceeded();
      }
    }
  }

  private LuaSandbox() {
  }

  /**
   * @param allowOs keep the process and Java escape hatches
   * @param limits what stops the running script, checked every {@value #CHECK_EVERY} instructions
   */
  static Globals create(boolean allowOs, Limits limits) {
    Globals globals = new Globals();
    globals.load(new JseBaseLib());
    globals.load(new PackageLib());
    globals.load(new Bit32Lib());
    globals.load(new TableLib());
    globals.load(new StringLib());
    globals.load(new CoroutineLib());
    globals.load(new JseMathLib());
    globals.load(new JseIoLib());
    globals.load(new JseOsLib());
    if (allowOs) {
      globals.load(new LuajavaLib());
    } else {
      remove(globals, "os", "execute");
      remove(globals, "os", "exit");
      remove(globals, "io", "popen");
    }
    // io.read() on the gateway's stdin would block the instance where no deadline can reach it
    // (set after the libraries: JseBaseLib points STDIN at System.in when it loads).
    globals.STDIN = new java.io.ByteArrayInputStream(new byte[0]);
    LoadState.install(globals);
    LuaC.install(globals);
    globals.load(new DebugLib());
    LuaValue hook = new VarArgFunction() {
      @Override
      public Varargs invoke(Varargs args) {
        limits.check();
        return NONE;
      }
    };
    LuaValue sethook = globals.get("debug").get("sethook");
    sethook.invoke(LuaValue.varargsOf(hook, LuaValue.EMPTYSTRING, LuaValue.valueOf(CHECK_EVERY)));
    hookCoroutines(globals, sethook, hook);
    BLOCKING.forEach((library, names) -> names.forEach(name -> guard(library.isEmpty() ? globals : globals.get(library), library, name)));
    globals.set("debug", LuaValue.NIL);
    LuaValue loaded = globals.get("package").get("loaded");
    if (loaded.istable()) {
      loaded.set("debug", LuaValue.NIL);
    }
    return globals;
  }

  // A hook belongs to one Lua thread: every coroutine a script creates gets the deadline hook too,
  // and wrap is rebuilt on top of the hooked create.
  private static void hookCoroutines(Globals globals, LuaValue sethook, LuaValue hook) {
    LuaValue coroutine = globals.get("coroutine");
    LuaValue create = coroutine.get("create");
    coroutine.set("create", new VarArgFunction() {
      @Override
      public Varargs invoke(Varargs args) {
        LuaValue thread = create.call(args.arg1());
        sethook.invoke(LuaValue.varargsOf(new LuaValue[] {thread, hook, LuaValue.EMPTYSTRING, LuaValue.valueOf(CHECK_EVERY)}));
        return thread;
      }
    });
    globals.load("""
        local create, resume, pack, unpack = coroutine.create, coroutine.resume, table.pack, table.unpack
        coroutine.wrap = function(f)
          local co = create(f)
          return function(...)
            local r = pack(resume(co, ...))
            if not r[1] then error(r[2], 0) end
            return unpack(r, 2, r.n)
          end
        end
        """, "=sandbox").call();
  }

  // Replaces a library function by one that refuses to run on an event loop (removed functions stay
  // removed).
  private static void guard(LuaValue library, String libraryName, String name) {
    LuaValue function = library.istable() ? library.get(name) : LuaValue.NIL;
    if (!function.isfunction()) {
      return;
    }
    String label = libraryName.isEmpty() ? name : libraryName + "." + name;
    library.set(name, new VarArgFunction() {
      @Override
      public Varargs invoke(Varargs args) {
        if (Context.isOnEventLoopThread()) {
          throw new LeavesLoop(label + " may block");
        }
        return function.invoke(args);
      }
    });
  }

  private static void remove(Globals globals, String library, String name) {
    LuaValue table = globals.get(library);
    if (table instanceof LuaTable lib) {
      lib.set(name, LuaValue.NIL);
    }
  }
}
