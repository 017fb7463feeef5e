package dev.coproxy.coprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.api.ApiDefinition;
import dev.coproxy.config.ConfigException;
import dev.coproxy.proto.HookType;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CoprocessSpecTest {

  private static final String MD5_EMPTY = "d41d8cd98f00b204e9800998ecf8427e";

  private static JsonObject api(boolean keyless, JsonObject customMiddleware) {
    return new JsonObject().put("api_id", "a1").put("org_id", "o1").put("use_keyless", keyless)
        .put("proxy", new JsonObject().put("listen_path", "/a1/").put("target_url", "http://127.0.0.1:9"))
        .put("custom_middleware", customMiddleware);
  }

  private static CoprocessSpec parse(JsonObject json) {
    return CoprocessSpec.of(ApiDefinition.parse(json), 5000);
  }

  private static JsonObject hook(String name) {
    return new JsonObject().put("name", name);
  }

  @Test
  void hooksPerStageInDeclarationOrderWithoutDisabledOnes() {
    JsonObject cm = new JsonObject().put("driver", "grpc")
        .put("pre", new JsonArray().add(hook("p1")).add(hook("p2").put("disabled", true)).add(hook("p3").put("raw_body_only", true)))
        .put("post_key_auth", new JsonArray().add(hook("k1").put("require_session", true).put("path", "x.py")))
        .put("post", new JsonArray().add(hook("o1").put("timeout_ms", 250)))
        .put("response", new JsonArray().add(hook("r1")).add(hook("r2")));
    CoprocessSpec spec = parse(api(false, cm));
    assertEquals("grpc", spec.driver());
    assertEquals(List.of(new HookSpec(HookType.Pre, "pre", "p1", false, 5000, "grpc"), new HookSpec(HookType.Pre, "pre", "p3", true, 5000, "grpc")),
        spec.pre());
    assertEquals(List.of(new HookSpec(HookType.PostKeyAuth, "post_key_auth", "k1", false, 5000, "grpc")), spec.postKeyAuth());
    assertEquals(List.of(new HookSpec(HookType.Post, "post", "o1", false, 250, "grpc")), spec.post());
    assertEquals(List.of("r1", "r2"), spec.response().stream().map(HookSpec::name).toList());
    assertEquals(HookType.Response, spec.response().get(0).type());
    assertNull(spec.authCheck(), "auth_check needs custom auth");
    assertTrue(spec.hasHooks());
  }

  @Test
  void authCheckNeedsCustomAuthOnAProtectedApi() {
    JsonObject cm = new JsonObject().put("driver", "python").put("auth_check", hook("MyAuth"));
    assertNull(parse(api(false, cm)).authCheck());
    for (String flag : List.of("custom_plugin_auth_enabled", "enable_coprocess_auth")) {
      HookSpec auth = parse(api(false, cm).put(flag, true)).authCheck();
      assertEquals(new HookSpec(HookType.CustomKeyCheck, "auth_check", "MyAuth", false, 5000, "python"), auth, flag);
    }
    assertNull(parse(api(true, cm).put("custom_plugin_auth_enabled", true)).authCheck(), "not on keyless APIs");
    JsonObject disabled = new JsonObject().put("driver", "python").put("auth_check", hook("MyAuth").put("disabled", true));
    assertNull(parse(api(false, disabled).put("custom_plugin_auth_enabled", true)).authCheck());
  }

  @Test
  void tokenAuthAfterPluginAuthIsRefusedAsNotImplemented() {
    JsonObject cm = new JsonObject().put("driver", "python").put("auth_check", hook("MyAuth"));
    ConfigException e = assertThrows(ConfigException.class,
        () -> parse(api(false, cm).put("custom_plugin_auth_enabled", true).put("use_standard_auth", true)));
    assertEquals("use_standard_auth", e.key());
    assertNotNull(parse(api(false, cm).put("custom_plugin_auth_enabled", true).put("use_standard_auth", false)).authCheck());
  }

  @Test
  void authCheckWithoutANameIsStillRegistered() {
    CoprocessSpec spec = parse(api(false, new JsonObject().put("driver", "grpc")).put("custom_plugin_auth_enabled", true));
    assertEquals("", spec.authCheck().name());
    assertTrue(spec.hasHooks());
  }

  @Test
  void postKeyAuthIsLeftOutOnKeylessApis() {
    JsonObject cm = new JsonObject().put("driver", "lua").put("post_key_auth", new JsonArray().add(hook("k")))
        .put("post", new JsonArray().add(hook("p")));
    CoprocessSpec spec = parse(api(true, cm));
    assertEquals(List.of(), spec.postKeyAuth());
    assertEquals(1, spec.post().size());
  }

  @Test
  void specMapCarriesIdsBundleHashAndConfigData() {
    JsonObject cm = new JsonObject().put("driver", "grpc").put("pre", new JsonArray().add(hook("p")));
    assertEquals(Map.of("APIID", "a1", "OrgID", "o1", "bundle_hash", MD5_EMPTY), parse(api(false, cm)).spec());
    JsonObject withData = api(false, cm).put("custom_middleware_bundle", "bundle.zip")
        .put("config_data", new JsonObject().put("k", new JsonArray().add(1)));
    Map<String, String> spec = parse(withData).spec();
    assertEquals(md5("bundle.zip"), spec.get("bundle_hash"));
    assertEquals(new JsonObject().put("k", new JsonArray().add(1)), new JsonObject(spec.get("config_data")));
    assertFalse(parse(withData.copy().put("config_data_disabled", true)).spec().containsKey("config_data"));
    assertFalse(parse(api(false, cm).put("config_data", new JsonObject())).spec().containsKey("config_data"));
  }

  @Test
  void noHooksNeedNoDriver() {
    CoprocessSpec spec = parse(api(false, new JsonObject().put("pre", new JsonArray().add(hook("p").put("disabled", true)))));
    assertFalse(spec.hasHooks());
    assertFalse(parse(api(true, new JsonObject())).hasHooks());
  }

  @Test
  void hooksWithoutADriverAreRefused() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> parse(api(true, new JsonObject().put("pre", new JsonArray().add(hook("p"))))));
    assertEquals("custom_middleware.driver", e.key());
  }

  @ParameterizedTest
  @ValueSource(strings = {"otto", "javascript", "goplugin", "Py thon", "GRPC", "a/b"})
  void driversThatAreNotCoprocessDriversAreRefused(String driver) {
    ConfigException e = assertThrows(ConfigException.class,
        () -> parse(api(true, new JsonObject().put("driver", driver).put("post", new JsonArray().add(hook("p"))))));
    assertEquals("custom_middleware.driver", e.key());
  }

  @Test
  void hookEntriesMustBeObjects() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> parse(api(true, new JsonObject().put("driver", "grpc").put("response", new JsonArray().add(hook("a")).add("b")))));
    assertEquals("custom_middleware.response[1]", e.key());
    ConfigException notList = assertThrows(ConfigException.class,
        () -> parse(api(true, new JsonObject().put("driver", "grpc").put("pre", "p"))));
    assertEquals("custom_middleware.pre", notList.key());
  }

  @ParameterizedTest
  @ValueSource(longs = {0, -1, 3_600_001})
  void timeoutsOutOfRangeAreRefused(long timeout) {
    ConfigException e = assertThrows(ConfigException.class, () -> parse(api(true, new JsonObject().put("driver", "grpc")
        .put("pre", new JsonArray().add(hook("p").put("timeout_ms", timeout))))));
    assertEquals("custom_middleware.pre[0].timeout_ms", e.key());
  }

  @Test
  void wrongTypesNameTheirKey() {
    ConfigException name = assertThrows(ConfigException.class, () -> parse(api(true, new JsonObject().put("driver", "grpc")
        .put("post", new JsonArray().add(new JsonObject().put("name", new JsonArray()))))));
    assertEquals("custom_middleware.post[0].name", name.key());
    ConfigException disabled = assertThrows(ConfigException.class, () -> parse(api(false, new JsonObject().put("driver", "grpc")
        .put("auth_check", hook("a").put("disabled", "yes"))).put("custom_plugin_auth_enabled", true)));
    assertEquals("custom_middleware.auth_check.disabled", disabled.key());
  }

  private static String md5(String text) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5")
          .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
