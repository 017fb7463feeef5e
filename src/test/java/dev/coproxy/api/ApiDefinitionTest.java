package dev.coproxy.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.config.ConfigException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class ApiDefinitionTest {

  private static JsonObject minimal() {
    return new JsonObject()
        .put("api_id", "api-1")
        .put("proxy", new JsonObject().put("listen_path", "/api/").put("target_url", "http://127.0.0.1:8081/base"));
  }

  @Test
  void minimalDefinitionGetsDefaults() {
    JsonObject json = minimal();
    ApiDefinition def = ApiDefinition.parse(json);
    assertEquals("api-1", def.apiId());
    assertEquals("", def.orgId());
    assertEquals("api-1", def.name());
    assertTrue(def.active());
    assertFalse(def.keyless());
    assertEquals("/api/", def.listenPath());
    assertEquals("127.0.0.1", def.target().host());
    assertEquals(8081, def.target().port());
    assertFalse(def.stripListenPath());
    assertFalse(def.preserveHostHeader());
    assertEquals(0, def.sessionLifetime());
    assertEquals("Authorization", def.auth().headerName());
    assertFalse(def.auth().useParam());
    assertFalse(def.auth().useCookie());
    assertSame(json, def.raw());
  }

  @Test
  void fullDefinitionIsRead() {
    JsonObject json = minimal()
        .put("org_id", "org").put("name", "The API").put("active", false).put("use_keyless", true)
        .put("session_lifetime", 3600);
    json.getJsonObject("proxy").put("strip_listen_path", true).put("preserve_host_header", true);
    ApiDefinition def = ApiDefinition.parse(json);
    assertEquals("org", def.orgId());
    assertEquals("The API", def.name());
    assertFalse(def.active());
    assertTrue(def.keyless());
    assertTrue(def.stripListenPath());
    assertTrue(def.preserveHostHeader());
    assertEquals(3600, def.sessionLifetime());
  }

  static Stream<Arguments> invalidDefinitions() {
    return Stream.of(
        Arguments.of(minimal().put("api_id", ""), "api_id"),
        Arguments.of(withoutKey(minimal(), "api_id"), "api_id"),
        Arguments.of(minimal().put("api_id", "   "), "api_id"),
        Arguments.of(minimal().put("api_id", "a/b"), "api_id"),
        Arguments.of(minimal().put("api_id", "a\\b"), "api_id"),
        Arguments.of(minimal().put("api_id", "."), "api_id"),
        Arguments.of(minimal().put("api_id", ".."), "api_id"),
        Arguments.of(minimal().put("api_id", "%2e%2e"), "api_id"),
        Arguments.of(minimal().put("api_id", "a%2Fb"), "api_id"),
        Arguments.of(minimal().put("api_id", "a%25252Fb"), "api_id"),
        Arguments.of(minimal().put("api_id", "line\nbreak"), "api_id"),
        Arguments.of(minimal().put("api_id", "nul\u0000x"), "api_id"),
        Arguments.of(minimal().put("api_id", new JsonObject()), "api_id"),
        Arguments.of(withoutKey(minimal(), "proxy"), "proxy.listen_path"),
        Arguments.of(minimal().put("proxy", "http://127.0.0.1/"), "proxy"),
        Arguments.of(minimal().put("proxy", new JsonObject().put("target_url", "http://127.0.0.1/")), "proxy.listen_path"),
        Arguments.of(minimal().put("proxy", new JsonObject().put("listen_path", "api/").put("target_url", "http://127.0.0.1/")), "proxy.listen_path"),
        Arguments.of(minimal().put("proxy", new JsonObject().put("listen_path", "/api/")), "proxy.target_url"),
        Arguments.of(minimal().put("proxy", new JsonObject().put("listen_path", "/api/").put("target_url", "")), "proxy.target_url"),
        Arguments.of(minimal().put("proxy", new JsonObject().put("listen_path", "/api/").put("target_url", "ftp://127.0.0.1/")), "proxy.target_url"),
        Arguments.of(minimal().put("proxy", new JsonObject().put("listen_path", "/api/").put("target_url", "127.0.0.1:8080")), "proxy.target_url"),
        Arguments.of(minimal().put("proxy", new JsonObject().put("listen_path", "/api/").put("target_url", new JsonArray())), "proxy.target_url"),
        Arguments.of(minimal().put("active", "maybe"), "active"),
        Arguments.of(minimal().put("use_keyless", 2), "use_keyless"),
        Arguments.of(minimal().put("session_lifetime", -1), "session_lifetime"),
        Arguments.of(minimal().put("auth", "Authorization"), "auth"),
        Arguments.of(minimal().put("auth_configs", new JsonObject().put("authToken", 5)), "auth_configs.authToken"),
        Arguments.of(minimal().put("auth_configs", new JsonObject().put("authToken", new JsonObject().put("use_param", "sometimes"))),
            "auth_configs.authToken.use_param"));
  }

  @ParameterizedTest(name = "{1}: {0}")
  @MethodSource("invalidDefinitions")
  void invalidDefinitionNamesTheKey(JsonObject json, String key) {
    ConfigException e = assertThrows(ConfigException.class, () -> ApiDefinition.parse(json));
    assertEquals(key, e.key(), e.getMessage());
    assertTrue(e.getMessage().startsWith(key + ": "), e.getMessage());
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"a.b", "My API (v2)", "tyk:api", "ü-ñ", "a+b", "100%", "...", ".hidden"})
  void apiIdMayHoldWhatTykAllows(String apiId) {
    assertEquals(apiId, ApiDefinition.parse(minimal().put("api_id", apiId)).apiId());
  }

  @Test
  void authHeaderFromAuthConfigs() {
    ApiDefinition def = ApiDefinition.parse(minimal().put("auth_configs", new JsonObject().put("authToken",
        new JsonObject().put("auth_header_name", "X-Api-Key").put("use_param", true).put("param_name", "key")
            .put("use_cookie", true).put("cookie_name", "session"))));
    assertEquals("X-Api-Key", def.auth().headerName());
    assertTrue(def.auth().useParam());
    assertEquals("key", def.auth().paramName());
    assertTrue(def.auth().useCookie());
    assertEquals("session", def.auth().cookieName());
  }

  @Test
  void authHeaderFromLegacyAuth() {
    ApiDefinition def = ApiDefinition.parse(minimal().put("auth", new JsonObject().put("auth_header_name", "X-Legacy")
        .put("use_param", true).put("param_name", "token")));
    assertEquals("X-Legacy", def.auth().headerName());
    assertTrue(def.auth().useParam());
    assertEquals("token", def.auth().paramName());
  }

  @Test
  void authConfigsWinsOverLegacyAuth() {
    ApiDefinition def = ApiDefinition.parse(minimal()
        .put("auth", new JsonObject().put("auth_header_name", "X-Legacy"))
        .put("auth_configs", new JsonObject().put("authToken", new JsonObject().put("auth_header_name", "X-New"))));
    assertEquals("X-New", def.auth().headerName());
  }

  @Test
  void emptyAuthConfigsFallsBackToLegacyAuth() {
    ApiDefinition def = ApiDefinition.parse(minimal()
        .put("auth", new JsonObject().put("auth_header_name", "X-Legacy"))
        .put("auth_configs", new JsonObject().put("authToken", new JsonObject())));
    assertEquals("X-Legacy", def.auth().headerName());
  }

  @Test
  void blankAuthHeaderIsAuthorization() {
    ApiDefinition def = ApiDefinition.parse(minimal()
        .put("auth_configs", new JsonObject().put("authToken", new JsonObject().put("auth_header_name", "  "))));
    assertEquals("Authorization", def.auth().headerName());
    assertEquals("Authorization", ApiDefinition.parse(minimal().put("auth", new JsonObject())).auth().headerName());
  }

  @ParameterizedTest(name = "{0} matches {1}: {2}")
  @CsvSource({
      "/api/, /api/, true",
      "/api/, /api/x, true",
      "/api/, /api, true",
      "/api/, /apix, false",
      "/api/, /ap, false",
      "/api/, /, false",
      "/api, /api, true",
      "/api, /api/x, true",
      "/api, /apix, false",
      "/api, /api/, true",
      "/, /, true",
      "/, /anything, true",
      "/a/b/, /a/b, true",
      "/a/b/, /a/bc, false",
      "/a/b/, /a, false"})
  void matchesAtSegmentBoundary(String listenPath, String path, boolean matches) {
    ApiDefinition def = ApiDefinition.parse(minimal().put("proxy",
        new JsonObject().put("listen_path", listenPath).put("target_url", "http://127.0.0.1/")));
    assertEquals(matches, def.matches(path));
  }

  @ParameterizedTest(name = "{0} strip={1}: {2} -> {3}")
  @CsvSource(emptyValue = "", value = {
      "/api/, true, /api/x/y, /x/y",
      "/api/, true, /api/, ''",
      "/api/, true, /api, ''",
      "/api, true, /api/x, /x",
      "/api, true, /api, ''",
      "/api/, false, /api/x, /api/x",
      "/api/, false, /api, /api"})
  void upstreamPath(String listenPath, boolean strip, String path, String expected) {
    ApiDefinition def = ApiDefinition.parse(minimal().put("proxy", new JsonObject().put("listen_path", listenPath)
        .put("target_url", "http://127.0.0.1/").put("strip_listen_path", strip)));
    assertEquals(expected, def.upstreamPath(path));
  }

  @Test
  void debugHeadersAreOffByDefaultAndOnlyTheApiOwnersSwitch() {
    JsonObject hooks = new JsonObject().put("driver", "python").put("pre", new JsonArray().add(new JsonObject().put("name", "A")));
    assertFalse(ApiDefinition.parse(minimal().put("custom_middleware", hooks.copy())).customMiddleware().debugHeaders());
    ApiDefinition on = ApiDefinition.parse(minimal().put("custom_middleware", hooks.copy().put("debug_headers", true)));
    assertTrue(on.customMiddleware().debugHeaders());
    assertTrue(on.withCustomMiddleware(hooks.copy()).customMiddleware().debugHeaders(), "a manifest does not turn it off");
    assertTrue(on.withCustomMiddleware(hooks.copy().put("debug_headers", false)).customMiddleware().debugHeaders(),
        "not even by saying false");
    ApiDefinition off = ApiDefinition.parse(minimal().put("custom_middleware", hooks.copy()));
    assertFalse(off.withCustomMiddleware(hooks.copy().put("debug_headers", true)).customMiddleware().debugHeaders(),
        "nor on: it would show file names and errors to every client");
    ConfigException e = assertThrows(ConfigException.class,
        () -> ApiDefinition.parse(minimal().put("custom_middleware", hooks.copy().put("debug_headers", "yes"))));
    assertEquals("custom_middleware.debug_headers", e.key());
  }

  private static JsonObject withoutKey(JsonObject json, String key) {
    json.remove(key);
    return json;
  }
}
