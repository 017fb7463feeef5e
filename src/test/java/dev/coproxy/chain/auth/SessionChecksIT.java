package dev.coproxy.chain.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.Poll;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.TestGateway.Reply;
import dev.coproxy.testing.Upstream;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Token auth and the session checks through a real gateway, in Tyk's order (auth, expiry, access
 * rights, rate limit, quota) with Tyk's statuses and {@code {"error": ...}} bodies. Keys are made
 * with the Gateway API; a refused request must never reach the upstream.
 */
class SessionChecksIT {

  private static final AtomicInteger KEYS = new AtomicInteger();
  private static TestGateway gw;
  private static Upstream upstream;

  @BeforeAll
  static void start() throws Exception {
    // Sessions without access_rights exercise the other checks: master keys are allowed here.
    gw = TestGateway.start(new JsonObject().put("allow_master_keys", true), Map.of());
    upstream = Upstream.start(gw.vertx);
    gw.writeApi("protected.json", Apis.protectedApi("protected", "/p/", upstream.url("/")));
    gw.writeApi("other.json", Apis.protectedApi("other", "/o/", upstream.url("/")));
    gw.writeApi("header.json", Apis.protectedApi("header", "/h/", upstream.url("/"))
        .put("auth_configs", new JsonObject().put("authToken", new JsonObject().put("auth_header_name", "X-Api-Key"))));
    gw.writeApi("open.json", Apis.keyless("open", "/k/", upstream.url("/")));
    gw.writeApi("param.json", Apis.protectedApi("param", "/q/", upstream.url("/"))
        .put("auth_configs", new JsonObject().put("authToken", new JsonObject()
            .put("use_param", true).put("param_name", "api_key").put("use_cookie", true).put("cookie_name", "session"))));
    assertEquals(5, gw.reload().getInteger("loaded"));
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
  void missingKeyIs401() throws Exception {
    assertRefused(401, "Authorization field missing", "/p/x", Map.of());
    assertRefused(401, "Authorization field missing", "/p/x", Map.of("Authorization", ""));
  }

  @Test
  void unknownKeyIs403() throws Exception {
    assertRefused(403, "Access to this API has been disallowed", "/p/x", Map.of("Authorization", "no-such-key"));
  }

  @Test
  void validKeyReachesUpstreamWithTheRequest() throws Exception {
    String key = key(new JsonObject());
    Reply reply = get("/p/some/path?a=1", Map.of("Authorization", key));
    assertEquals(200, reply.status(), reply.text());
    assertEquals("/some/path?a=1", reply.json().getString("uri"));
  }

  @Test
  void requestBodyPassesTheChainIntact() throws Exception {
    String key = key(new JsonObject());
    String body = "x".repeat(300_000);
    Reply reply = gw.call(HttpMethod.POST, "/p/upload", Map.of("Authorization", key), body);
    assertEquals(200, reply.status(), reply.text());
    assertEquals(body, reply.json().getString("body"));
  }

  @Test
  void refusedRequestWithABodyLeavesTheGatewayServing() throws Exception {
    String key = key(new JsonObject());
    for (int i = 0; i < 5; i++) {
      Reply refused = gw.call(HttpMethod.POST, "/p/upload", Map.of("Authorization", "wrong"), "y".repeat(200_000));
      assertEquals(403, refused.status());
      assertEquals(200, get("/p/x", Map.of("Authorization", key)).status());
    }
  }

  @Test
  void keyMayComeFromAQueryParameterOrACookieWhenConfigured() throws Exception {
    String key = key(new JsonObject());
    assertEquals(200, get("/q/x?api_key=" + key, Map.of()).status());
    assertEquals(200, get("/q/x", Map.of("Cookie", "session=" + key)).status());
    assertEquals(200, get("/q/x", Map.of("Authorization", key)).status(), "the header still works");
    assertRefused(403, "Access to this API has been disallowed", "/q/x?api_key=wrong", Map.of());
    assertRefused(401, "Authorization field missing", "/q/x?other=" + key, Map.of());
  }

  @Test
  void inactiveKeyIs403() throws Exception {
    String key = key(new JsonObject().put("is_inactive", true));
    assertRefused(403, "Key is inactive, please renew", "/p/x", Map.of("Authorization", key));
  }

  @Test
  void expiredKeyIs401AndAKeyExpiringLaterWorks() throws Exception {
    long nowSeconds = System.currentTimeMillis() / 1000;
    String expired = key(new JsonObject().put("expires", nowSeconds - 60));
    assertRefused(401, "Key has expired, please renew", "/p/x", Map.of("Authorization", expired));
    String later = key(new JsonObject().put("expires", nowSeconds + 3600));
    assertEquals(200, get("/p/x", Map.of("Authorization", later)).status());
    String never = key(new JsonObject().put("expires", 0));
    assertEquals(200, get("/p/x", Map.of("Authorization", never)).status());
  }

  @Test
  void accessRightsNotNamingTheApiAre403() throws Exception {
    String key = key(rights("other"));
    assertRefused(403, "Access to this API has been disallowed", "/p/x", Map.of("Authorization", key));
    assertEquals(200, get("/o/x", Map.of("Authorization", key)).status());
    String everything = key(new JsonObject().put("access_rights", new JsonObject()));
    assertEquals(200, get("/p/x", Map.of("Authorization", everything)).status());
    assertEquals(200, get("/o/x", Map.of("Authorization", everything)).status());
  }

  @Test
  void fourthCallWithinRateIs429() throws Exception {
    String key = key(new JsonObject().put("rate", 3).put("per", 60));
    for (int i = 1; i <= 3; i++) {
      assertEquals(200, get("/p/x", Map.of("Authorization", key)).status(), "call " + i);
    }
    assertRefused(429, "Rate limit exceeded", "/p/x", Map.of("Authorization", key));
  }

  @Test
  void thirdCallOverQuotaIs403() throws Exception {
    String key = key(new JsonObject().put("quota_max", 2).put("quota_renewal_rate", 3600));
    assertEquals(200, get("/p/x", Map.of("Authorization", key)).status());
    assertEquals(200, get("/p/x", Map.of("Authorization", key)).status());
    assertRefused(403, "Quota exceeded", "/p/x", Map.of("Authorization", key));
    assertEquals(0, gw.admin(HttpMethod.GET, "/tyk/keys/" + key, null).json().getLong("quota_remaining"));
  }

  @Test
  void quotaRenewsAfterTheRenewalRate() throws Exception {
    String key = key(new JsonObject().put("quota_max", 2).put("quota_renewal_rate", 1));
    assertEquals(200, get("/p/x", Map.of("Authorization", key)).status());
    assertEquals(200, get("/p/x", Map.of("Authorization", key)).status());
    assertRefused(403, "Quota exceeded", "/p/x", Map.of("Authorization", key));
    Poll.until(Duration.ofSeconds(10), "quota renewed", () -> get("/p/x", Map.of("Authorization", key)).status() == 200);
    assertEquals(200, get("/p/x", Map.of("Authorization", key)).status(), "a renewed quota allows quota_max calls");
  }

  @Test
  void rateLimitedCallsDoNotUseQuota() throws Exception {
    String key = key(new JsonObject().put("rate", 2).put("per", 60).put("quota_max", 5).put("quota_renewal_rate", 3600));
    assertEquals(200, get("/p/x", Map.of("Authorization", key)).status());
    assertEquals(200, get("/p/x", Map.of("Authorization", key)).status());
    for (int i = 0; i < 3; i++) {
      assertRefused(429, "Rate limit exceeded", "/p/x", Map.of("Authorization", key));
    }
    assertEquals(3, gw.admin(HttpMethod.GET, "/tyk/keys/" + key, null).json().getLong("quota_remaining"));
  }

  @Test
  void configuredHeaderIsReadAndBearerPrefixIsAccepted() throws Exception {
    String key = key(new JsonObject());
    assertEquals(200, get("/h/x", Map.of("X-Api-Key", key)).status());
    assertEquals(200, get("/h/x", Map.of("x-api-key", "Bearer " + key)).status());
    assertRefused(401, "Authorization field missing", "/h/x", Map.of("Authorization", key));
    assertEquals(200, get("/p/x", Map.of("Authorization", "Bearer " + key)).status());
    assertEquals(200, get("/p/x", Map.of("Authorization", "bearer " + key)).status());
  }

  @Test
  void keylessApiNeedsNoKey() throws Exception {
    assertEquals(200, get("/k/x", Map.of()).status());
    assertEquals(200, get("/k/x", Map.of("Authorization", "no-such-key")).status());
  }

  @Test
  void expiryIsCheckedBeforeAccessRights() throws Exception {
    long past = System.currentTimeMillis() / 1000 - 60;
    String inactive = key(rights("other").put("is_inactive", true));
    assertRefused(403, "Key is inactive, please renew", "/p/x", Map.of("Authorization", inactive));
    String expired = key(rights("other").put("expires", past));
    assertRefused(401, "Key has expired, please renew", "/p/x", Map.of("Authorization", expired));
  }

  @Test
  void refusedByAccessRightsDoesNotUseRateOrQuota() throws Exception {
    String key = key(rights("protected").put("rate", 1).put("per", 60).put("quota_max", 1).put("quota_renewal_rate", 3600));
    for (int i = 0; i < 3; i++) {
      assertRefused(403, "Access to this API has been disallowed", "/o/x", Map.of("Authorization", key));
    }
    assertEquals(200, get("/p/x", Map.of("Authorization", key)).status());
    // Rate and quota are both used up now: the rate limit comes first.
    assertRefused(429, "Rate limit exceeded", "/p/x", Map.of("Authorization", key));
  }

  @Test
  void expiredKeyDoesNotUseRate() throws Exception {
    long past = System.currentTimeMillis() / 1000 - 60;
    String key = "expiring-" + KEYS.incrementAndGet();
    create(key, new JsonObject().put("rate", 1).put("per", 60).put("expires", past));
    for (int i = 0; i < 3; i++) {
      assertRefused(401, "Key has expired, please renew", "/p/x", Map.of("Authorization", key));
    }
    assertEquals(200, gw.admin(HttpMethod.PUT, "/tyk/keys/" + key, new JsonObject().put("rate", 1).put("per", 60).encode()).status());
    assertEquals(200, get("/p/x", Map.of("Authorization", key)).status());
  }

  private static JsonObject rights(String apiId) {
    return new JsonObject().put("access_rights", new JsonObject()
        .put(apiId, new JsonObject().put("api_id", apiId).put("api_name", apiId).put("versions", new io.vertx.core.json.JsonArray().add("Default"))));
  }

  /** Creates a key with a fresh custom name and the given session. */
  private static String key(JsonObject session) throws Exception {
    String key = "key-" + KEYS.incrementAndGet() + "-" + System.nanoTime();
    create(key, session);
    return key;
  }

  private static void create(String key, JsonObject session) throws Exception {
    Reply reply = gw.admin(HttpMethod.POST, "/tyk/keys/" + key, session.put("org_id", "test-org").encode());
    assertEquals(200, reply.status(), reply.text());
  }

  private static Reply get(String uri, Map<String, String> headers) throws Exception {
    return gw.call(HttpMethod.GET, uri, headers, null);
  }

  /** Calls and checks the refusal, and that the upstream never saw the request. */
  private static void assertRefused(int status, String message, String uri, Map<String, String> headers) throws Exception {
    int before = upstream.received.size();
    Reply reply = get(uri, headers);
    assertEquals(status, reply.status(), reply.text());
    assertEquals(before, upstream.received.size(), "a refused request reached the upstream");
    assertEquals(new JsonObject().put("error", message), reply.json());
    assertEquals("application/json", reply.headers().get("content-type"));
  }
}
