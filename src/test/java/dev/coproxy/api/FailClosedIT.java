package dev.coproxy.api;

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
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fail closed: one Tyk-valid definition per common Tyk feature that Coproxy does not implement yet.
 * Each is refused (its listen path answers 404, the reload names file and key, {@code POST
 * /tyk/apis} answers 400 naming the key), a refused change keeps the previous version live, and
 * key fields Coproxy does not enforce are refused at key creation.
 */
class FailClosedIT {

  private static TestGateway gw;
  private static Upstream upstream;

  @BeforeAll
  static void start() throws Exception {
    gw = TestGateway.start(new JsonObject(), Map.of());
    upstream = Upstream.start(gw.vertx);
  }

  @AfterAll
  static void stop() throws Exception {
    if (upstream != null) {
      upstream.close();
    }
    if (gw != null) {
      gw.close();
    }
  }

  @AfterEach
  void emptyAppPath() throws Exception {
    try (Stream<Path> files = Files.list(gw.appPath)) {
      for (Path file : files.toList()) {
        Files.delete(file);
      }
    }
    gw.reload();
  }

  private static JsonObject api(String id) {
    return Apis.keyless(id, "/" + id + "/", upstream.url("/"));
  }

  private static JsonObject version(JsonObject extendedPaths) {
    return new JsonObject().put("not_versioned", true).put("versions", new JsonObject()
        .put("Default", new JsonObject().put("name", "Default").put("use_extended_paths", true).put("extended_paths", extendedPaths)));
  }

