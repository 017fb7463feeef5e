package dev.coproxy.coprocess.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.Poll;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A plugin server in its own JVM killed (SIGKILL) under traffic, then started again on its port. */
class GrpcKilledServerIT {

  private static Process startServer(int port) throws Exception {
    Process p = new ProcessBuilder(System.getProperty("java.home") + "/bin/java", "-cp", System.getProperty("java.class.path"),
        TestPluginServer.class.getName(), Integer.toString(port)).redirectErrorStream(true).start();
    CompletableFuture<Void> ready = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          if (line.contains("plugin server ready")) {
            ready.complete(null);
          }
        }
        ready.completeExceptionally(new IllegalStateException("plugin server exited"));
      } catch (Exception e) {
        ready.completeExceptionally(e);
      }
    }, "killed-plugin-output");
    reader.setDaemon(true);
    reader.start();
    try {
      ready.get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      p.destroyForcibly();
      throw e;
    }
    return p;
  }

  @Test
  void killedServerFailsFastAndRecoversWhenRestarted() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Process server = startServer(port);
    try (TestGateway gw = TestGateway.start(new JsonObject().put("coprocess_options", new JsonObject()
            .put("enable_coprocess", true).put("coprocess_grpc_server", "tcp://127.0.0.1:" + port)), Map.of());
        Upstream upstream = Upstream.start(gw.vertx)) {
      gw.writeApi("gk.json", Apis.keyless("gk", "/gk/", upstream.url("/")).put("custom_middleware", new JsonObject()
          .put("driver", "grpc").put("pre", new JsonArray().add(new JsonObject().put("name", "testPreHook1")))));
      assertEquals(new JsonArray(), gw.reload().getJsonArray("errors"));
      assertEquals(200, gw.call(HttpMethod.GET, "/gk/x", Map.of(), null).status());

      server.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
      Poll.until(Duration.ofSeconds(10), "hooks fail once the server is killed",
          () -> gw.call(HttpMethod.GET, "/gk/x", Map.of(), null).status() == 500);
      double timeouts = failures(gw, "timeout");
      for (int i = 0; i < 20; i++) {
        TestGateway.Reply reply = gw.call(HttpMethod.GET, "/gk/x", Map.of(), null);
        assertEquals(500, reply.status());
        assertEquals("Middleware error", reply.json().getString("error"));
      }
      assertEquals(timeouts, failures(gw, "timeout"), "the calls failed at once, none waited for its deadline");

      server = startServer(port);
      Poll.until(Duration.ofSeconds(20), "hooks work once the server is back",
          () -> gw.call(HttpMethod.GET, "/gk/x", Map.of(), null).status() == 200);
      assertEquals(1.0, gw.meters.get("coproxy.grpc.connected").gauge().value());
    } finally {
      server.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
    }
  }

  // Hook failures by reason so far, over every API and hook.
  private static double failures(TestGateway gw, String reason) {
    return gw.meters.find("coproxy.hook.failures").tag("reason", reason).counters().stream()
        .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
  }
}
