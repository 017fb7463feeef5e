package dev.coproxy.coprocess.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.coprocess.CoprocessDriver;
import dev.coproxy.session.LocalStore;
import dev.coproxy.testing.Apis;
import dev.coproxy.testing.Poll;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Python workers start only when the gateway has Python to run, and then before the first call needs them. */
class PythonStartIT {

  private static final String LATE_HOOK = """
      from tyk.decorators import *

      @Hook
      def LateHook(request, session, spec):
          request.add_header("X-Late", "yes")
          return request, session
      """;

  @TempDir
  Path middleware;

  // This gateway's workers: their command line names the runner and this test's plugin folder.
  private long workers() {
    return ProcessHandle.current().descendants().map(p -> p.info().commandLine().orElse(""))
        .filter(line -> line.contains("coproxy_worker.py") && line.contains(middleware.toString())).count();
  }

  @Test
  void aFirstCallToADriverNobodyStartedStartsItAndWaits() throws Exception {
    PythonCheck.requireProtobuf();
    Files.createDirectories(middleware.resolve("python"));
    Files.writeString(middleware.resolve("python/middleware.py"), LATE_HOOK);
    PythonDriver driver = new PythonDriver(PythonCheck.PYTHON, 1, middleware, new LocalStore(),
        (type, apiId, orgId, meta) -> { }, new SimpleMeterRegistry());
    Vertx vertx = Vertx.vertx();
    try {
      assertEquals(0, workers());
      assertEquals(null, driver.problem(), "a driver nobody asked for is not a problem");
      dev.coproxy.proto.Object reply = vertx.getOrCreateContext().<dev.coproxy.proto.Object>executeBlocking(() -> null)
          .compose(v -> driver.dispatch(new CoprocessDriver.HookCall(
              dev.coproxy.proto.Object.newBuilder().setHookName("LateHook").build(), "api", System.currentTimeMillis() + 15_000)))
          .await(20, TimeUnit.SECONDS);
      assertEquals("yes", reply.getRequest().getSetHeadersOrThrow("X-Late"));
      assertTrue(driver.started());
      assertEquals(1, workers());
    } finally {
      driver.close();
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aCloseWhileTheWorkersStartLeavesNoneRunning() throws Exception {
    PythonCheck.requireProtobuf();
    PythonDriver driver = new PythonDriver(PythonCheck.PYTHON, 2, middleware, new LocalStore(),
        (type, apiId, orgId, meta) -> { }, new SimpleMeterRegistry());
    Vertx vertx = Vertx.vertx();
    try {
      // The close comes before or while the start runs (choosing the interpreter alone runs a Python process).
      io.vertx.core.Future<Void> start = driver.startOnce(vertx);
      driver.close();
      start.await(20, TimeUnit.SECONDS);
      Poll.until(Duration.ofSeconds(10), () -> workers() == 0, () -> workers() + " workers still run after the close");
      assertEquals("python: the driver is stopped", driver.problem());
    } finally {
      driver.close();
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void noWorkersRunUntilAnApiUsesPythonThenItsHooksWork() throws Exception {
    PythonCheck.requireProtobuf();
    try (TestGateway gw = TestGateway.start(new JsonObject().put("middleware_path", middleware.toString())
            .put("coprocess_options", new JsonObject().put("enable_coprocess", true).put("python_workers", 2)), Map.of());
        Upstream upstream = Upstream.start(gw.vertx)) {
      gw.writeApi("plain.json", Apis.keyless("plain", "/plain/", upstream.url("/")));
      assertEquals(new JsonArray(), gw.reload().getJsonArray("errors"));
      assertEquals(0, workers(), "no Python to run, no worker process");
      JsonObject hello = gw.call(HttpMethod.GET, "/hello", Map.of(), null).json();
      assertEquals("pass", hello.getString("status"), hello.encode());

      Files.createDirectories(middleware.resolve("python"));
      Files.writeString(middleware.resolve("python/middleware.py"), LATE_HOOK);
      gw.writeApi("py.json", Apis.keyless("py", "/py/", upstream.url("/")).put("custom_middleware",
          new JsonObject().put("driver", "python").put("pre", new JsonArray().add(new JsonObject().put("name", "LateHook")))));
      assertEquals(new JsonArray(), gw.reload().getJsonArray("errors"));
      TestGateway.Reply reply = gw.call(HttpMethod.GET, "/py/x", Map.of(), null);
      assertEquals(200, reply.status(), reply.text());
      assertEquals("yes", upstream.received.get(upstream.received.size() - 1).getJsonObject("headers").getString("x-late"),
          upstream.received.toString());
      assertEquals(2, workers(), "the workers run once an API uses Python");
    }
  }
}
