package dev.coproxy.coprocess.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SelfSignedCertificate;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code grpc_tls}: TLS with a CA and a client certificate (mTLS) to the plugin server. */
class GrpcTlsIT {

  private static Vertx pluginVertx;
  private static SelfSignedCertificate serverCert;
  private static SelfSignedCertificate clientCert;
  private static TestPluginServer plugin;

  @BeforeAll
  static void start() throws Exception {
    pluginVertx = Vertx.vertx();
    serverCert = SelfSignedCertificate.create("localhost");
    clientCert = SelfSignedCertificate.create("coproxy");
    plugin = TestPluginServer.tls(pluginVertx, new HttpServerOptions().setSsl(true).setUseAlpn(true)
        .setKeyCertOptions(serverCert.keyCertOptions())
        .setClientAuth(ClientAuth.REQUIRED)
        .setTrustOptions(new PemTrustOptions().addCertPath(clientCert.certificatePath())));
  }

  @AfterAll
  static void stop() throws Exception {
    plugin.close();
    pluginVertx.close().await(10, TimeUnit.SECONDS);
    serverCert.delete();
    clientCert.delete();
  }

  private static TestGateway gateway(JsonObject tls) throws Exception {
    return TestGateway.start(new JsonObject().put("coprocess_options", new JsonObject()
        .put("enable_coprocess", true).put("coprocess_grpc_server", "localhost:" + plugin.port()).put("grpc_tls", tls)), Map.of());
  }

  private static TestGateway.Reply call(TestGateway gw, Upstream upstream) throws Exception {
    JsonObject api = Apis.keyless("gt", "/gt/", upstream.url("/")).put("custom_middleware", new JsonObject()
        .put("driver", "grpc").put("pre", new JsonArray().add(new JsonObject().put("name", "testPreHook1"))));
    gw.writeApi("gt.json", api);
    assertEquals(new JsonArray(), gw.reload().getJsonArray("errors"));
    return gw.call(HttpMethod.GET, "/gt/x", Map.of(), null);
  }

  @Test
  void mutualTls() throws Exception {
    JsonObject tls = new JsonObject().put("ca_file", serverCert.certificatePath())
        .put("cert_file", clientCert.certificatePath()).put("key_file", clientCert.privateKeyPath());
    try (TestGateway gw = gateway(tls); Upstream upstream = Upstream.start(gw.vertx)) {
      TestGateway.Reply reply = call(gw, upstream);
      assertEquals(200, reply.status(), reply.text());
      assertEquals("testvalue", reply.json().getJsonObject("headers").getString("testheader"));
    }
  }

  @Test
  void withoutClientCertificateTheHookFails() throws Exception {
    try (TestGateway gw = gateway(new JsonObject().put("ca_file", serverCert.certificatePath()));
        Upstream upstream = Upstream.start(gw.vertx)) {
      assertEquals(500, call(gw, upstream).status());
    }
  }

  @Test
  void missingFileIsAConfigError() {
    Exception e = assertThrows(Exception.class, () -> gateway(new JsonObject().put("ca_file", "/nonexistent/ca.pem")).close());
    assertTrue(String.valueOf(e).contains("grpc_tls") || String.valueOf(e.getCause()).contains("grpc_tls"), String.valueOf(e));
  }
}
