package dev.coproxy.chain.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.coproxy.bus.EventAddresses;
import dev.coproxy.testing.Apis;
import dev.coproxy.testing.Poll;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.TestGateway.Reply;
import dev.coproxy.testing.Upstream;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The API-wide controls through a real gateway and a real upstream, with Tyk's default client
 * address rule (the test client is 127.0.0.1): IP allow- and block-lists by X-Real-IP,
 * X-Forwarded-For and the peer, ip_access_control_disabled, the API-wide rate limit, and
 * strip_auth_data. A refused request never reaches the upstream.
 */
class ApiAccessIT {

  private static TestGateway gw;
  private static Upstream upstream;
  private static final List<JsonObject> EVENTS = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    gw = TestGateway.start(new JsonObject().put("allow_master_keys", true), Map.of());
    upstream = Upstream.start(gw.vertx);
    gw.vertx.eventBus().<JsonObject>consumer(EventAddresses.EVENTS, m -> EVENTS.add(m.body().getJsonObject("message")))
        .completion().await(5, TimeUnit.SECONDS);
    gw.writeApi("allow.json", Apis.keyless("allow", "/allow/", upstream.url("/"))
        .put("enable_ip_whitelisting", true).put("allowed_ips", new JsonArray().add("127.0.0.1").add("10.10.0.0/16").add("2001:db8::/32")));
    gw.writeApi("block.json", Apis.keyless("block", "/block/", upstream.url("/"))
        .put("enable_ip_blacklisting", true).put("blacklisted_ips", new JsonArray().add("192.0.2.0/24").add("::1")));
    gw.writeApi("blockpeer.json", Apis.keyless("blockpeer", "/blockpeer/", upstream.url("/"))
        .put("blacklisted_ips", new JsonArray().add("127.0.0.0/8")));
    gw.writeApi("off.json", Apis.keyless("off", "/off/", upstream.url("/"))
        .put("ip_access_control_disabled", true).put("allowed_ips", new JsonArray().add("10.0.0.1")));
    gw.writeApi("limited.json", Apis.keyless("limited", "/limited/", upstream.url("/"))
        .put("global_rate_limit", new JsonObject().put("rate", 3).put("per", 600)));
    gw.writeApi("unlimited.json", Apis.keyless("unlimited", "/unlimited/", upstream.url("/")));
    gw.writeApi("strip.json", Apis.protectedApi("strip", "/strip/", upstream.url("/")).put("strip_auth_data", true)
        .put("auth_configs", new JsonObject().put("authToken", new JsonObject().put("auth_header_name", "X-Api-Key")
            .put("use_param", true).put("param_name", "api_key").put("use_cookie", true).put("cookie_name", "session"))));
    gw.writeApi("nostrip.json", Apis.protectedApi("nostrip", "/nostrip/", upstream.url("/"))
        .put("auth_configs", new JsonObject().put("authToken", new JsonObject().put("auth_header_name", "X-Api-Key"))));
    assertEquals(8, gw.reload().getInteger("loaded"));
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

  @Test
  void allowListLetsListedClientsThroughByEachSource() throws Exception {
    assertEquals(200, get("/allow/x", Map.of()).status(), "the peer, 127.0.0.1, is listed");
    assertEquals(200, get("/allow/x", Map.of("X-Real-IP", "10.10.3.4")).status());
    assertEquals(200, get("/allow/x", Map.of("X-Forwarded-For", "10.10.0.9, 203.0.113.1")).status());
    assertEquals(200, get("/allow/x", Map.of("X-Real-IP", "2001:db8::5")).status());
  }

  @Test
  void allowListRefusesOthersWithTyksAnswer() throws Exception {
    assertRefused(403, "access from this IP has been disallowed", "/allow/x", Map.of("X-Real-IP", "10.11.0.1"));
    assertRefused(403, "access from this IP has been disallowed", "/allow/x", Map.of("X-Forwarded-For", "203.0.113.1, 127.0.0.1"));
    assertRefused(403, "access from this IP has been disallowed", "/allow/x", Map.of("X-Real-IP", "2001:db9::5"));
  }

  @Test
  void aRefusedClientFiresAuthFailureNamingItsAddress() throws Exception {
    assertRefused(403, "access from this IP has been disallowed", "/allow/x", Map.of("X-Real-IP", "10.12.0.7"));
    Poll.until(Duration.ofSeconds(10), () -> EVENTS.stream().anyMatch(e -> e.getString("Type").equals("AuthFailure")
        && "10.12.0.7".equals(e.getJsonObject("Meta").getString("Key")) && "10.12.0.7".equals(e.getJsonObject("Meta").getString("Origin"))),
        () -> "AuthFailure for 10.12.0.7 in " + EVENTS);
  }

