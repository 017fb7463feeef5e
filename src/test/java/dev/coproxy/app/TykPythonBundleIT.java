package dev.coproxy.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.bundle.PemKeys;
import dev.coproxy.testing.BundleServer;
import dev.coproxy.testing.Bundles;
import dev.coproxy.testing.Upstream;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tried as a Tyk user would: Tyk's documented Python plugin layout (a full {@code tyk.conf} with many
 * keys Coproxy does not implement, an API definition naming {@code bundle.zip}, a manifest and a
 * {@code middleware.py} using {@code @Hook}), signed, served over HTTP, run by the gateway as a
 * separate process. Only ports, paths and URLs differ from what Tyk would be given.
 */
class TykPythonBundleIT {

  private static final String TOKEN = "47a0c79c427728b3df4af62b9228c8ae";

  private static final String MIDDLEWARE_PY = """
      from tyk.decorators import *
      from gateway import TykGateway as tyk

      @Hook
      def MyAuthMiddleware(request, session, metadata, spec):
          auth_header = request.get_header('Authorization')
          if auth_header == '%s':
              session.rate = 1000.0
              session.per = 1.0
              metadata["token"] = auth_header
          return request, session, metadata

      @Hook
      def AddHeader(request, session, spec):
          request.add_header("X-Python-Bundle", "yes")
          tyk.log("python bundle pre hook for " + spec["APIID"], "info")
          return request, session
      """.formatted(TOKEN);

  private static final String TYK_CONF = """
      {
        "listen_address": "",
        "listen_port": %d,
        "secret": "352d20ee67be67f6340b4c0605b044b7",
        "template_path": "./templates",
        "use_db_app_configs": false,
        "app_path": "%s",
        "middleware_path": "%s",
        "storage": {"type": "redis", "host": "localhost", "port": 6379, "username": "", "password": "",
          "database": 0, "optimisation_max_idle": 2000, "optimisation_max_active": 4000},
        "enable_analytics": false,
        "analytics_config": {"type": "", "ignored_ips": []},
        "health_check": {"enable_health_checks": false, "health_check_value_timeouts": 0},
        "optimisations_use_async_session_write": false,
        "enable_non_transactional_rate_limiter": true,
        "enable_sentinel_rate_limiter": false,
        "allow_master_keys": false,
        "policies": {"policy_source": "file", "policy_record_name": "policies/policies.json"},
        "hash_keys": true,
        "close_connections": false,
        "http_server_options": {"enable_websockets": true},
        "allow_insecure_configs": true,
        "coprocess_options": {"enable_coprocess": true, "python_path_prefix": "/opt/tyk-gateway"},
        "enable_bundle_downloader": true,
        "bundle_base_url": "%s",
        "public_key_path": "%s",
        "global_session_lifetime": 100,
        "force_global_session_lifetime": false,
        "max_idle_connections_per_host": 500,
        "enable_jsvm": false,
        "log_level": "info"
      }
      """;

  @TempDir
  Path work;

  @Test
  void tykPythonTutorialBundleRunsUnchanged() throws Exception {
    KeyPair keys = Bundles.rsa();
    Path keyFile = Files.writeString(work.resolve("pubkey.pem"), PemKeys.pem(keys.getPublic()));
    Path apps = Files.createDirectories(work.resolve("apps"));
    Path middleware = Files.createDirectories(work.resolve("middleware"));
    Vertx helpers = Vertx.vertx();
    try (BundleServer server = BundleServer.start(helpers, Files.createDirectories(work.resolve("served")));
        Upstream upstream = Upstream.start(helpers)) {
      JsonObject manifest = new JsonObject().put("driver", "python")
          .put("auth_check", new JsonObject().put("name", "MyAuthMiddleware"))
          .put("pre", new io.vertx.core.json.JsonArray().add(new JsonObject().put("name", "AddHeader")));
      Bundles.build(server.dir, "bundle.zip", manifest, Map.of("middleware.py", MIDDLEWARE_PY), keys.getPrivate());
      Files.writeString(apps.resolve("app_sample.json"), """
          {
            "name": "Tyk Test API",
            "api_id": "1",
            "org_id": "default",
            "definition": {"location": "header", "key": "version"},
            "auth": {"auth_header_name": "authorization"},
            "use_keyless": false,
            "enable_coprocess_auth": true,
            "custom_middleware_bundle": "bundle.zip",
            "version_data": {"not_versioned": true, "versions": {"Default": {"name": "Default", "expires": "3000-01-02 15:04",
              "use_extended_paths": true, "extended_paths": {"ignored": [], "white_list": [], "black_list": []}}}},
            "proxy": {"listen_path": "/quickstart/", "target_url": "%s", "strip_listen_path": true},
            "do_not_track": true
          }
          """.formatted(upstream.url("/")));
      int port = freePort();
      Path conf = Files.writeString(work.resolve("tyk.conf"),
          TYK_CONF.formatted(port, apps, middleware, server.baseUrl(), keyFile));
      try (GatewayProcess gateway = GatewayProcess.start(work, Map.of(), "--conf", conf.toString())) {
        gateway.awaitReady(Duration.ofSeconds(60));
        // Tyk's config starts: what does not work yet is named once, analytics and paths are ignored.
        assertTrue(gateway.logged("config key storage is not implemented: keys are kept in the built-in store"), gateway.output());
        assertTrue(gateway.stderrLines().stream().anyMatch(l -> l.contains("no effect in Coproxy") && l.contains("template_path")),
            gateway.output());
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> refused = http.send(request(port, null), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, refused.statusCode(), refused.body() + "\n" + gateway.output());
        HttpResponse<String> ok = http.send(request(port, TOKEN), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ok.statusCode(), ok.body() + "\n" + gateway.output());
        JsonObject seen = new JsonObject(ok.body()).getJsonObject("headers");
        assertEquals("yes", seen.getString("x-python-bundle"), ok.body());
        assertTrue(Files.isRegularFile(middleware.resolve("bundles").resolve(md5("bundle.zip")).resolve("middleware.py")));

        // New code under the same name, live after a reload with refresh_bundles.
        Bundles.build(server.dir, "bundle.zip", manifest, Map.of("middleware.py", MIDDLEWARE_PY.replace("\"yes\"", "\"yes-2\"")),
            keys.getPrivate());
        HttpResponse<String> reload = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/tyk/reload?refresh_bundles=true"))
            .header("x-tyk-authorization", "352d20ee67be67f6340b4c0605b044b7").timeout(Duration.ofSeconds(60)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, reload.statusCode(), reload.body());
        assertEquals(0, new JsonObject(reload.body()).getJsonArray("errors").size(), reload.body());
        HttpResponse<String> updated = http.send(request(port, TOKEN), HttpResponse.BodyHandlers.ofString());
        assertEquals("yes-2", new JsonObject(updated.body()).getJsonObject("headers").getString("x-python-bundle"), updated.body());
      }
    } finally {
      helpers.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static HttpRequest request(int port, String token) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/quickstart/get"))
        .timeout(Duration.ofSeconds(30));
    if (token != null) {
      builder.header("Authorization", token);
    }
    return builder.build();
  }

  private static String md5(String text) {
    return dev.coproxy.bundle.BundleLoader.md5(text);
  }

  private static int freePort() throws java.io.IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