  static Stream<Arguments> features() {
    JsonObject listEntry = new JsonObject().put("path", "/admin").put("method_actions",
        new JsonObject().put("GET", new JsonObject().put("action", "no_action")));
    return Stream.of(
        Arguments.of("jwt", "enable_jwt", new JsonObject().put("enable_jwt", true).put("use_keyless", false)),
        Arguments.of("basic", "use_basic_auth", new JsonObject().put("use_basic_auth", true).put("use_keyless", false)),
        Arguments.of("hmac", "enable_signature_checking", new JsonObject().put("enable_signature_checking", true).put("use_keyless", false)),
        Arguments.of("oauth", "use_oauth2", new JsonObject().put("use_oauth2", true).put("use_keyless", false)),
        Arguments.of("mock", "version_data.versions.Default.extended_paths.mock_response",
            new JsonObject().put("version_data", version(new JsonObject().put("mock_response", new JsonArray().add(listEntry))))),
        Arguments.of("rewrite", "version_data.versions.Default.extended_paths.url_rewrites",
            new JsonObject().put("version_data", version(new JsonObject().put("url_rewrites", new JsonArray().add(listEntry))))),
        Arguments.of("versions", "definition.enabled", new JsonObject().put("definition", new JsonObject().put("enabled", true))),
        Arguments.of("headers", "version_data.versions.Default.extended_paths.transform_headers",
            new JsonObject().put("version_data", version(new JsonObject().put("transform_headers", new JsonArray()
                .add(new JsonObject().put("path", "/up").put("method", "POST").put("add_headers", new JsonObject().put("x", "1"))))))),
        Arguments.of("otto", "custom_middleware.driver", new JsonObject().put("custom_middleware",
            new JsonObject().put("driver", "otto").put("pre", new JsonArray().add(new JsonObject().put("name", "pre").put("path", "pre.js"))))),
        Arguments.of("goplugin", "custom_middleware.driver", new JsonObject().put("custom_middleware",
            new JsonObject().put("driver", "goplugin"))),
        Arguments.of("internal", "internal", new JsonObject().put("internal", true)));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("features")
  void aDefinitionUsingAnUnimplementedFeatureIsRefusedNamingTheKey(String id, String key, JsonObject feature) throws Exception {
    gw.writeApi(id + ".json", api(id).mergeIn(feature, true));
    JsonObject report = gw.reload();
    assertEquals(0, report.getInteger("loaded"), report.encode());
    String error = report.getJsonArray("errors").getString(0);
    assertTrue(error.contains(id + ".json") && error.contains(key + ": ") && error.contains("api " + id), error);
    assertEquals(404, gw.call(HttpMethod.GET, "/" + id + "/x", Map.of(), null).status());

    TestGateway.Reply post = gw.admin(HttpMethod.POST, "/tyk/apis", api(id + "2").mergeIn(feature, true).encode());
    assertEquals(400, post.status(), post.text());
    assertTrue(post.json().getString("message").contains(key + ": "), post.text());
  }

  @Test
  void aRefusedChangeKeepsThePreviousVersionLive() throws Exception {
    gw.writeApi("orders.json", api("orders"));
    assertEquals(1, gw.reload().getInteger("loaded"));
    gw.writeApi("orders.json", api("orders").put("enable_jwt", true).put("use_keyless", false));
    JsonObject report = gw.reload();
    assertEquals(1, report.getInteger("loaded"));
    String error = report.getJsonArray("errors").getString(0);
    assertTrue(error.contains("enable_jwt") && error.contains("previous version"), error);
    assertEquals(200, gw.call(HttpMethod.GET, "/orders/x", Map.of(), null).status(), "the keyless version stays live");
  }

  @Test
  void inertDefaultsOfATykExportLoad() throws Exception {
    JsonObject def = api("exported")
        .put("enable_jwt", false).put("use_basic_auth", false).put("enable_ip_whitelisting", false)
        .put("allowed_ips", new JsonArray()).put("global_rate_limit", new JsonObject().put("rate", 0).put("per", 0))
        .put("version_data", version(new JsonObject()))
        .put("do_not_track", true).put("tags", new JsonArray());
    gw.writeApi("exported.json", def);
    JsonObject report = gw.reload();
    assertEquals(1, report.getInteger("loaded"), report.encode());
    assertEquals(200, gw.call(HttpMethod.GET, "/exported/x", Map.of(), null).status());
  }

  static Stream<Arguments> sessionFields() {
    return Stream.of(
        Arguments.of("endpoints", new JsonObject().put("access_rights", new JsonObject().put("a", new JsonObject()
            .put("api_id", "a").put("endpoints", new JsonArray().add(new JsonObject().put("path", "/x")
                .put("methods", new JsonArray().add(new JsonObject().put("name", "GET")))))))),
        Arguments.of("smoothing", new JsonObject().put("smoothing", new JsonObject().put("enabled", true))),
        Arguments.of("monitor", new JsonObject().put("monitor", new JsonObject().put("trigger_limits", new JsonArray().add(80)))),
        Arguments.of("hmac_enabled", new JsonObject().put("hmac_enabled", true).put("hmac_string", "secret")),
        Arguments.of("basic_auth_data", new JsonObject().put("basic_auth_data", new JsonObject().put("password", "pw"))),
        Arguments.of("certificate", new JsonObject().put("certificate", "abc")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sessionFields")
  void aKeySettingAFieldCoproxyDoesNotEnforceIsRefused(String field, JsonObject session) throws Exception {
    JsonObject body = new JsonObject().put("rate", 10).put("per", 1)
        .put("access_rights", new JsonObject().put("a", new JsonObject().put("api_id", "a"))).mergeIn(session, true);
    TestGateway.Reply created = gw.admin(HttpMethod.POST, "/tyk/keys/refused-" + field.replace('_', '-'), body.encode());
    assertEquals(400, created.status(), created.text());
    assertTrue(created.json().getString("message").contains(field), created.text());
    assertEquals(404, gw.admin(HttpMethod.GET, "/tyk/keys/refused-" + field.replace('_', '-'), null).status(), "nothing was saved");
  }

  @Test
  void aTykShapedKeyIsAccepted() throws Exception {
    JsonObject body = new JsonObject().put("allowance", 1000).put("rate", 1000).put("per", 1).put("expires", 0)
        .put("quota_max", -1).put("quota_renews", 1449051461).put("quota_remaining", -1).put("quota_renewal_rate", 60)
        .put("throttle_interval", -1).put("throttle_retry_limit", -1).put("max_query_depth", -1)
        .put("org_id", "test-org").put("meta_data", new JsonObject()).put("tags", new JsonArray())
        .put("access_rights", new JsonObject().put("a", new JsonObject().put("api_id", "a").put("api_name", "A")
            .put("versions", new JsonArray().add("Default")).put("allowed_urls", new JsonArray())));
    TestGateway.Reply created = gw.admin(HttpMethod.POST, "/tyk/keys/tyk-shaped", body.encode());
    assertEquals(200, created.status(), created.text());
    gw.admin(HttpMethod.DELETE, "/tyk/keys/tyk-shaped", null);
  }

  @Test
  void theSwitchLoadsARefusedDefinitionWithAWarning() throws Exception {
    try (TestGateway lax = TestGateway.start(new JsonObject().put("allow_unimplemented_keys", true),
        Map.of("jwt.json", api("jwt").put("enable_jwt", true)))) {
      assertEquals(200, lax.call(HttpMethod.GET, "/jwt/x", Map.of(), null).status());
      assertEquals(List.of(), lax.reload().getJsonArray("errors").getList());
    }
  }
}