  @Test
  void blockListRefusesListedClientsByEachSource() throws Exception {
    assertEquals(200, get("/block/x", Map.of()).status());
    assertRefused(403, "access from this IP has been disallowed", "/block/x", Map.of("X-Real-IP", "192.0.2.77"));
    assertRefused(403, "access from this IP has been disallowed", "/block/x", Map.of("X-Forwarded-For", "192.0.2.1"));
    assertRefused(403, "access from this IP has been disallowed", "/block/x", Map.of("X-Real-IP", "::1"));
    assertEquals(200, get("/block/x", Map.of("X-Real-IP", "bob", "X-Forwarded-For", "198.51.100.1")).status(),
        "an X-Real-IP that is no address is passed over");
    assertRefused(403, "access from this IP has been disallowed", "/blockpeer/x", Map.of());
  }

  @Test
  void ipAccessControlDisabledSwitchesAListOff() throws Exception {
    assertEquals(200, get("/off/x", Map.of()).status());
  }

  @Test
  void globalRateLimitRefusesPastTheRateAndLeavesOtherApisAlone() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertEquals(200, get("/limited/x", Map.of("X-Real-IP", "10.0.0." + i)).status(), "call " + (i + 1));
    }
    assertRefused(429, "API Rate Limit Exceeded", "/limited/x", Map.of());
    assertRefused(429, "API Rate Limit Exceeded", "/limited/x", Map.of("X-Real-IP", "10.9.9.9"));
    for (int i = 0; i < 5; i++) {
      assertEquals(200, get("/unlimited/x", Map.of()).status());
    }
    Poll.until(Duration.ofSeconds(10), () -> EVENTS.stream().anyMatch(e -> e.getString("Type").equals("RatelimitExceeded")
        && "apilimiter-test-orglimited".equals(e.getJsonObject("Meta").getString("Key"))), () -> "RatelimitExceeded in " + EVENTS);
  }

  @Test
  void stripAuthDataKeepsTheKeyFromTheUpstream() throws Exception {
    String key = "strip-key-" + System.nanoTime();
    assertEquals(200, gw.admin(HttpMethod.POST, "/tyk/keys/" + key, new JsonObject().put("org_id", "test-org").encode()).status());

    JsonObject byHeader = get("/strip/a?x=1&y=2", Map.of("X-Api-Key", key, "X-Other", "kept", "Cookie", "a=1; session=" + key + "; b=2")).json();
    JsonObject headers = byHeader.getJsonObject("headers");
    assertNull(headers.getValue("x-api-key"));
    assertEquals("kept", headers.getString("x-other"));
    assertEquals("a=1; b=2", headers.getString("cookie"));
    assertEquals("/a?x=1&y=2", byHeader.getString("uri"));

    JsonObject byParam = get("/strip/a?x=1&api_key=" + key + "&y=2", Map.of()).json();
    assertEquals("/a?x=1&y=2", byParam.getString("uri"));
    assertFalse(byParam.encode().contains(key));

    JsonObject byCookie = get("/strip/a", Map.of("Cookie", "session=" + key)).json();
    assertNull(byCookie.getJsonObject("headers").getValue("cookie"));
    assertFalse(byCookie.encode().contains(key));

    String body = "b".repeat(100_000);
    Reply posted = gw.call(HttpMethod.POST, "/strip/up", Map.of("X-Api-Key", key), body);
    assertEquals(200, posted.status(), posted.text());
    assertEquals(body, posted.json().getString("body"), "the body streams on intact");
  }

  @Test
  void withoutStripAuthDataTheUpstreamSeesTheKey() throws Exception {
    String key = "nostrip-key-" + System.nanoTime();
    assertEquals(200, gw.admin(HttpMethod.POST, "/tyk/keys/" + key, new JsonObject().put("org_id", "test-org").encode()).status());
    assertEquals(key, get("/nostrip/a", Map.of("X-Api-Key", key)).json().getJsonObject("headers").getString("x-api-key"));
  }

  private static Reply get(String uri, Map<String, String> headers) throws Exception {
    return gw.call(HttpMethod.GET, uri, headers, null);
  }

  private static void assertRefused(int status, String error, String uri, Map<String, String> headers) throws Exception {
    int before = upstream.received.size();
    Reply reply = get(uri, headers);
    assertEquals(status, reply.status(), reply.text());
    assertEquals(error, reply.json().getString("error"));
    assertEquals(before, upstream.received.size(), "a refused request never reaches the upstream");
  }
}
