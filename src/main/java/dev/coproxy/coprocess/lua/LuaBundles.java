package dev.coproxy.coprocess.lua;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The compiled Lua scripts of every bundle directory hooks have named, compiled once per directory
 * on first use and shared by all Lua instances (each instance runs a bundle in its own globals, so
 * two bundles may define the same function). A reload reads each known bundle again: a refreshed
 * bundle's new code is compiled, an unchanged one is kept, a removed directory is forgotten.
 */
public final class LuaBundles {

  private final Map<String, LuaScripts> byDir = new ConcurrentHashMap<>();

  /** The scripts of one bundle directory, compiled on first use; blocking. */
  public LuaScripts scripts(String dir) {
    return byDir.computeIfAbsent(dir, d -> {
      LuaScripts scripts = LuaScripts.bundle(Path.of(d));
      scripts.load();
      return scripts;
    });
  }

  /** The scripts of a directory already compiled, or null: never blocks. */
  public LuaScripts compiled(String dir) {
    return byDir.get(dir);
  }

  /** Reads every known bundle again; blocking, call it off the event loops. */
  public void load() {
    byDir.keySet().removeIf(dir -> !Files.isDirectory(Path.of(dir)));
    byDir.values().forEach(LuaScripts::load);
  }
}
