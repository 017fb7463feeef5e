package dev.coproxy.coprocess.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.coproxy.coprocess.HookFailure;
import dev.coproxy.session.LocalStore;
import dev.coproxy.testing.BlockedLoops;
import dev.coproxy.testing.Poll;
import dev.coproxy.testing.TempDirs;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pool on its own, with two real CPython workers, calls submitted from event loops and the
 * blocked-thread checker at 50 ms: while the replacement of a dead worker cannot start (its process
 * start is held up, as a fork on a starved machine can be), the other worker keeps answering and
 * no event loop waits.
 */
class WorkerPoolIT {

  private static final String PLUGIN = """
      import os
      from tyk.decorators import *

      @Hook
      def Pid(request, session, spec):
          request.add_header("X-Pid", str(os.getpid()))
          return request, session

      @Hook
      def Exit(request, session, spec):
          os._exit(3)
      """;

  private Path plugins;
  private RunnerFiles runner;
  private Vertx vertx;
  private BlockedLoops blocked;
  private WorkerPool pool;
  private final Counter restarts = new SimpleMeterRegistry().counter("restarts");
  private final AtomicBoolean holdStarts = new AtomicBoolean();
  private final CountDownLatch release = new CountDownLatch(1);

  @BeforeEach
  void start() throws Exception {
    PythonCheck.requireProtobuf();
    plugins = Files.createTempDirectory("coproxy-python-pool");
    Files.writeString(plugins.resolve("pool.py"), PLUGIN);
    runner = RunnerFiles.unpack();
    ProcessBuilder builder = new ProcessBuilder(PythonCheck.PYTHON, "-B", runner.worker().toString(),
        runner.descriptorSet().toString(), plugins.toString());
    builder.environment().put("PYTHONPATH", runner.directory().toString());
    GatewayCallbacks callbacks = new GatewayCallbacks(new LocalStore(), (type, api, org, meta) -> { });
    VertxOptions options = new VertxOptions();
    BlockedLoops.tighten(options);
    vertx = Vertx.vertx(options);
    blocked = BlockedLoops.watch();
    pool = new WorkerPool(2, 2, (number, listener) -> {
      if (holdStarts.get()) {
        try {
          release.await(); // a process start that takes as long as the test wants
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("start interrupted");
        }
      }
      return PythonWorker.start(number, builder, listener, callbacks);
    }, restarts);
    pool.start();
    Poll.until(Duration.ofSeconds(20), () -> pool.readyWorkers() == 2, () -> "two workers ready, " + pool.readyWorkers());
  }

  @AfterEach
  void stop() throws Exception {
    release.countDown();
    if (pool != null) {
      pool.close();
    }
    if (blocked != null) {
      blocked.close();
    }
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    if (runner != null) {
      runner.delete();
    }
    TempDirs.delete(plugins);
  }

  // Submits a call from an event loop.
  private Future<Frame> submit(String hook, long deadlineMillis) {
    Frame frame = Frame.call(Frame.DISPATCH, 1, deadlineMillis, List.of(),
        dev.coproxy.proto.Object.newBuilder().setHookName(hook).build().toByteArray());
    Promise<Frame> reply = Promise.promise();
    vertx.runOnContext(v -> pool.submit(frame, deadlineMillis).onComplete(reply));
    return reply.future();
  }

  // Submits a call from an event loop and waits for its outcome.
  private dev.coproxy.proto.Object call(String hook) throws Exception {
    Frame answer = submit(hook, System.currentTimeMillis() + 5000).await(10, TimeUnit.SECONDS);
    if (answer.type() != Frame.REPLY) {
      throw new IllegalStateException(answer.json().encode());
    }
    return dev.coproxy.proto.Object.parseFrom(answer.body());
  }

  private String pid() throws Exception {
    return call("Pid").getRequest().getSetHeadersMap().get("X-Pid");
  }

  @Test
  void aReplacementThatCannotStartHoldsUpNeitherTheLoopsNorTheOtherWorker() throws Exception {
    for (int i = 0; i < 20; i++) {
      pid(); // every path's classes loaded before the checker counts
    }
    blocked.reset();
    holdStarts.set(true);
    assertThrows(Exception.class, () -> call("Exit"), "the call whose worker died fails");
    Poll.until(Duration.ofSeconds(10), () -> restarts.count() == 1, () -> "the replacement is starting");

    Set<String> pids = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      pids.add(pid());
    }
    assertEquals(1, pids.size(), "the surviving worker answered every call: " + pids);
    assertEquals(1, pool.readyWorkers(), "the replacement is still held up");
    assertEquals(List.of(), blocked.warnings(), "event loops reported blocked");

    release.countDown();
    Poll.until(Duration.ofSeconds(20), () -> pool.readyWorkers() == 2, () -> "the replacement is ready, " + pool.readyWorkers());
  }

  // Never written to a worker (whose kill timer would start at a deadline already behind it).
  @Test
  void aCallWhoseDeadlinePassedBeforeItWasWrittenIsAnsweredByThePool() throws Exception {
    Future<Frame> late = submit("Pid", System.currentTimeMillis() - 1);
    HookFailure failure = (HookFailure) assertThrows(Exception.class, () -> late.await(10, TimeUnit.SECONDS));
    assertEquals(HookFailure.Reason.TIMEOUT, failure.reason(), failure.getMessage());
    pid();
    assertEquals(0, restarts.count(), "no worker was killed");
  }
}
