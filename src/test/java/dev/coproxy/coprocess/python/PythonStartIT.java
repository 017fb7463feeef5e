package dev.coproxy.coprocess.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Python workers start only when the gateway has Python to run, and then before the first call needs them. */
class PythonStartIT {

  @TempDir
  Path middleware;

  // This gateway's workers: their command line names the runner and this test's plugin folder.
  private long workers() {
    return ProcessHandle.current().descendants().map(p -> p.info().commandLine().orElse(""))
        .filter(line -> line.contains("coproxy_worker.py") && line.contains(middleware.toString())).count();
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
      Files.writeString(middleware.resolve("python/middleware.py"), """
          from tyk.decorators import *

          @Hook
          def LateHook(request, session, spec):
              request.add_header("X-Late", "yes")
              return request, session
          """);
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
