package dev.coproxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.config.ClientAddressOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** The gateway keys of the API-wide controls: trusted_proxies, xff_depth, enable_custom_domains. */
class AccessConfigTest {

  @Test
  void defaultsAreTyks() {
    GatewayConfig config = GatewayConfig.from(new JsonObject(), false);
    assertEquals(ClientAddressOptions.TYK, config.clientAddress());
    assertFalse(config.enableCustomDomains());
  }

  @Test
  void keysAreRead() {
    GatewayConfig config = GatewayConfig.from(new JsonObject().put("enable_custom_domains", true)
        .put("trusted_proxies", new JsonArray().add("10.0.0.0/8").add("::1")), false);
    assertTrue(config.enableCustomDomains());
    assertTrue(config.clientAddress().trustedProxies().contains(IpAddress.parse("10.1.1.1")));
    assertEquals(2, GatewayConfig.from(new JsonObject().put("http_server_options", new JsonObject().put("xff_depth", 2)), false)
        .clientAddress().xffDepth());
  }

  @Test
  void settingsThatCannotWorkStopTheStartNamingTheKey() {
    assertEquals("trusted_proxies[1]", keyOf(new JsonObject().put("trusted_proxies", new JsonArray().add("10.0.0.1").add("proxy.local"))));
    assertEquals("http_server_options.xff_depth", keyOf(new JsonObject().put("http_server_options", new JsonObject().put("xff_depth", -1))));
    assertEquals("http_server_options.xff_depth", keyOf(new JsonObject().put("trusted_proxies", new JsonArray().add("10.0.0.1"))
        .put("http_server_options", new JsonObject().put("xff_depth", 1))));
  }

  private static String keyOf(JsonObject json) {
    return assertThrows(ConfigException.class, () -> GatewayConfig.from(json, false)).key();
  }
}
