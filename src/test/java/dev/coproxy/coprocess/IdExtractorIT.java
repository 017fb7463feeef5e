package dev.coproxy.coprocess;

import static dev.coproxy.coprocess.CoprocessFixture.hook;
import static dev.coproxy.coprocess.CoprocessFixture.middleware;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.api.ApiDefinition;
import dev.coproxy.bus.IdExtractorAddresses;
import dev.coproxy.idextractor.Extracted;
import dev.coproxy.idextractor.Extraction;
import dev.coproxy.idextractor.IdExtractor;
import dev.coproxy.idextractor.IdExtractorConfig;
import dev.coproxy.idextractor.RequestMaterial;
import dev.coproxy.proto.SessionState;
import dev.coproxy.testing.Apis;
import dev.coproxy.testing.TestGateway;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ID extractor in front of {@code auth_check} (Tyk section 9) with the scripted test driver on
 * the real event-bus path: each source and mode, the cache hit that skips the plugin, the checks
 * that still run, the ways a cached ID ends, load errors and the metrics.
 */
class IdExtractorIT {

  private static CoprocessFixture fx;

  @BeforeAll
  static void start() throws Exception {
    fx = CoprocessFixture.start();
  }

  @AfterAll
  static void stop() throws Exception {
    fx.close();
  }

