package dev.coproxy.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.config.ConfigException;
import dev.coproxy.config.IpAddress;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.HostAndPort;
import org.junit.jupiter.api.Test;

/**
 * The API-wide controls as a definition loads: Tyk's gate for the IP lists (its
 * {@code EnabledForSpec} tests), the rate limit's switches, domains, and the keys errors name.
 */
class ApiAccessTest {

  private static JsonObject api() {
    return new JsonObject().put("api_id", "a1").put("org_id", "o1")
        .put("proxy", new JsonObject().put("listen_path", "/a1/").put("target_url", "http://127.0.0.1:9"));
  }

  private static ApiAccess access(JsonObject json) {
    return ApiDefinition.parse(json).access();
  }

  private static String keyOf(JsonObject json) {
    return assertThrows(ConfigException.class, () -> ApiDefinition.parse(json)).key();
  }

  private static JsonArray ips(String... entries) {
    return new JsonArray(java.util.List.of((Object[]) entries));
  }

  @Test
  void ipListsAreGatedAsTykGatesThem() {
    // (enable switch, ip_access_control_disabled, list) -> in force, for both lists.
    for (String[] keys : new String[][] {{"enable_ip_whitelisting", "allowed_ips"}, {"enable_ip_blacklisting", "blacklisted_ips"}}) {
      assertTrue(inForce(keys, true, false, ips("192.168.1.1")), "switch on, list not empty");
      assertFalse(inForce(keys, false, true, ips("192.168.1.1")), "switch off and IP access control disabled");
      assertFalse(inForce(keys, true, false, ips()), "switch on, list empty");
      assertFalse(inForce(keys, false, false, ips()), "switch off, list empty");
      assertTrue(inForce(keys, true, true, ips("192.168.1.1")), "switch on wins over IP access control disabled");
      assertTrue(inForce(keys, false, false, ips("192.168.1.1")), "Tyk: a list is in force without its switch");
    }
  }

  private static boolean inForce(String[] keys, boolean enabled, boolean controlDisabled, JsonArray list) {
    ApiAccess access = access(api().put(keys[0], enabled).put("ip_access_control_disabled", controlDisabled).put(keys[1], list));
    return !(keys[1].equals("allowed_ips") ? access.allowedIps() : access.blockedIps()).isEmpty();
  }

  @Test
  void noControlsByDefault() {
    ApiAccess access = access(api());
    assertTrue(access.allowedIps().isEmpty());
    assertTrue(access.blockedIps().isEmpty());
    assertNull(access.globalRateLimit());
    assertFalse(access.stripAuthData());
    assertNull(access.domain());
  }

  @Test
  void listsHoldAddressesAndRanges() {
    ApiAccess access = access(api().put("allowed_ips", ips("10.0.0.0/8", "::1")).put("blacklisted_ips", ips("10.1.0.0/16")));
    assertTrue(access.allowedIps().contains(IpAddress.parse("10.2.3.4")));
    assertTrue(access.allowedIps().contains(IpAddress.parse("::1")));
    assertTrue(access.blockedIps().contains(IpAddress.parse("10.1.3.4")));
  }

  @Test
  void aBadEntryIsRefusedNamingItsKey() {
    assertEquals("allowed_ips[1]", keyOf(api().put("allowed_ips", ips("127.0.0.1", "bob"))));
    assertEquals("blacklisted_ips[0]", keyOf(api().put("blacklisted_ips", ips("10.0.0.0/40"))));
    assertEquals("allowed_ips", keyOf(api().put("allowed_ips", "10.0.0.1")));
    // A list that is not in force is not read for entries, as Tyk ignores it.
    assertTrue(access(api().put("ip_access_control_disabled", true).put("allowed_ips", ips("bob"))).allowedIps().isEmpty());
  }

  @Test
  void globalRateLimitIsInForceWithARateUnlessSwitchedOff() {
    JsonObject limit = new JsonObject().put("rate", 3).put("per", 1.5);
    assertEquals(new ApiAccess.RateLimit(3, 1.5), access(api().put("global_rate_limit", limit.copy())).globalRateLimit());
    assertEquals(1500, access(api().put("global_rate_limit", limit.copy())).globalRateLimit().windowMillis());
    assertNull(access(api().put("global_rate_limit", limit.copy().put("disabled", true))).globalRateLimit());
    assertNull(access(api().put("global_rate_limit", limit.copy().put("rate", 0))).globalRateLimit());
    assertNull(access(api().put("global_rate_limit", limit.copy()).put("disable_rate_limit", true)).globalRateLimit(),
        "Tyk's RateLimitForAPI is off with disable_rate_limit");
    assertEquals("global_rate_limit.per", keyOf(api().put("global_rate_limit", new JsonObject().put("rate", 3))));
    assertEquals("global_rate_limit.rate", keyOf(api().put("global_rate_limit", new JsonObject().put("rate", -1).put("per", 1))));
  }

  @Test
  void domainsArePlainNamesOrTemplates() {
    DomainPattern plain = access(api().put("domain", "API.example.com")).domain();
    assertTrue(plain.matches(HostAndPort.create("api.example.com", 8080)), "the port is ignored, case too");
    assertTrue(plain.matches(HostAndPort.create("api.example.com", -1)));
    assertFalse(plain.matches(HostAndPort.create("other.example.com", 80)));
    assertFalse(plain.matches(null));

    DomainPattern withPort = access(api().put("domain", "example.com:8080")).domain();
    assertTrue(withPort.matches(HostAndPort.create("example.com", 8080)));
    assertFalse(withPort.matches(HostAndPort.create("example.com", 9090)));

    DomainPattern label = access(api().put("domain", "{tenant}.example.com")).domain();
    assertTrue(label.matches(HostAndPort.create("acme.example.com", 80)));
    assertFalse(label.matches(HostAndPort.create("a.b.example.com", 80)), "{name} is one label");
    assertFalse(label.matches(HostAndPort.create("acmeXexample.com", 80)), "the dot is literal");

    DomainPattern any = access(api().put("domain", "{subdomain:.*}.example.com")).domain();
    assertTrue(any.matches(HostAndPort.create("a.b.example.com", 80)));
    assertFalse(any.matches(HostAndPort.create("example.org", 80)));

    DomainPattern alternatives = access(api().put("domain", "{sub:(a)|(b)}.example.com")).domain();
    assertTrue(alternatives.matches(HostAndPort.create("b.example.com", 80)));
    assertFalse(alternatives.matches(HostAndPort.create("a", 80)), "a template's alternatives stay inside the host");
  }

  @Test
  void aDomainThatCannotWorkIsRefused() {
    assertEquals("domain", keyOf(api().put("domain", "{tenant.example.com")));
    assertEquals("domain", keyOf(api().put("domain", "{:x}.example.com")));
    assertEquals("domain", keyOf(api().put("domain", "{x:[}.example.com")));
    assertEquals("domain", keyOf(api().put("domain", "http://example.com/")));
    assertEquals("domain", keyOf(api().put("domain", "example.com:99999")));
    assertNull(access(api().put("domain", "{broken").put("domain_disabled", true)).domain(), "domain_disabled: not read");
    assertNull(access(api().put("domain", "  ")).domain());
  }

  @Test
  void stripAuthDataIsASwitch() {
    assertTrue(access(api().put("strip_auth_data", true)).stripAuthData());
  }
}
