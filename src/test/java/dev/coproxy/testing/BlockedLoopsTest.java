package dev.coproxy.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

/** The watch the Python ITs rely on fails a test whose event loop waits on a lock, and only then. */
class BlockedLoopsTest {

  @Test
  void anEventLoopWaitingForALockHeldElsewhereIsReported() throws Exception {
    VertxOptions options = new VertxOptions();
    BlockedLoops.tighten(options);
    Vertx vertx = Vertx.vertx(options);
    ReentrantLock lock = new ReentrantLock();
    try (BlockedLoops watch = BlockedLoops.watch()) {
      Promise<Void> quick = Promise.promise();
      vertx.runOnContext(v -> quick.complete());
      quick.future().await(10, TimeUnit.SECONDS);
      Promise<Void> blocked = Promise.promise();
      lock.lock();
      try {
        vertx.runOnContext(v -> {
          lock.lock(); // what a dispatch taking a contended pool lock did
          lock.unlock();
          blocked.complete();
        });
        Poll.until(Duration.ofSeconds(10), () -> !watch.warnings().isEmpty(), () -> "a warning about the blocked loop");
      } finally {
        lock.unlock();
      }
      blocked.future().await(10, TimeUnit.SECONDS);
      assertTrue(watch.warnings().get(0).contains("vert.x-eventloop-thread"), watch.warnings().get(0));
      assertTrue(watch.warnings().get(0).contains("ReentrantLock"), "the warning carries the stack: " + watch.warnings().get(0));
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void quickTasksAreNotReported() throws Exception {
    VertxOptions options = new VertxOptions();
    BlockedLoops.tighten(options);
    Vertx vertx = Vertx.vertx(options);
    try (BlockedLoops watch = BlockedLoops.watch()) {
      for (int i = 0; i < 100; i++) {
        Promise<Void> quick = Promise.promise();
        vertx.runOnContext(v -> quick.complete());
        quick.future().await(10, TimeUnit.SECONDS);
      }
      assertEquals(java.util.List.of(), watch.warnings());
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
