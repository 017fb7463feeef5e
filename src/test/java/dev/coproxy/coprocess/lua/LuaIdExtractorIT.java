package dev.coproxy.coprocess.lua;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.Poll;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tyk's TestValueExtractorHeaderSource with real Lua plugins ({@code lua/idextractor.lua}) that
 * authorise only their first call: the second identical request passes from the cache, a different
 * credential is refused. The gateway hashes keys and makes IDs in the base64 JSON form
 * ({@code hash_key_function: murmur64}), so those IDs are checked through the Gateway API too.
 */
class LuaIdExtractorIT {

  private static TestGateway gw;
  private static Upstream upstream;

  @BeforeAll
  static void start() throws Exception {
    Path middleware = Files.createTempDirectory("coproxy-lua-idx");
    Files.createDirectories(middleware.resolve("lua"));
    try (InputStream in = LuaIdExtractorIT.class.getResourceAsStream("/lua/idextractor.lua")) {
      Files.write(middleware.resolve("lua/idextractor.lua"), in.readAllBytes());
    }
    // Keys here are about hooks and sessions, not access rights: master keys are allowed (allow_master_keys).
    gw = TestGateway.start(new JsonObject().put("allow_master_keys", true).put("middleware_path", middleware.toString())
        .put("hash_keys", true).put("hash_key_function", "murmur64")
        .put("coprocess_options", new JsonObject().put("enable_coprocess", true).put("lua_instances", 2)), Map.of());
    upstream = Upstream.start(gw.vertx);
  }

  @AfterAll
  static void stop() throws Exception {
    upstream.close();
    gw.close();
  }

  private static void deploy(String id, JsonObject extractor) throws Exception {
    JsonObject api = Apis.protectedApi(id, "/" + id + "/", upstream.url("/")).put("custom_plugin_auth_enabled", true)
        .put("custom_middleware", new JsonObject().put("driver", "lua").put("auth_check", new JsonObject().put("name", id))
            .put("id_extractor", extractor));
    gw.writeApi(id + ".json", api);
    JsonObject answer = gw.reload();
    assertEquals(new JsonArray(), answer.getJsonArray("errors"), answer.encodePrettily());
  }

  private static JsonObject extractor(String from, String with, JsonObject config) {
    return new JsonObject().put("extract_from", from).put("extract_with", with).put("extractor_config", config);
  }

  private static int get(String id, Map<String, String> headers) throws Exception {
    return gw.call(HttpMethod.GET, "/" + id + "/x", headers, null).status();
  }

  private static int postForm(String id, String body) throws Exception {
    return gw.call(HttpMethod.POST, "/" + id + "/x", Map.of("Content-Type", "application/x-www-form-urlencoded"), body).status();
  }

  /** Tyk's ID with hash_key_function murmur64: base64 of {"org","id","h"}. */
  private static String id(String value) throws Exception {
    String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(value.getBytes(StandardCharsets.UTF_8)));
    String json = "{\"org\":\"test-org\",\"id\":\"" + md5 + "\",\"h\":\"murmur64\"}";
    return Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  private static long pluginCalls(String apiId) {
    Timer timer = gw.meters.find("coproxy.hook.duration").tag("api_id", apiId).timer();
    return timer == null ? 0 : timer.count();
  }

  private static double lookups(String apiId, String result) {
    Counter counter = gw.meters.find("coproxy.idextractor").tags("api_id", apiId, "result", result).counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void headerValue() throws Exception {
    deploy("idx_header", extractor("header", "value", new JsonObject().put("header_name", "Authorization")));
    assertEquals(200, get("idx_header", Map.of("Authorization", "abc")));
    assertEquals(200, get("idx_header", Map.of("Authorization", "abc")), "the plugin refuses now: only the cache lets it through");
    assertEquals(403, get("idx_header", Map.of("Authorization", "another")));
    assertEquals(2, pluginCalls("idx_header"));
    assertEquals(1, lookups("idx_header", "hit"));
    assertEquals(2, lookups("idx_header", "miss"));

    TestGateway.Reply stored = gw.admin(HttpMethod.GET, "/tyk/keys/" + id("abc"), null);
    assertEquals(200, stored.status(), stored.text());
    assertEquals("test-org", stored.json().getString("org_id"));
    assertEquals(1000, stored.json().getDouble("rate"));
  }

  @Test
  void formValue() throws Exception {
    deploy("idx_form", extractor("form", "value", new JsonObject().put("param_name", "auth")));
    assertEquals(200, postForm("idx_form", "auth=form-abc"));
    assertEquals(200, postForm("idx_form", "auth=form-abc"));
    assertEquals(403, postForm("idx_form", "auth=form-abd"));
    assertEquals(2, pluginCalls("idx_form"));
  }

  @Test
  void headerRegex() throws Exception {
    deploy("idx_regex", extractor("header", "regex", new JsonObject().put("header_name", "Authorization")
        .put("regex_expression", "[0-9]+").put("regex_match_index", 0)));
    assertEquals(200, get("idx_regex", Map.of("Authorization", "prefix-12345")));
    assertEquals(200, get("idx_regex", Map.of("Authorization", "prefix-12345")));
    assertEquals(403, get("idx_regex", Map.of("Authorization", "prefix-54321")));
    assertEquals(2, pluginCalls("idx_regex"));
    assertEquals(200, gw.admin(HttpMethod.GET, "/tyk/keys/" + id("12345"), null).status(), "the ID is made of the match");
  }

  @Test
  void deadlineThatPassesCallsThePluginAgainAndDeleteEndsTheCache() throws Exception {
    deploy("idx_short", extractor("header", "value", new JsonObject().put("header_name", "X-Id")));
    assertEquals(200, get("idx_short", Map.of("X-Id", "s1")));
    assertEquals(1, pluginCalls("idx_short"));
    // The deadline is one second ahead: within about a second a request must reach the plugin again.
    Poll.until(Duration.ofSeconds(10), "the plugin is called once the deadline has passed", () -> {
      assertEquals(200, get("idx_short", Map.of("X-Id", "s1")));
      return pluginCalls("idx_short") == 2;
    });
    assertEquals(2, lookups("idx_short", "miss"));

    long before = pluginCalls("idx_short");
    assertEquals(200, gw.admin(HttpMethod.DELETE, "/tyk/keys/" + id("s1"), null).status());
    assertEquals(404, gw.admin(HttpMethod.GET, "/tyk/keys/" + id("s1"), null).status());
    assertEquals(200, get("idx_short", Map.of("X-Id", "s1")));
    assertEquals(before + 1, pluginCalls("idx_short"), "a deleted key is not served from the cache");
  }
}
