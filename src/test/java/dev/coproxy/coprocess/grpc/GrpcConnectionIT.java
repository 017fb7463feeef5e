package dev.coproxy.coprocess.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.Poll;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The connection to the plugin server: absent at start, lost and back, a unix socket target. */
class GrpcConnectionIT {

  private static Vertx pluginVertx;

  @BeforeAll
  static void vertx() {
    pluginVertx = Vertx.vertx();
  }

  @AfterAll
  static void close() throws Exception {
    pluginVertx.close().await(10, TimeUnit.SECONDS);
  }

  private static TestGateway gateway(String target) throws Exception {
    return TestGateway.start(new JsonObject().put("coprocess_options", new JsonObject()
        .put("enable_coprocess", true).put("coprocess_grpc_server", target)), Map.of());
  }

  private static void deploy(TestGateway gw, Upstream upstream) throws Exception {
    JsonObject api = Apis.keyless("gc", "/gc/", upstream.url("/")).put("custom_middleware", new JsonObject()
        .put("driver", "grpc").put("pre", new JsonArray().add(new JsonObject().put("name", "testPreHook1"))));
    gw.writeApi("gc.json", api);
    assertEquals(new JsonArray(), gw.reload().getJsonArray("errors"));
  }

  private static TestGateway.Reply get(TestGateway gw) throws Exception {
    return gw.call(HttpMethod.GET, "/gc/x", Map.of(), null);
  }

  private static double connectedGauge(TestGateway gw) {
    return gw.meters.get("coproxy.grpc.connected").gauge().value();
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void serverAbsentAtStartFailsFastThenConnectsWhenItComes() throws Exception {
    int port = freePort();
    try (TestGateway gw = gateway("127.0.0.1:" + port); Upstream upstream = Upstream.start(gw.vertx)) {
      deploy(gw, upstream);
      assertEquals(0.0, connectedGauge(gw));
      double timeouts = failures(gw, "timeout");
      for (int i = 0; i < 20; i++) {
        TestGateway.Reply reply = get(gw);
        assertEquals(500, reply.status());
        assertEquals("Middleware error", reply.json().getString("error"));
      }
      assertEquals(timeouts, failures(gw, "timeout"), "the calls failed at once, none waited for its deadline");
      JsonObject hello = gw.call(HttpMethod.GET, "/hello", Map.of(), null).json();
      assertEquals("warn", hello.getString("status"), hello.encode());
      assertEquals("gRPC plugin server 127.0.0.1:" + port + " is unreachable",
          hello.getJsonObject("details").getJsonObject("driver_grpc").getString("output"));
      TestPluginServer plugin = TestPluginServer.tcp(pluginVertx);
      plugin.stop();
      plugin.listen(port);
      try {
        Poll.until(Duration.ofSeconds(15), "hooks work once the server is there", () -> get(gw).status() == 200);
        assertEquals(1.0, connectedGauge(gw));
        JsonObject healthy = gw.call(HttpMethod.GET, "/hello", Map.of(), null).json();
        assertEquals("pass", healthy.getString("status"), healthy.encode());
        assertEquals("pass", healthy.getJsonObject("details").getJsonObject("driver_grpc").getString("status"));
      } finally {
        plugin.close();
      }
    }
  }

  @Test
  void serverStoppedMidTrafficFailsFastAndRecovers() throws Exception {
    TestPluginServer plugin = TestPluginServer.tcp(pluginVertx);
    int port = plugin.port();
    try (TestGateway gw = gateway(plugin.target()); Upstream upstream = Upstream.start(gw.vertx)) {
      deploy(gw, upstream);
      assertEquals(200, get(gw).status());
      assertEquals(1.0, connectedGauge(gw));
      plugin.stop();
      Poll.until(Duration.ofSeconds(10), "hooks fail while the server is away", () -> get(gw).status() == 500);
      double timeouts = failures(gw, "timeout");
      for (int i = 0; i < 20; i++) {
        assertEquals(500, get(gw).status());
      }
      assertEquals(timeouts, failures(gw, "timeout"), "the calls failed at once, none waited for its deadline");
      assertEquals(0.0, connectedGauge(gw));
      assertTrue(gw.meters.get("coproxy.grpc.disconnects").counter().count() >= 1);
      plugin.listen(port);
      Poll.until(Duration.ofSeconds(15), "hooks work again", () -> get(gw).status() == 200);
      assertEquals("testvalue", upstream.received.get(upstream.received.size() - 1).getJsonObject("headers").getString("testheader"));
    } finally {
      plugin.close();
    }
  }

  @Test
  void authCheckWithServerAbsentIsForbidden() throws Exception {
    try (TestGateway gw = gateway("127.0.0.1:" + freePort()); Upstream upstream = Upstream.start(gw.vertx)) {
      JsonObject api = Apis.protectedApi("gca", "/gca/", upstream.url("/")).put("custom_plugin_auth_enabled", true)
          .put("custom_middleware", new JsonObject().put("driver", "grpc").put("auth_check", new JsonObject().put("name", "testAuthHook1")));
      gw.writeApi("gca.json", api);
      assertEquals(new JsonArray(), gw.reload().getJsonArray("errors"));
      TestGateway.Reply reply = gw.call(HttpMethod.GET, "/gca/x", Map.of("Authorization", "abc"), null);
      assertEquals(403, reply.status(), reply.text());
      assertEquals("Key not authorised", reply.json().getString("error"));
    }
  }

  @Test
  void authorityIsSentWhenConfigured() throws Exception {
    try (TestPluginServer plugin = TestPluginServer.tcp(pluginVertx);
        TestGateway gw = TestGateway.start(new JsonObject().put("coprocess_options", new JsonObject()
            .put("enable_coprocess", true).put("coprocess_grpc_server", plugin.target())
            .put("grpc_authority", "plugins.example:7000").put("debug_headers", true)), Map.of());
        Upstream upstream = Upstream.start(gw.vertx)) {
      deploy(gw, upstream);
      TestGateway.Reply reply = get(gw);
      assertEquals(200, reply.status(), reply.text());
      assertEquals("testvalue", reply.json().getJsonObject("headers").getString("testheader"));
      assertEquals("plugins.example:7000", plugin.lastAuthority.get());
      // This path reads the status itself: its description reaches the debug header too.
      gw.writeApi("gcs.json", Apis.keyless("gcs", "/gcs/", upstream.url("/")).put("custom_middleware", new JsonObject()
          .put("driver", "grpc").put("pre", new JsonArray().add(new JsonObject().put("name", "status")))));
      assertEquals(new JsonArray(), gw.reload().getJsonArray("errors"));
      TestGateway.Reply failed = gw.call(HttpMethod.GET, "/gcs/x", Map.of(), null);
      assertEquals(500, failed.status(), failed.text());
      assertEquals("pre:status driver=grpc: gRPC status INTERNAL: plugin bug: 1+1 != 3", failed.headers().get("X-Coproxy-Plugin-Error"));
    }
  }

  @Test
  void dnsTargetWithRoundRobin() throws Exception {
    try (TestPluginServer plugin = TestPluginServer.tcp(pluginVertx);
        TestGateway gw = TestGateway.start(new JsonObject().put("coprocess_options", new JsonObject()
            .put("enable_coprocess", true).put("coprocess_grpc_server", "dns:///127.0.0.1:" + plugin.port())
            .put("grpc_round_robin_load_balancing", true)), Map.of());
        Upstream upstream = Upstream.start(gw.vertx)) {
      deploy(gw, upstream);
      for (int i = 0; i < 3; i++) {
        TestGateway.Reply reply = get(gw);
        assertEquals(200, reply.status(), reply.text());
      }
      assertEquals(3, plugin.calls.get());
      assertEquals("127.0.0.1:" + plugin.port(), plugin.lastAuthority.get(), "the target's name, not a resolved address");
    }
  }

  @Test
  void unixSocketTarget() throws Exception {
    Path dir = Files.createTempDirectory("coproxy-grpc");
    Path socket = dir.resolve("plugin.sock");
    try (TestPluginServer plugin = TestPluginServer.unix(pluginVertx, socket.toString());
        TestGateway gw = gateway("unix://" + socket); Upstream upstream = Upstream.start(gw.vertx)) {
      deploy(gw, upstream);
      TestGateway.Reply reply = get(gw);
      assertEquals(200, reply.status(), reply.text());
      assertEquals("testvalue", reply.json().getJsonObject("headers").getString("testheader"));
      assertEquals("localhost", plugin.lastAuthority.get());
    } finally {
      Files.deleteIfExists(socket);
      Files.deleteIfExists(dir);
    }
  }

  @Test
  void badTargetIsAConfigError() {
    Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> gateway("http://127.0.0.1:1").close());
    assertTrue(String.valueOf(e.getMessage()).contains("coprocess_grpc_server")
        || String.valueOf(e.getCause()).contains("coprocess_grpc_server"), String.valueOf(e));
  }

