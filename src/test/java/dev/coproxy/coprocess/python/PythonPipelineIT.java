package dev.coproxy.coprocess.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.Poll;
import dev.coproxy.testing.TempDirs;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One real CPython worker, so that a second call is written behind the running one: a call behind
 * a hung or dying call runs on the replacement worker instead of failing, a call behind a slow one
 * is answered at its own deadline without a kill, and frames larger than a pipe (a 1 MB body, a
 * 100 KB {@code get_data} answer) cross from the event loops without blocking them.
 */
class PythonPipelineIT {

  private static final String PLUGIN = """
      import os, time
      from tyk.decorators import *
      from gateway import TykGateway as tyk

      MARK = %s

      def mark():
          open(MARK, "w").close()

      @Hook
      def Pid(request, session, spec):
          request.add_header("X-Pid", str(os.getpid()))
          return request, session

      @Hook
      def HangsAfterMark(request, session, spec):
          mark()
          time.sleep(60)
          return request, session

      @Hook
      def ExitsAfterMark(request, session, spec):
          mark()
          time.sleep(0.3)
          os._exit(3)

      @Hook
      def SlowAfterMark(request, session, spec):
          mark()
          for _ in range(1500):  # until the test deletes the mark, 30 s at most
              if not os.path.exists(MARK):
                  break
              time.sleep(0.02)
          return request, session

      @Hook
      def Sizes(request, session, spec):
          request.add_header("X-Body-Size", str(len(request.object.raw_body)))
          request.add_header("X-Data-Size", str(len(tyk.get_data("big"))))
          return request, session
      """;

  private static Path middleware;
  private static Path mark;
  private static TestGateway gw;
  private static Upstream upstream;
  private static final ExecutorService clients = Executors.newFixedThreadPool(4);

  @BeforeAll
  static void start() throws Exception {
    PythonCheck.requireProtobuf();
    middleware = Files.createTempDirectory("coproxy-python-pipeline");
    mark = middleware.resolve("running");
    Files.createDirectories(middleware.resolve("python"));
    Files.writeString(middleware.resolve("python/pipeline.py"), PLUGIN.formatted("'" + mark + "'"));
    gw = TestGateway.start(new JsonObject().put("middleware_path", middleware.toString())
        .put("coprocess_options", new JsonObject().put("enable_coprocess", true).put("python_workers", 1)), Map.of());
    upstream = Upstream.start(gw.vertx);
    deploy("ppid", "Pid", null);
    deploy("pshort", "Pid", 300);
    deploy("phang", "HangsAfterMark", 1000);
    deploy("pexit", "ExitsAfterMark", null);
    deploy("pslow", "SlowAfterMark", null);
    deploy("psizes", "Sizes", null);
  }

  @AfterAll
  static void stop() throws Exception {
    clients.shutdownNow();
    if (upstream != null) {
      upstream.close();
    }
    if (gw != null) {
      gw.close();
    }
    TempDirs.delete(middleware);
  }

  @BeforeEach
  void noMark() throws Exception {
    Files.deleteIfExists(mark);
  }

  private static void deploy(String id, String hook, Integer timeoutMs) throws Exception {
    gw.writeApi(id + ".json", Apis.keyless(id, "/" + id + "/", upstream.url("/"))
        .put("custom_middleware", PythonDriverIT.hooks("pre", hook, timeoutMs)));
    assertTrue(gw.reload().getJsonArray("errors").isEmpty());
  }

  private static Future<TestGateway.Reply> send(String api) {
    return clients.submit(() -> gw.call(HttpMethod.GET, "/" + api + "/x", Map.of(), null));
  }

  private static String pid() throws Exception {
    TestGateway.Reply reply = send("ppid").get(30, TimeUnit.SECONDS);
    assertEquals(200, reply.status(), reply.text());
    return reply.json().getJsonObject("headers").getString("x-pid");
  }

  private static double restarts() {
    return gw.meters.get("coproxy.python.worker.restarts").counter().count();
  }

  // Starts a call on the only worker, then a second one once the first is running (it is written behind it).
  private TestGateway.Reply behind(String first, Future<TestGateway.Reply>[] running) throws Exception {
    running[0] = send(first);
    Poll.until(Duration.ofSeconds(10), "the first call runs", () -> Files.exists(mark));
    return send("ppid").get(30, TimeUnit.SECONDS);
  }

  @Test
  void aCallBehindAHungCallRunsOnTheReplacementWorker() throws Exception {
    assertRunsOnTheReplacementBehind("phang");
  }

  @Test
  void aCallBehindADyingCallRunsOnTheReplacementWorker() throws Exception {
    assertRunsOnTheReplacementBehind("pexit");
  }

  // The first call's worker is replaced (killed at the deadline, or dead): the call written behind
  // it runs on the new worker, and the first call alone fails.
  private void assertRunsOnTheReplacementBehind(String first) throws Exception {
    String before = pid();
    double restartsBefore = restarts();
    @SuppressWarnings("unchecked")
    Future<TestGateway.Reply>[] lost = new Future[1];
    TestGateway.Reply second = behind(first, lost);
    assertEquals(200, second.status(), second.text());
    assertEquals(500, lost[0].get(30, TimeUnit.SECONDS).status());
    assertNotEquals(before, second.json().getJsonObject("headers").getString("x-pid"), "ran on the new worker");
    assertEquals(restartsBefore + 1, restarts());
  }

  @Test
  void aCallBehindASlowOneIsAnsweredAtItsOwnDeadlineAndNothingIsKilled() throws Exception {
    String before = pid();
    double restartsBefore = restarts();
    Future<TestGateway.Reply> slow = send("pslow");
    Poll.until(Duration.ofSeconds(10), "the slow call runs", () -> Files.exists(mark));
    TestGateway.Reply short_ = send("pshort").get(30, TimeUnit.SECONDS);
    assertEquals(500, short_.status(), short_.text());
    assertFalse(slow.isDone(), "answered at its own 300 ms deadline while the slow call still runs");
    Files.delete(mark);
    assertEquals(200, slow.get(30, TimeUnit.SECONDS).status());
    assertEquals(before, pid(), "the worker was not replaced");
    assertEquals(restartsBefore, restarts());
  }

  @Test
  void framesLargerThanAPipeCrossBothWays() throws Exception {
    gw.gateway.sessions().store().put(GatewayCallbacks.DATA_PREFIX + "big", "d".repeat(100_000), 0).await(5, TimeUnit.SECONDS);
    TestGateway.Reply reply = gw.call(HttpMethod.POST, "/psizes/x", Map.of("Content-Type", "text/plain"), "b".repeat(1 << 20));
    assertEquals(200, reply.status(), reply.text());
    JsonObject seen = reply.json().getJsonObject("headers");
    assertEquals(String.valueOf(1 << 20), seen.getString("x-body-size"));
    assertEquals("100000", seen.getString("x-data-size"));
  }
}
