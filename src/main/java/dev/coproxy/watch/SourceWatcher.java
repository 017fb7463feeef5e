package dev.coproxy.watch;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Watch mode ({@code coprocess_options.watch}): every {@value #POLL_MILLIS} ms a worker thread reads
 * the modification time and size of the API definitions in {@code app_path} and of the {@code .py}
 * and {@code .lua} files under {@code middleware_path} (its {@code lua/} and {@code python/} folders
 * and the unpacked bundles). When they changed, and then held still for one more poll, this node
 * reloads as {@code /tyk/reload} does, so the same rules apply: the new API table is swapped in
 * atomically, and a file that does not load keeps its previous version live (each driver and the
 * registry log it once). Node-local: other cluster members are not asked to reload.
 */
public final class SourceWatcher {

  /** Time between two looks at the files; a change is live within about three of them. */
  static final long POLL_MILLIS = 200;

  private static final System.Logger LOG = System.getLogger(SourceWatcher.class.getName());
  /** How deep under middleware_path plugin files are looked for (bundles/&lt;name&gt;/pkg/x.py). */
  private static final int PLUGIN_DEPTH = 6;

  private final Vertx vertx;
  private final Path appPath;
  private final Path middlewarePath;
  private final Supplier<Future<?>> reload;
  /** The files as the last reload saw them, and as the last poll saw them (a save may take several writes). */
  private Map<Path, String> loaded;
  private Map<Path, String> lastSeen;
  private long timer = -1;
  private volatile boolean stopped;
  /** The poll under way (its scan and its reload), done when none is. */
  private volatile Future<Void> polling = Future.succeededFuture();

  /**
   * @param reload this node's reload (re-reads app_path and runs the drivers' after-reload tasks)
   */
  public SourceWatcher(Vertx vertx, Path appPath, Path middlewarePath, Supplier<Future<?>> reload) {
    this.vertx = vertx;
    this.appPath = appPath;
    this.middlewarePath = middlewarePath;
    this.reload = reload;
  }

  /** Takes the files as they are now (what the last reload loaded) and starts polling. */
  public Future<Void> start() {
    return vertx.executeBlocking(this::scan, false).onSuccess(seen -> {
      loaded = seen;
      lastSeen = seen;
      LOG.log(Level.INFO, "watch: saved files under " + appPath + " and " + middlewarePath + " are reloaded on this node");
      next();
    }).mapEmpty();
  }

  /**
   * Stops polling. The future completes when a poll already under way is over, with its reload:
   * the gateway closes the registry and the store only after that.
   */
  public Future<Void> stop() {
    stopped = true;
    vertx.cancelTimer(timer);
    return polling.recover(e -> Future.succeededFuture());
  }

  private void next() {
    if (!stopped) {
      timer = vertx.setTimer(POLL_MILLIS, id -> poll());
    }
  }

  // The scan runs on a worker; the comparison and the reload's start on the timer's context. The
  // next poll is only set once this one (and its reload) is over, so reloads never pile up.
  private void poll() {
    if (stopped) {
      return;
    }
    Promise<Void> done = Promise.promise();
    polling = done.future();
    vertx.executeBlocking(this::scan, false).compose(seen -> {
      if (stopped) {
        return Future.succeededFuture();
      }
      boolean settled = seen.equals(lastSeen);
      lastSeen = seen;
      if (!settled || seen.equals(loaded)) {
        return Future.succeededFuture();
      }
      loaded = seen;
      LOG.log(Level.INFO, "watch: files changed, reloading this node");
      return reload.get().mapEmpty();
    }).onComplete(ar -> {
      if (ar.failed()) {
        LOG.log(Level.ERROR, "watch: reload failed: " + ar.cause());
      }
      done.complete();
      next();
    });
  }

  /** Each watched file with its modification time and size. Blocking. */
  private Map<Path, String> scan() {
    Map<Path, String> seen = new HashMap<>();
    add(seen, appPath, 1, ".json");
    add(seen, middlewarePath, PLUGIN_DEPTH, ".py", ".lua");
    return seen;
  }

  private static void add(Map<Path, String> seen, Path root, int depth, String... endings) {
    if (root == null || !Files.isDirectory(root)) {
      return;
    }
    try (Stream<Path> files = Files.find(root, depth, (path, attrs) -> attrs.isRegularFile() && endsWith(path, endings))) {
      files.forEach(file -> seen.put(file, stamp(file)));
    } catch (IOException | UncheckedIOException e) {
      // A file removed while the folder is read: the next poll sees the folder settled.
      seen.put(root, "unreadable " + e.getMessage());
    }
  }

  private static boolean endsWith(Path path, String... endings) {
    String name = path.getFileName().toString();
    for (String ending : endings) {
      if (name.endsWith(ending)) {
        return true;
      }
    }
    return false;
  }

  private static String stamp(Path file) {
    try {
      BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
      return attrs.lastModifiedTime().toInstant() + "/" + attrs.size();
    } catch (IOException e) {
      return "gone";
    }
  }
}