  @Test
  void aClientThatLeavesCancelsItsCallOnThePluginServer() throws Exception {
    try (TestPluginServer plugin = TestPluginServer.tcp(pluginVertx); TestGateway gw = gateway(plugin.target());
        Upstream upstream = Upstream.start(gw.vertx)) {
      deploy(gw, upstream);
      JsonObject api = Apis.keyless("gh", "/gh/", upstream.url("/")).put("custom_middleware", new JsonObject()
          .put("driver", "grpc").put("pre", new JsonArray().add(new JsonObject().put("name", "hang").put("timeout_ms", 20_000))));
      gw.writeApi("gh.json", api);
      assertEquals(new JsonArray(), gw.reload().getJsonArray("errors"));
      Poll.until(Duration.ofSeconds(10), "connected", () -> connectedGauge(gw) == 1.0);
      try (dev.coproxy.testing.RawHttp client = dev.coproxy.testing.RawHttp.connect(gw.port())) {
        client.write("GET /gh/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        Poll.until(Duration.ofSeconds(10), "the hook call reached the server", () -> plugin.calls.get() == 1);
        assertEquals(0, plugin.cancelled.get());
      }
      // Far sooner than the hook's 20 s deadline, the server sees its call cancelled.
      Poll.until(Duration.ofSeconds(5), "the plugin server saw the call cancelled", () -> plugin.cancelled.get() == 1);
      assertEquals(1.0, gw.meters.get("coproxy.grpc.cancelled").counter().count());
      // A client that stays gets its answer, and its call is not counted as cancelled.
      assertEquals(200, get(gw).status());
      assertEquals(1.0, gw.meters.get("coproxy.grpc.cancelled").counter().count());
      assertEquals(1, plugin.cancelled.get());
    }
  }

  // Hook failures by reason so far, over every API and hook.
  private static double failures(TestGateway gw, String reason) {
    return gw.meters.find("coproxy.hook.failures").tag("reason", reason).counters().stream()
        .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
  }
}