  static String md5(String value) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(value.getBytes(StandardCharsets.UTF_8)));
  }

  /** The ID Tyk makes of a value for the test APIs' org. */
  static String id(String value) throws Exception {
    return "test-org" + md5(value);
  }

  /**
   * A plugin as in Tyk's TestValueExtractorHeaderSource: it authorises only its first call, and
   * only when the request passes {@code accept}, with a 60 s deadline; later calls return no session.
   */
  private static UnaryOperator<dev.coproxy.proto.Object> firstCallOnly(Predicate<dev.coproxy.proto.Object> accept, SessionState.Builder session) {
    AtomicInteger calls = new AtomicInteger();
    return o -> calls.getAndIncrement() == 0 && accept.test(o)
        ? o.toBuilder().setSession(session.clone().setIdExtractorDeadline(System.currentTimeMillis() / 1000 + 60)
            .putMetadata("token", "plugin-token")).build()
        : o;
  }

  private static UnaryOperator<dev.coproxy.proto.Object> firstCallOnly(Predicate<dev.coproxy.proto.Object> accept) {
    return firstCallOnly(accept, SessionState.newBuilder().setRate(1000).setPer(1));
  }

  /** A plugin that authorises every call with the given deadline offset in seconds. */
  private static UnaryOperator<dev.coproxy.proto.Object> always(long deadlineOffset) {
    return o -> o.toBuilder().setSession(SessionState.newBuilder().setRate(1000).setPer(1)
        .setIdExtractorDeadline(System.currentTimeMillis() / 1000 + deadlineOffset).putMetadata("token", "t")).build();
  }

  private static JsonObject api(String id, JsonObject extractor) {
    return fx.protectedApi(id, middleware().put("auth_check", hook(id)).put("id_extractor", extractor)).put("custom_plugin_auth_enabled", true);
  }

  private static void authApi(String id, JsonObject extractor, UnaryOperator<dev.coproxy.proto.Object> script) throws Exception {
    fx.driver.on(id, script);
    fx.deploy(api(id, extractor));
  }

  static JsonObject extractor(String from, String with, JsonObject config) {
    return new JsonObject().put("extract_from", from).put("extract_with", with).put("extractor_config", config);
  }

  private static TestGateway.Reply get(String id, Map<String, String> headers) throws Exception {
    return getQuery(id, "", headers);
  }

  private static TestGateway.Reply getQuery(String id, String query, Map<String, String> headers) throws Exception {
    return fx.call(HttpMethod.GET, "/" + id + "/x" + query, headers, null);
  }

  private static TestGateway.Reply post(String id, String query, String contentType, String body) throws Exception {
    return fx.call(HttpMethod.POST, "/" + id + "/x" + query, Map.of("Content-Type", contentType), body);
  }

  private static double count(String apiId, String result) throws Exception {
    return fx.metric("coproxy_idextractor_total", Map.of("api_id", apiId, "result", result));
  }

  private static void assertMetrics(String apiId, int hit, int miss, int error) throws Exception {
    assertEquals(List.of((double) hit, (double) miss, (double) error),
        List.of(count(apiId, "hit"), count(apiId, "miss"), count(apiId, "error")), "hit, miss, error of " + apiId);
  }

  @Test
  void headerValueIsCachedUntilTheDeadlineAndOtherCredentialsAreRefused() throws Exception {
    authApi("ie-header", extractor("header", "value", new JsonObject().put("header_name", "Authorization")),
        firstCallOnly(o -> "abc".equals(o.getRequest().getHeadersOrDefault("Authorization", ""))));
    assertEquals(200, get("ie-header", Map.of("Authorization", "abc")).status());
    TestGateway.Reply second = get("ie-header", Map.of("Authorization", "abc"));
    assertEquals(200, second.status(), "served from the cache: " + second.text());
    assertEquals(403, get("ie-header", Map.of("Authorization", "other")).status());
    assertEquals(2, fx.driver.callsTo("ie-header").size(), "the cached request did not call the plugin");

    TestGateway.Reply stored = fx.gw.admin(HttpMethod.GET, "/tyk/keys/" + id("abc"), null);
    assertEquals(200, stored.status(), stored.text());
    assertEquals("test-org", stored.json().getString("org_id"));
    assertTrue(stored.json().getLong("id_extractor_deadline") > System.currentTimeMillis() / 1000);

    TestGateway.Reply missing = get("ie-header", Map.of());
    assertEquals(400, missing.status());
    assertEquals("Authorization field missing", missing.json().getString("error"));
    assertEquals(2, fx.driver.callsTo("ie-header").size());
    assertMetrics("ie-header", 1, 2, 1);
  }

  @Test
  void formValuesFromUrlencodedMultipartAndQueryGiveOneId() throws Exception {
    authApi("ie-form", extractor("form", "value", new JsonObject().put("param_name", "auth")),
        firstCallOnly(o -> o.getRequest().getBody().contains("auth=f-abc")));
    assertEquals(200, post("ie-form", "", "application/x-www-form-urlencoded", "auth=f-abc&x=1").status());
    String multipart = "--b0\r\nContent-Disposition: form-data; name=\"auth\"\r\n\r\nf-abc\r\n--b0--\r\n";
    assertEquals(200, post("ie-form", "", "multipart/form-data; boundary=b0", multipart).status(), "multipart field");
    assertEquals(200, getQuery("ie-form", "?auth=f-abc", Map.of()).status(), "query parameter, as Go's form includes it");
    assertEquals(403, post("ie-form", "", "application/x-www-form-urlencoded", "auth=zzz").status());
    assertEquals(400, post("ie-form", "", "application/x-www-form-urlencoded", "nope=1").status());
    assertEquals(2, fx.driver.callsTo("ie-form").size());
    assertTrue(fx.driver.callsTo("ie-form").get(0).getRequest().getBody().equals("auth=f-abc&x=1"), "the plugin still reads the body");
    assertEquals(200, fx.gw.admin(HttpMethod.GET, "/tyk/keys/" + id("f-abc"), null).status());
  }

  @Test
  void bodyRegexAndXpathAndQuerystring() throws Exception {
    authApi("ie-regex", extractor("body", "regex", new JsonObject().put("regex_expression", "[0-9]+").put("regex_match_index", 0)),
        firstCallOnly(o -> true));
    assertEquals(200, post("ie-regex", "", "text/plain", "user-12345-x").status());
    assertEquals(200, post("ie-regex", "", "text/plain", "other-12345").status(), "same digits, same ID");
    assertEquals(403, post("ie-regex", "", "text/plain", "user-999").status());
    assertEquals(400, post("ie-regex", "", "text/plain", "no digits").status());
    assertEquals(200, fx.gw.admin(HttpMethod.GET, "/tyk/keys/" + id("12345"), null).status());

    authApi("ie-xpath", extractor("body", "xpath", new JsonObject().put("xpath_expression", "//object/key")), firstCallOnly(o -> true));
    assertEquals(200, post("ie-xpath", "", "application/xml", "<object><key>thevalue</key></object>").status());
    assertEquals(200, post("ie-xpath", "", "application/xml", "<object><key>thevalue</key><n>2</n></object>").status());
    assertEquals(403, post("ie-xpath", "", "application/xml", "<object><key>another</key></object>").status());
    assertEquals(200, fx.gw.admin(HttpMethod.GET, "/tyk/keys/" + id("thevalue"), null).status());

    authApi("ie-query", extractor("querystring", "value", new JsonObject().put("param_name", "key")), firstCallOnly(o -> true));
    assertEquals(200, getQuery("ie-query", "?key=k1&a=1", Map.of()).status());
    assertEquals(200, getQuery("ie-query", "?a=2&key=k1", Map.of()).status());
    assertEquals(403, getQuery("ie-query", "?key=k2", Map.of()).status());
    assertEquals(400, get("ie-query", Map.of()).status());
    assertEquals(2, fx.driver.callsTo("ie-query").size());
    assertMetrics("ie-query", 1, 2, 1);
  }

  @Test
  void xxeIsRefusedWithoutReadingAnything() throws Exception {
    Path secret = Files.createTempFile("coproxy-xxe", ".txt");
    Files.writeString(secret, "SECRET-FROM-DISK");
    authApi("ie-xxe", extractor("body", "xpath", new JsonObject().put("xpath_expression", "//key")), o -> {
      throw new AssertionError("the plugin must not be called");
    });
    String xxe = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY s SYSTEM \"" + secret.toUri() + "\">]><r><key>&s;</key></r>";
    TestGateway.Reply reply = post("ie-xxe", "", "application/xml", xxe);
    assertEquals(400, reply.status());
    assertEquals("Authorization field missing", reply.json().getString("error"));
    assertEquals(0, fx.driver.callsTo("ie-xxe").size());
    assertEquals(404, fx.gw.admin(HttpMethod.GET, "/tyk/keys/" + id("SECRET-FROM-DISK"), null).status());
    assertMetrics("ie-xxe", 0, 0, 1);
    Files.delete(secret);
  }

  @Test
  void checksStillRunOnCachedSessions() throws Exception {
    authApi("ie-quota", extractor("header", "value", new JsonObject().put("header_name", "X-Id")),
        firstCallOnly(o -> true, SessionState.newBuilder().setRate(1000).setPer(1).setQuotaMax(2).setQuotaRenewalRate(3600)));
    assertEquals(200, get("ie-quota", Map.of("X-Id", "q")).status());
    assertEquals(200, get("ie-quota", Map.of("X-Id", "q")).status());
    TestGateway.Reply third = get("ie-quota", Map.of("X-Id", "q"));
    assertEquals(403, third.status(), third.text());
    assertEquals("Quota exceeded", third.json().getString("error"));
    assertEquals(1, fx.driver.callsTo("ie-quota").size());

    authApi("ie-expired", extractor("header", "value", new JsonObject().put("header_name", "X-Id")),
        firstCallOnly(o -> true, SessionState.newBuilder().setExpires(System.currentTimeMillis() / 1000 + 3600)));
    assertEquals(200, get("ie-expired", Map.of("X-Id", "e")).status());
    JsonObject session = fx.gw.admin(HttpMethod.GET, "/tyk/keys/" + id("e"), null).json().put("expires", 1000);
    assertEquals(200, fx.gw.admin(HttpMethod.PUT, "/tyk/keys/" + id("e"), session.encode()).status());
    TestGateway.Reply expired = get("ie-expired", Map.of("X-Id", "e"));
    assertEquals(401, expired.status(), "a cache hit is still checked for expiry: " + expired.text());
    assertEquals(1, fx.driver.callsTo("ie-expired").size());
  }

  @Test
  void pastDeadlineOrDeletedKeyCallsThePluginAgain() throws Exception {
    authApi("ie-end", extractor("header", "value", new JsonObject().put("header_name", "X-Id")), always(60));
    assertEquals(200, get("ie-end", Map.of("X-Id", "d")).status());
    assertEquals(200, get("ie-end", Map.of("X-Id", "d")).status());
    assertEquals(1, fx.driver.callsTo("ie-end").size());

    assertEquals(200, fx.gw.admin(HttpMethod.DELETE, "/tyk/keys/" + id("d"), null).status());
    assertEquals(200, get("ie-end", Map.of("X-Id", "d")).status());
    assertEquals(2, fx.driver.callsTo("ie-end").size(), "a deleted key ends the cache");
    assertEquals(200, get("ie-end", Map.of("X-Id", "d")).status());
    assertEquals(2, fx.driver.callsTo("ie-end").size());

    JsonObject session = fx.gw.admin(HttpMethod.GET, "/tyk/keys/" + id("d"), null).json()
        .put("id_extractor_deadline", System.currentTimeMillis() / 1000 - 1);
    assertEquals(200, fx.gw.admin(HttpMethod.PUT, "/tyk/keys/" + id("d"), session.encode()).status());
    assertEquals(200, get("ie-end", Map.of("X-Id", "d")).status());
    assertEquals(3, fx.driver.callsTo("ie-end").size(), "a deadline in the past calls the plugin");
    assertMetrics("ie-end", 2, 3, 0);
  }

  @Test
  void invalidConfigsAreLoadErrorsNamingApiAndKey() throws Exception {
    Map<String, JsonObject> bad = Map.of(
        "ie-bad-regex", extractor("header", "regex", new JsonObject().put("header_name", "A").put("regex_expression", "([a")),
        "ie-bad-xpath", extractor("body", "xpath", new JsonObject().put("xpath_expression", "//a[")),
        "ie-bad-value", extractor("body", "value", new JsonObject()),
        "ie-bad-noexpr", extractor("body", "regex", new JsonObject()));
    Map<String, String> keys = Map.of(
        "ie-bad-regex", "custom_middleware.id_extractor.extractor_config.regex_expression",
        "ie-bad-xpath", "custom_middleware.id_extractor.extractor_config.xpath_expression",
        "ie-bad-value", "custom_middleware.id_extractor.extract_with",
        "ie-bad-noexpr", "custom_middleware.id_extractor.extractor_config.regex_expression");
    for (Map.Entry<String, JsonObject> e : bad.entrySet()) {
      fx.gw.writeApi(e.getKey() + ".json", api(e.getKey(), e.getValue()));
    }
    fx.driver.on("ie-good", always(60));
    fx.gw.writeApi("ie-good.json", api("ie-good", extractor("header", "value", new JsonObject().put("header_name", "X-Id"))));
    JsonArray errors = fx.gw.reload().getJsonArray("errors");
    for (String apiId : bad.keySet()) {
      List<String> mine = errors.stream().map(String::valueOf).filter(s -> s.contains(apiId + ".json")).toList();
      assertEquals(1, mine.size(), errors.encodePrettily());
      assertTrue(mine.get(0).contains(keys.get(apiId)) && mine.get(0).contains("api " + apiId), mine.get(0));
      assertEquals(404, get(apiId, Map.of("X-Id", "x")).status(), apiId + " is not served");
      Files.delete(fx.gw.appPath.resolve(apiId + ".json"));
    }
    assertEquals(200, get("ie-good", Map.of("X-Id", "x")).status(), "the other APIs load");
  }

  @Test
  void disabledExtractorCallsThePluginEveryTime() throws Exception {
    authApi("ie-off", extractor("header", "value", new JsonObject().put("header_name", "X-Id")).put("disabled", true), always(60));
    assertEquals(200, get("ie-off", Map.of("X-Id", "off")).status());
    assertEquals(200, get("ie-off", Map.of("X-Id", "off")).status());
    assertEquals(2, fx.driver.callsTo("ie-off").size());
    assertEquals(404, fx.gw.admin(HttpMethod.GET, "/tyk/keys/" + id("off"), null).status(), "stored under the token, not an ID");
    assertEquals(200, fx.gw.admin(HttpMethod.GET, "/tyk/keys/t", null).status());
    assertMetrics("ie-off", 0, 0, 0);
  }

  @Test
  void theVerticleAnswersOnItsBusAddress() throws Exception {
    ApiDefinition api = ApiDefinition.parse(Apis.protectedApi("ie-bus", "/ie-bus/", "http://127.0.0.1:9")
        .put("custom_plugin_auth_enabled", true).put("custom_middleware", new JsonObject().put("driver", "grpc")
            .put("id_extractor", extractor("header", "value", new JsonObject().put("header_name", "X-Id")))));
    IdExtractor extractor = IdExtractorConfig.build(api.customMiddleware().idExtractor(), "ie-bus", "test-org", "");
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("X-Id", "bus-value");
    Extraction request = new Extraction(extractor,
        new RequestMaterial(headers, null, null, "GET"));
    DeliveryOptions local = new DeliveryOptions().setLocalOnly(true);
    Extracted found = fx.gw.vertx.eventBus()
        .<Extracted>request(IdExtractorAddresses.EXTRACT, request, local)
        .await(10, TimeUnit.SECONDS).body();
    assertEquals(id("bus-value"), found.id());
    assertNull(found.session(), "nothing stored under it yet");

    ReplyException refused = assertThrows(ReplyException.class,
        () -> fx.gw.vertx.eventBus().request(IdExtractorAddresses.EXTRACT, new Extraction(
            extractor, new RequestMaterial(MultiMap.caseInsensitiveMultiMap(), null, null, "GET")), local)
            .await(10, TimeUnit.SECONDS));
    assertEquals(400, refused.failureCode());
    assertTrue(refused.getMessage().contains("X-Id"), refused.getMessage());
  }

  @Test
  void binaryBodyAndOversizedInputAreRefused() throws Exception {
    authApi("ie-big", extractor("body", "regex", new JsonObject().put("regex_expression", "k+")), firstCallOnly(o -> true));
    TestGateway.Reply big = fx.send(HttpMethod.POST, "/ie-big/x", List.of(Map.entry("Content-Type", "text/plain")),
        Buffer.buffer("k".repeat(5 << 20)));
    assertEquals(400, big.status());
    assertEquals(0, fx.driver.callsTo("ie-big").size());
  }
}
