package dev.coproxy.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.api.EventHandlers.DynamicHandler;
import dev.coproxy.api.EventHandlers.LogHandler;
import dev.coproxy.api.EventHandlers.Webhook;
import dev.coproxy.config.ConfigException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The sections a definition is parsed into when it loads, and the keys its errors name. */
class ApiSectionsTest {

  private static JsonObject api() {
    return new JsonObject().put("api_id", "s1").put("org_id", "o1")
        .put("proxy", new JsonObject().put("listen_path", "/s1/").put("target_url", "http://127.0.0.1:9"));
  }

  private static JsonObject cm(String driver) {
    return new JsonObject().put("driver", driver);
  }

  private static String keyOf(JsonObject json) {
    return assertThrows(ConfigException.class, () -> ApiDefinition.parse(json)).key();
  }

  @Test
  void hooksAreParsedPerStageWithDisabledOnesLeftOut() {
    JsonObject json = api().put("custom_middleware", cm("python")
        .put("pre", new JsonArray().add(new JsonObject().put("name", "a").put("path", "m.py").put("require_session", true))
            .add(new JsonObject().put("name", "off").put("disabled", true))
            .add(new JsonObject().put("name", "b").put("raw_body_only", true).put("timeout_ms", 250))));
    CustomMiddleware cm = ApiDefinition.parse(json).customMiddleware();
    assertEquals(List.of(new Hook("a", "m.py", true, false, OptionalLong.empty()), new Hook("b", "", false, true, OptionalLong.of(250))),
        cm.pre());
    assertTrue(cm.uses("python"));
    assertEquals("custom_middleware.pre[2].name", keyOf(api().put("custom_middleware", cm("python")
        .put("pre", new JsonArray().add(new JsonObject()).add(new JsonObject()).add(new JsonObject().put("name", new JsonObject()))))));
  }

  @ParameterizedTest
  @ValueSource(strings = {"Python", "GRPC", "py thon", "lua/x"})
  void driverNamesAreComparedExactlyAndRefusedWhenNotLowerCaseEvenWithoutHooks(String driver) {
    assertEquals("custom_middleware.driver", keyOf(api().put("custom_middleware", cm(driver))));
  }

  @Test
  void aJavaScriptDriverWithoutHooksIsLeftToTheKeyTable() {
    assertEquals("otto", ApiDefinition.parse(api().put("custom_middleware", cm("otto"))).customMiddleware().driver());
    assertEquals("custom_middleware.driver", keyOf(api().put("custom_middleware", cm("otto")
        .put("post", new JsonArray().add(new JsonObject().put("name", "p"))))));
  }

  @Test
  void authCheckAndIdExtractorOnlyWhenThePluginIsTheAuth() {
    JsonObject block = cm("grpc").put("auth_check", new JsonObject().put("name", "Auth"))
        .put("id_extractor", new JsonObject().put("extract_from", "header").put("extract_with", "regex")
            .put("extractor_config", new JsonObject().put("header_name", "X-Id").put("regex_expression", "[0-9]+").put("regex_match_index", 1)));
    CustomMiddleware off = ApiDefinition.parse(api().put("custom_middleware", block)).customMiddleware();
    assertNull(off.authCheck());
    assertNull(off.idExtractor());
    CustomMiddleware on = ApiDefinition.parse(api().put("custom_middleware", block).put("custom_plugin_auth_enabled", true)).customMiddleware();
    assertEquals("Auth", on.authCheck().name());
    IdExtractorSpec spec = on.idExtractor();
    assertEquals(IdExtractorSpec.From.HEADER, spec.from());
    assertEquals(IdExtractorSpec.With.REGEX, spec.with());
    assertEquals("X-Id", spec.name());
    assertEquals("[0-9]+", spec.regex().pattern());
    assertEquals(1, spec.matchIndex());
    assertEquals("custom_middleware.id_extractor.extractor_config.xpath_expression", keyOf(api().put("custom_plugin_auth_enabled", true)
        .put("custom_middleware", cm("grpc").put("id_extractor", new JsonObject().put("extract_from", "body").put("extract_with", "xpath")
            .put("extractor_config", new JsonObject().put("xpath_expression", "//a["))))));
    assertNull(ApiDefinition.parse(api().put("use_keyless", true).put("custom_plugin_auth_enabled", true).put("custom_middleware", block))
        .customMiddleware().authCheck(), "a keyless API has no auth to replace");
  }

  @Test
  void pluginSettings() {
    PluginSettings plugins = ApiDefinition.parse(api().put("enable_coprocess_auth", true).put("custom_middleware_bundle", " a.zip, b.zip ")
        .put("config_data", new JsonObject().put("k", 1))).plugins();
    assertTrue(plugins.pluginAuth());
    assertEquals(" a.zip, b.zip ", plugins.bundle());
    assertEquals(List.of("a.zip", "b.zip"), plugins.bundleNames());
    assertTrue(plugins.usesBundles());
    assertEquals("{\"k\":1}", plugins.configData());
    assertEquals("", ApiDefinition.parse(api().put("config_data", new JsonObject().put("k", 1)).put("config_data_disabled", true))
        .plugins().configData());
    assertEquals("use_standard_auth", keyOf(api().put("custom_plugin_auth_enabled", true).put("use_standard_auth", true)));
    assertEquals("custom_middleware_bundle_disabled", keyOf(api().put("custom_middleware_bundle_disabled", "no")));
  }

