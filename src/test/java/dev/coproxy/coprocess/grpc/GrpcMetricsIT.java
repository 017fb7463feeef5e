package dev.coproxy.coprocess.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The gRPC driver's calls are measured by Coproxy's hook series only: Vert.x's per-request HTTP
 * client meters stay on the upstream client and are not kept for the plugin server's connections.
 */
class GrpcMetricsIT {

  @Test
  void pluginCallsAreTimedAsHooksAndNotAsVertxClientRequests() throws Exception {
    Vertx others = Vertx.vertx();
    TestPluginServer plugin = TestPluginServer.tcp(others);
    try (Upstream upstream = Upstream.start(others);
        TestGateway gw = TestGateway.start(new JsonObject().put("coprocess_options", new JsonObject()
            .put("enable_coprocess", true).put("coprocess_grpc_server", plugin.target())), Map.of())) {
      gw.writeApi("m.json", Apis.keyless("g-metered", "/g-metered/", upstream.url("/")).put("custom_middleware",
          new JsonObject().put("driver", "grpc").put("pre", new JsonArray().add(new JsonObject().put("name", "testPreHook1")))));
      assertEquals(new JsonArray(), gw.reload().getJsonArray("errors"));
      for (int i = 0; i < 3; i++) {
        TestGateway.Reply reply = gw.call(HttpMethod.GET, "/g-metered/x", Map.of(), null);
        assertEquals(200, reply.status(), reply.text());
        assertEquals("testvalue", reply.json().getJsonObject("headers").getString("testheader"), "the hook ran");
      }
      String text = gw.meters.scrape();
      List<String> client = text.lines().filter(l -> l.startsWith("vertx_http_client_requests_total{")).toList();
      // Dispatch calls are HTTP/2 POSTs; this test's own client and the upstream client only GET.
      assertTrue(client.stream().noneMatch(l -> l.contains("method=\"POST\"")), "no plugin server requests in:\n" + client);
      assertTrue(client.stream().anyMatch(l -> l.contains("method=\"GET\"")), "the upstream client is still measured:\n" + client);
      assertTrue(text.lines().anyMatch(l -> l.startsWith("coproxy_hook_duration_seconds_count{")
          && l.contains("api_id=\"g-metered\"") && l.endsWith(" 3")), "three timed hook calls in:\n" + text);
    } finally {
      plugin.close();
      others.close().await(10, TimeUnit.SECONDS);
    }
  }
}
