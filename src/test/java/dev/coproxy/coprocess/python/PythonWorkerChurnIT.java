package dev.coproxy.coprocess.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.Poll;
import dev.coproxy.testing.TempDirs;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Traffic;
import dev.coproxy.testing.Upstream;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Workers die over and over under traffic, with Vert.x's blocked-thread checker set to 50 ms: one
 * worker at a time is killed with SIGKILL while it runs a hook, killed by the gateway at a hook's
 * deadline, or exits in the middle of a hook. The traffic on the other workers keeps answering 200
 * without long stalls, no event loop is ever reported blocked, each death is counted as a restart,
 * and afterwards the hook that kept dying answers again.
 */
class PythonWorkerChurnIT {

  private static final String PLUGIN = """
      import os, time
      from tyk.decorators import *

      PIDS = %s

      @Hook
      def Pid(request, session, spec):
          request.add_header("X-Pid", str(os.getpid()))
          return request, session

      @Hook
      def Victim(request, session, spec):
          fate = request.get_header("X-Fate")
          if fate == "hang":
              open(os.path.join(PIDS, str(os.getpid())), "w").close()
              time.sleep(60)
          elif fate == "exit":
              os._exit(3)
          request.add_header("X-Pid", str(os.getpid()))
          return request, session
      """;
  /** Rounds run before counting, one for each way to die: the classes of every path are loaded then. */
  private static final int WARM_UP = 3;
  private static final int ROUNDS = 15;
  /** Generous: a loaded two-core machine, three Python processes, the traffic and the gateway. */
  private static final long P99_MILLIS = 2000;

  private static Path middleware;
  private static Path pids;
  private static TestGateway gw;
  private static Upstream upstream;
  private static final ExecutorService victims = Executors.newSingleThreadExecutor();

  @BeforeAll
  static void start() throws Exception {
    PythonCheck.requireProtobuf();
    middleware = Files.createTempDirectory("coproxy-python-churn");
    pids = Files.createDirectories(middleware.resolve("pids"));
    Files.createDirectories(middleware.resolve("python"));
    Files.writeString(middleware.resolve("python/churn.py"), PLUGIN.formatted("'" + pids + "'"));
    gw = TestGateway.startStrict(new JsonObject().put("middleware_path", middleware.toString())
        .put("coprocess_options", new JsonObject().put("enable_coprocess", true).put("python_workers", 3)), Map.of());
    upstream = Upstream.start(gw.vertx);
    deploy("fast", "Pid", null);
    deploy("victim", "Victim", 20_000);
    deploy("victimshort", "Victim", 300);
  }

  @AfterAll
  static void stop() throws Exception {
    victims.shutdownNow();
    if (upstream != null) {
      upstream.close();
    }
    if (gw != null) {
      gw.close();
    }
    TempDirs.delete(middleware);
  }

  private static void deploy(String id, String hook, Integer timeoutMs) throws Exception {
    gw.writeApi(id + ".json", Apis.keyless(id, "/" + id + "/", upstream.url("/"))
        .put("custom_middleware", PythonDriverIT.hooks("pre", hook, timeoutMs)));
    assertTrue(gw.reload().getJsonArray("errors").isEmpty());
  }

  private static double restarts() {
    return gw.meters.get("coproxy.python.worker.restarts").counter().count();
  }

  private static Future<TestGateway.Reply> victim(String api, String fate) {
    return victims.submit(() -> gw.call(HttpMethod.GET, "/" + api + "/x", Map.of("X-Fate", fate), null));
  }

  @Test
  void killingWorkersUnderTrafficStallsNeitherTheLoopsNorTheOtherWorkers() throws Exception {
    assertEquals(200, gw.call(HttpMethod.GET, "/fast/x", Map.of(), null).status(), "the workers are up");
    double restartsBefore = restarts();
    List<Long> millis = new CopyOnWriteArrayList<>();
    Traffic traffic = Traffic.start(3, () -> {
      long start = System.nanoTime();
      TestGateway.Reply reply = gw.call(HttpMethod.GET, "/fast/x", Map.of(), null);
      millis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
      return reply;
    }, reply -> reply.json().getJsonObject("headers").getString("x-pid"));
    try {
      for (int round = 0; round < WARM_UP + ROUNDS; round++) {
        if (round == WARM_UP) {
          gw.blockedLoops.reset();
          millis.clear();
        }
        TempDirs.delete(pids);
        Files.createDirectories(pids);
        TestGateway.Reply lost = switch (round % 3) {
          case 0 -> killedWhileHanging();
          case 1 -> victim("victimshort", "hang").get(30, TimeUnit.SECONDS);
          default -> victim("victim", "exit").get(30, TimeUnit.SECONDS);
        };
        assertEquals(500, lost.status(), "round " + round + ": the call whose worker died fails: " + lost.text());
        double expected = restartsBefore + round + 1;
        Poll.until(Duration.ofSeconds(20), () -> restarts() >= expected, () -> "restart " + expected + ", counted " + restarts());
      }
    } finally {
      traffic.close();
    }
    assertEquals(List.of(), gw.blockedLoops.warnings(), "event loops reported blocked");
    assertEquals(List.of(), traffic.failures, "the traffic on the other workers");
    assertTrue(traffic.values.size() > ROUNDS, "traffic ran throughout: " + traffic.values.size() + " calls");
    List<Long> sorted = new ArrayList<>(millis);
    sorted.sort(null);
    long p99 = sorted.get((int) Math.ceil(sorted.size() * 0.99) - 1);
    assertTrue(p99 < P99_MILLIS, "p99 " + p99 + " ms over " + sorted.size() + " calls; slowest " + sorted.get(sorted.size() - 1) + " ms");
    assertEquals(restartsBefore + WARM_UP + ROUNDS, restarts(), "one restart per death");

    TestGateway.Reply again = gw.call(HttpMethod.GET, "/victim/x", Map.of(), null);
    assertEquals(200, again.status(), "the hook that kept dying answers again: " + again.text());
  }

  // A worker hangs in the hook; once it has written its pid, the test kills it with SIGKILL.
  private static TestGateway.Reply killedWhileHanging() throws Exception {
    Future<TestGateway.Reply> reply = victim("victim", "hang");
    Poll.until(Duration.ofSeconds(20), "a worker hangs in the hook", () -> {
      try (Stream<Path> files = Files.list(pids)) {
        return files.findAny().isPresent();
      }
    });
    Path pid;
    try (Stream<Path> files = Files.list(pids)) {
      pid = files.findFirst().orElseThrow();
    }
    ProcessHandle.of(Long.parseLong(pid.getFileName().toString())).ifPresent(ProcessHandle::destroyForcibly);
    Files.delete(pid);
    return reply.get(30, TimeUnit.SECONDS);
  }
}
