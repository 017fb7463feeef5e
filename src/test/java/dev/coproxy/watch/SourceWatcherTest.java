package dev.coproxy.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.testing.Poll;
import dev.coproxy.testing.TempDirs;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The watcher on real folders: a saved file starts one reload, and stopping waits for a reload under way. */
class SourceWatcherTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private Vertx vertx;
  private Path apps;
  private Path middleware;
  private final CopyOnWriteArrayList<Promise<Void>> reloads = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    apps = Files.createTempDirectory("coproxy-watch-apps");
    middleware = Files.createTempDirectory("coproxy-watch-mw");
    Files.createDirectories(middleware.resolve("lua"));
  }

  @AfterEach
  void tearDown() throws Exception {
    reloads.forEach(Promise::tryComplete);
    vertx.close().await();
    TempDirs.delete(apps);
    TempDirs.delete(middleware);
  }

  private SourceWatcher watcher() {
    return new SourceWatcher(vertx, apps, middleware, () -> {
      Promise<Void> reload = Promise.promise();
      reloads.add(reload);
      return reload.future();
    });
  }

  @Test
  void aSavedPluginFileStartsOneReload() throws Exception {
    SourceWatcher watcher = watcher();
    watcher.start().await();
    Files.writeString(middleware.resolve("lua").resolve("a.lua"), "function a() end");
    Poll.until(WAIT, () -> !reloads.isEmpty(), () -> "a reload after the save");
    reloads.get(0).complete();
    watcher.stop().await();
    assertEquals(1, reloads.size(), "one save, one reload");
  }

  @Test
  void stopWaitsForTheReloadUnderWay() throws Exception {
    SourceWatcher watcher = watcher();
    watcher.start().await();
    Files.writeString(apps.resolve("api.json"), "{}");
    Poll.until(WAIT, () -> !reloads.isEmpty(), () -> "a reload after the save");

    Future<Void> stopped = watcher.stop();
    assertFalse(stopped.isComplete(), "the reload under way has not finished");
    reloads.get(0).complete();
    stopped.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertTrue(stopped.succeeded());
  }
}