  @Test
  void anApiWhoseBundlesBringTheHooksNeedsNoDriverOfItsOwn() {
    // Tyk's tutorial: auth by plugin, hooks and driver only in the bundle's manifest.
    ApiDefinition def = ApiDefinition.parse(api().put("enable_coprocess_auth", true).put("custom_middleware_bundle", "bundle.zip"));
    assertEquals("custom_middleware.driver", assertThrows(ConfigException.class,
        () -> def.withCustomMiddleware(new JsonObject().put("auth_check", new JsonObject().put("name", "A")))).key());
    ApiDefinition resolved = def.withCustomMiddleware(cm("python").put("auth_check", new JsonObject().put("name", "A")));
    assertEquals("A", resolved.customMiddleware().authCheck().name());
    assertEquals("python", resolved.raw().getJsonObject("custom_middleware").getString("driver"), "what the Gateway API shows");
    assertNull(def.raw().getJsonObject("custom_middleware"), "the definition as read is left alone");
  }

  private static JsonObject handler(String kind, JsonObject meta) {
    return new JsonObject().put("handler_name", kind).put("handler_meta", meta);
  }

  private static JsonObject events(String event, JsonObject... handlers) {
    JsonArray list = new JsonArray();
    for (JsonObject h : handlers) {
      list.add(h);
    }
    return new JsonObject().put("events", new JsonObject().put(event, list));
  }

  @Test
  void eventHandlersAreTyped() {
    EventHandlers handlers = ApiDefinition.parse(api().put("event_handlers", events("KeyExpired",
        handler("eh_log_handler", new JsonObject().put("prefix", "P")),
        handler("eh_web_hook_handler", new JsonObject().put("target_path", "http://127.0.0.1:1/h").put("method", "put")
            .put("header_map", new JsonObject().put("X-A", "b")).put("event_timeout", 30).put("name", "hook")),
        handler("eh_web_hook_handler", new JsonObject().put("target_path", "http://127.0.0.1:1/off").put("disabled", true)),
        handler("eh_dynamic_handler", new JsonObject().put("name", "js")),
        handler("cp_dynamic_handler", new JsonObject().put("name", "onExpiry"))))).eventHandlers();
    assertEquals(List.of(new LogHandler("eh_log_handler", "P"),
        new Webhook("hook", "http://127.0.0.1:1/h", "PUT", Map.of("X-A", "b"), 30),
        new DynamicHandler("onExpiry", "")), handlers.of("KeyExpired"));
    assertEquals(List.of(), handlers.of("QuotaExceeded"));
  }

  @Test
  void aHandlerThatCannotWorkFailsTheLoadNamingItsKey() {
    assertEquals("event_handlers.events.KeyExpired[1].handler_meta.target_path", keyOf(api().put("event_handlers", events("KeyExpired",
        handler("eh_log_handler", new JsonObject()), handler("eh_web_hook_handler", new JsonObject().put("target_path", "not-a-url"))))));
    assertEquals("event_handlers.events.KeyExpired[0].handler_meta.method", keyOf(api().put("event_handlers", events("KeyExpired",
        handler("eh_web_hook_handler", new JsonObject().put("target_path", "http://h/").put("method", "TRACE"))))));
    assertEquals("event_handlers.events.KeyExpired[0].handler_meta.header_map.X", keyOf(api().put("event_handlers", events("KeyExpired",
        handler("eh_web_hook_handler", new JsonObject().put("target_path", "http://h/").put("header_map", new JsonObject().put("X", new JsonArray())))))));
    assertEquals("event_handlers.events.KeyExpired[0]", keyOf(api().put("event_handlers",
        new JsonObject().put("events", new JsonObject().put("KeyExpired", new JsonArray().add("eh_log_handler"))))));
  }

  @Test
  void theGatewaysGlobalHandlersLeaveBadOnesOutAndKeepTheOthers() {
    List<String> skipped = new ArrayList<>();
    EventHandlers global = EventHandlers.parse(events("AuthFailure",
        handler("eh_web_hook_handler", new JsonObject().put("target_path", "not-a-url")),
        new JsonObject().put("handler_name", "eh_no_such_handler"),
        handler("eh_log_handler", new JsonObject())), e -> skipped.add(e.key()));
    assertEquals(List.of(new LogHandler("eh_log_handler", "")), global.of("AuthFailure"));
    assertEquals(List.of("event_handlers.events.AuthFailure[0].handler_meta.target_path", "event_handlers.events.AuthFailure[1].handler_name"),
        skipped);
  }
}
