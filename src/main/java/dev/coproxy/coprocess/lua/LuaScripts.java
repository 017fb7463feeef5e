package dev.coproxy.coprocess.lua;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.Prototype;
import org.luaj.vm2.compiler.LuaC;
import org.luaj.vm2.lib.BaseLib;

/**
 * The Lua scripts of {@code <middleware_path>/lua/*.lua} (or of one bundle directory: the
 * {@code .lua} files its manifest lists, see {@link #bundle}), compiled once per load and shared by
 * every Lua instance (a compiled {@link Prototype} is immutable; each instance runs it in its own
 * globals). A load that finds the same files with the same contents keeps the previous compilation.
 * A file that does not compile is logged once, with its error, and remembered: if an earlier load
 * compiled it, that previous version stays live; otherwise a hook whose function it would have
 * defined fails with that error instead of running without it.
 */
public final class LuaScripts {

  private static final System.Logger LOG = System.getLogger(LuaScripts.class.getName());
  private static final Pattern FUNCTION = Pattern.compile("function\\s+([A-Za-z_][A-Za-z0-9_]*)\\s*\\(");

  /**
   * One load.
   *
   * @param generation increases with every load that changed something
   * @param chunks compiled files, in file-name order
   * @param broken the compile error of each file that failed, by file name
   * @param brokenFunctions global function names found in broken files, with the file's error
   */
  public record Snapshot(long generation, List<Chunk> chunks, Map<String, String> broken, Map<String, String> brokenFunctions) {
  }

  /** A compiled file. */
  public record Chunk(String file, Prototype prototype) {
  }

  private final Path directory;
  private final boolean fromManifest;
  private final Globals compiler = new Globals();
  private volatile Snapshot current = new Snapshot(0, List.of(), Map.of(), Map.of());
  private String fingerprint = "";

  public LuaScripts(Path middlewarePath) {
    this(middlewarePath.resolve("lua"), false);
  }

  private LuaScripts(Path directory, boolean fromManifest) {
    this.directory = directory;
    this.fromManifest = fromManifest;
    compiler.load(new BaseLib());
    LuaC.install(compiler);
  }

  /**
   * The scripts of an unpacked bundle: the {@code .lua} files of its manifest's {@code file_list},
   * in list order (Tyk loads the listed files into its module cache).
   */
  public static LuaScripts bundle(Path bundleDir) {
    return new LuaScripts(bundleDir, true);
  }

  /** Where the scripts are read from. */
  public Path directory() {
    return directory;
  }

  /** The last load (generation 0 before the first). */
  public Snapshot current() {
    return current;
  }

  /** Reads the directory again and compiles what changed; blocking, call it off the event loops. */
  public synchronized Snapshot load() {
    Map<String, byte[]> files = new LinkedHashMap<>();
    if (fromManifest) {
      try {
        readListed(files);
      } catch (IOException | RuntimeException e) {
        LOG.log(Level.ERROR, "lua: cannot read the bundle " + directory + " (" + e.getMessage() + "); keeping the scripts loaded before");
        return current;
      }
    } else if (Files.isDirectory(directory)) {
      try (Stream<Path> list = Files.list(directory)) {
        for (Path file : list.filter(p -> p.getFileName().toString().endsWith(".lua") && Files.isRegularFile(p)).sorted().toList()) {
          files.put(file.getFileName().toString(), Files.readAllBytes(file));
        }
      } catch (IOException e) {
        LOG.log(Level.ERROR, "lua: cannot read " + directory + " (" + e.getMessage() + "); keeping the scripts loaded before");
        return current;
      }
    }
    String print = fingerprint(files);
    if (print.equals(fingerprint) && current.generation() > 0) {
      return current;
    }
    List<Chunk> chunks = new ArrayList<>();
    Map<String, String> broken = new LinkedHashMap<>();
    Map<String, String> brokenFunctions = new LinkedHashMap<>();
    Map<String, Chunk> before = new LinkedHashMap<>();
    current.chunks().forEach(chunk -> before.put(chunk.file(), chunk));
    files.forEach((name, source) -> {
      try {
        chunks.add(new Chunk(name, compiler.compilePrototype(new ByteArrayInputStream(source), "@" + label(name))));
      } catch (LuaError | IOException e) {
        String error = label(name) + " does not compile: " + e.getMessage();
        broken.put(name, error);
        Chunk kept = before.get(name);
        if (kept != null) {
          // A save with a typo must not take working hooks away: the last version that compiled runs on.
          LOG.log(Level.ERROR, error + " (its previous version stays live until it is fixed)");
          chunks.add(kept);
          return;
        }
        LOG.log(Level.ERROR, error + " (the hooks it defines fail until it is fixed and reloaded)");
        Matcher m = FUNCTION.matcher(new String(source, java.nio.charset.StandardCharsets.UTF_8));
        while (m.find()) {
          brokenFunctions.putIfAbsent(m.group(1), error);
        }
      }
    });
    fingerprint = print;
    current = new Snapshot(current.generation() + 1, List.copyOf(chunks), Map.copyOf(broken), Map.copyOf(brokenFunctions));
    LOG.log(Level.INFO, "lua: loaded " + chunks.size() + " scripts from " + directory + (broken.isEmpty() ? "" : ", " + broken.size() + " failed"));
    return current;
  }

  /** How a file is named in messages: {@code lua/x.lua}, or its path in a bundle. */
  public String label(String file) {
    return fromManifest ? directory.resolve(file).toString() : "lua/" + file;
  }

  private void readListed(Map<String, byte[]> files) throws IOException {
    io.vertx.core.json.JsonObject manifest = new io.vertx.core.json.JsonObject(
        Files.readString(directory.resolve("manifest.json"), java.nio.charset.StandardCharsets.UTF_8));
    io.vertx.core.json.JsonArray list = manifest.getJsonArray("file_list", new io.vertx.core.json.JsonArray());
    for (int i = 0; i < list.size(); i++) {
      String name = list.getString(i);
      Path file = directory.resolve(name).normalize();
      if (name.endsWith(".lua") && file.startsWith(directory.normalize())) {
        files.put(name, Files.readAllBytes(file));
      }
    }
  }

  private static String fingerprint(Map<String, byte[]> files) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      files.forEach((name, source) -> {
        digest.update(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        digest.update((byte) 0);
        digest.update(source);
        digest.update((byte) 0);
      });
      return java.util.HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
