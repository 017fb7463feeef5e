package dev.coproxy.coprocess.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.api.CustomMiddleware;
import dev.coproxy.testing.Apis;
import dev.coproxy.testing.BundleServer;
import dev.coproxy.testing.Bundles;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A gRPC bundle carries only a manifest: its driver and hooks replace the API's and reach the plugin server. */
class GrpcBundleIT {

  @Test
  void manifestOnlyBundleTakesEffect() throws Exception {
    Vertx helpers = Vertx.vertx();
    try (TestPluginServer plugin = TestPluginServer.tcp(helpers);
        BundleServer server = BundleServer.start(helpers, Files.createTempDirectory("coproxy-grpc-bundles"));
        Upstream upstream = Upstream.start(helpers)) {
      JsonObject cm = Bundles.middleware("grpc", "pre", "testPreHook1")
          .put("auth_check", new JsonObject().put("name", "testAuthHook1"));
      Bundles.build(server.dir, "grpc-bundle.zip", cm, Map.of(), null);
      JsonObject api = Apis.protectedApi("g-bundle", "/g-bundle/", upstream.url("/"))
          .put("custom_plugin_auth_enabled", true)
          .put("custom_middleware_bundle", "grpc-bundle.zip");
      try (TestGateway gw = TestGateway.start(new JsonObject()
          .put("middleware_path", Files.createTempDirectory("coproxy-grpc-mw").toString())
          .put("enable_bundle_downloader", true).put("bundle_base_url", server.baseUrl())
          .put("coprocess_options", new JsonObject().put("enable_coprocess", true).put("coprocess_grpc_server", plugin.target())),
          Map.of("g-bundle.json", api))) {
        CustomMiddleware loaded = gw.gateway.registry().current().byId("g-bundle").definition().customMiddleware();
        assertEquals("grpc", loaded.driver());
        assertEquals("testAuthHook1", loaded.authCheck().name());
        TestGateway.Reply refused = gw.call(HttpMethod.GET, "/g-bundle/x", Map.of("Authorization", "wrong"), null);
        assertEquals(400, refused.status(), refused.text());
        assertTrue(refused.text().contains("Key not authorised"), refused.text());
        TestGateway.Reply ok = gw.call(HttpMethod.GET, "/g-bundle/x", Map.of("Authorization", "abc"), null);
        assertEquals(200, ok.status(), ok.text());
        assertEquals("testvalue", ok.json().getJsonObject("headers").getString("testheader"));
      }
    } finally {
      helpers.close().await(10, TimeUnit.SECONDS);
    }
  }
}
