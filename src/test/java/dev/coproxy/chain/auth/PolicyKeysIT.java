package dev.coproxy.chain.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.session.Session;
import dev.coproxy.testing.Apis;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.TestGateway.Reply;
import dev.coproxy.testing.TestPolicies;
import dev.coproxy.testing.Upstream;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keys that name policies, through a real gateway and upstream: the policy's rate (429), quota
 * (403), access rights (403 on another API); a missing policy (403 as an unknown key, Tyk's body),
 * an inactive one; per-API limits counted apart; {@code disable_rate_limit} and
 * {@code disable_quota}. Keys are stored through the session repository: the Gateway API's own
 * checks of {@code apply_policies} are tested with it.
 */
class PolicyKeysIT {

  private static final String ORG = "test-org";
  private static final AtomicInteger KEYS = new AtomicInteger();
  private static final TestPolicies POLICIES = new TestPolicies();
  private static TestGateway gw;
  private static Upstream upstream;

  @BeforeAll
  static void start() throws Exception {
    POLICIES
        .put(policy("rate-pol").put("rate", 2).put("per", 60).put("access_rights", rights("pa")))
        .put(policy("quota-pol").put("quota_max", 2).put("quota_renewal_rate", 3600).put("access_rights", rights("pa")))
        .put(policy("inactive-pol").put("is_inactive", true).put("access_rights", rights("pa")))
        .put(policy("per-api-pol").put("partitions", new JsonObject().put("per_api", true)).put("access_rights", new JsonObject()
            .put("pa", new JsonObject().put("limit", new JsonObject().put("quota_max", 2).put("quota_renewal_rate", 3600)))
            .put("pb", new JsonObject().put("limit", new JsonObject().put("quota_max", 3).put("quota_renewal_rate", 3600)))))
        .put(policy("rate-quota-pol").put("rate", 1).put("per", 60).put("quota_max", 2).put("quota_renewal_rate", 3600)
            .put("access_rights", rights("pc").mergeIn(rights("pd"))))
        .put(policy("temp-pol").put("access_rights", rights("pa")))
        .put(policy("other-org-pol").put("org_id", "other-org").put("access_rights", rights("pa")));
    gw = TestGateway.start(new JsonObject(), Map.of(), POLICIES);
    upstream = Upstream.start(gw.vertx);
    gw.writeApi("pa.json", Apis.protectedApi("pa", "/pa/", upstream.url("/")));
    gw.writeApi("pb.json", Apis.protectedApi("pb", "/pb/", upstream.url("/")));
    gw.writeApi("pc.json", Apis.protectedApi("pc", "/pc/", upstream.url("/")).put("disable_rate_limit", true));
    gw.writeApi("pd.json", Apis.protectedApi("pd", "/pd/", upstream.url("/")).put("disable_quota", true));
    assertEquals(4, gw.reload().getInteger("loaded"));
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

  private static JsonObject policy(String id) {
    return new JsonObject().put("id", id).put("org_id", ORG).put("active", true);
  }

  private static JsonObject rights(String api) {
    return new JsonObject().put(api, new JsonObject().put("api_id", api).put("api_name", api));
  }

  /** Stores a key naming these policies (and the given fields) and returns it. */
  private static String key(JsonObject session, String... policies) throws Exception {
    String key = "pkey-" + KEYS.incrementAndGet() + "-" + System.nanoTime();
    session.put("org_id", ORG).put("apply_policies", new JsonArray(java.util.List.of(policies)));
    gw.gateway.sessions().save(key, Session.parse(session)).await(10, TimeUnit.SECONDS);
    return key;
  }

  private static Reply get(String uri, String key) throws Exception {
    return gw.call(HttpMethod.GET, uri, Map.of("Authorization", key), null);
  }

  private static void assertRefused(int status, String message, String uri, String key) throws Exception {
    int before = upstream.received.size();
    Reply reply = get(uri, key);
    assertEquals(status, reply.status(), reply.text());
    assertEquals(new JsonObject().put("error", message), reply.json());
    assertEquals(before, upstream.received.size(), "a refused request reached the upstream");
  }

  @Test
  void thePolicysRateLimitApplies() throws Exception {
    String key = key(new JsonObject().put("rate", 1000).put("per", 1), "rate-pol");
    assertEquals(200, get("/pa/x", key).status());
    assertEquals(200, get("/pa/x", key).status());
    assertRefused(429, "Rate limit exceeded", "/pa/x", key);
  }

  @Test
  void thePolicysQuotaApplies() throws Exception {
    String key = key(new JsonObject().put("quota_max", -1), "quota-pol");
    assertEquals(200, get("/pa/x", key).status());
    assertEquals(200, get("/pa/x", key).status());
    assertRefused(403, "Quota exceeded", "/pa/x", key);
  }

  @Test
  void thePolicysAccessRightsReplaceTheKeys() throws Exception {
    String key = key(new JsonObject().put("access_rights", rights("pb")), "quota-pol");
    assertEquals(200, get("/pa/x", key).status());
    assertRefused(403, "Access to this API has been disallowed", "/pb/x", key);
  }

  @Test
  void aKeyNamingAMissingPolicyIsRefusedAsAnUnknownKey() throws Exception {
    String key = key(new JsonObject(), "no-such-policy");
    assertRefused(403, "Access to this API has been disallowed", "/pa/x", key);
  }

  @Test
  void aPolicyRemovedWhileTheKeyIsInUseRefusesItFromTheNextRequest() throws Exception {
    String key = key(new JsonObject(), "temp-pol");
    assertEquals(200, get("/pa/x", key).status());
    POLICIES.remove("temp-pol");
    assertRefused(403, "Access to this API has been disallowed", "/pa/x", key);
  }

  @Test
  void aPolicyOfAnotherOrganisationIsNotFound() throws Exception {
    String key = key(new JsonObject(), "other-org-pol");
    assertRefused(403, "Access to this API has been disallowed", "/pa/x", key);
  }

  @Test
  void anInactivePolicyMakesTheKeyInactive() throws Exception {
    String key = key(new JsonObject(), "inactive-pol");
    assertRefused(403, "Key is inactive, please renew", "/pa/x", key);
  }

  @Test
  void perApiLimitsAreCountedApart() throws Exception {
    String key = key(new JsonObject(), "per-api-pol");
    assertEquals(200, get("/pa/x", key).status());
    assertEquals(200, get("/pa/x", key).status());
    assertRefused(403, "Quota exceeded", "/pa/x", key);
    for (int i = 0; i < 3; i++) {
      assertEquals(200, get("/pb/x", key).status(), "pb has its own quota of 3, call " + (i + 1));
    }
    assertRefused(403, "Quota exceeded", "/pb/x", key);
  }

  @Test
  void theGatewayApiShowsTheKeyWithItsPoliciesAndDeletingItResetsItsPerApiQuotas() throws Exception {
    String key = key(new JsonObject(), "per-api-pol");
    assertEquals(200, get("/pa/x", key).status());
    JsonObject shown = gw.admin(HttpMethod.GET, "/tyk/keys/" + key, null).json();
    JsonObject pa = shown.getJsonObject("access_rights").getJsonObject("pa");
    assertEquals(2, pa.getJsonObject("limit").getInteger("quota_max"), shown.encode());
    assertEquals(1, pa.getJsonObject("limit").getInteger("quota_remaining"), "the per-API counter, as Tyk shows it");
    assertTrue(shown.getJsonObject("access_rights").containsKey("pb"), "rights from the policy: " + shown.encode());

    assertEquals(200, get("/pa/x", key).status());
    assertRefused(403, "Quota exceeded", "/pa/x", key);
    assertEquals(200, gw.admin(HttpMethod.DELETE, "/tyk/keys/" + key, null).status());
    gw.gateway.sessions().save(key, Session.parse(new JsonObject().put("org_id", ORG)
        .put("apply_policies", new JsonArray().add("per-api-pol")))).await(10, TimeUnit.SECONDS);
    assertEquals(200, get("/pa/x", key).status(), "a key made again under this name starts its pa quota afresh");
  }

  @Test
  void aKeysOwnApiLimitIsCountedApartFromItsOwnQuota() throws Exception {
    String key = "own-limit-" + System.nanoTime();
    JsonObject session = new JsonObject().put("org_id", ORG).put("quota_max", 3).put("quota_renewal_rate", 3600)
        .put("access_rights", rights("pb").put("pa", new JsonObject().put("api_id", "pa")
            .put("limit", new JsonObject().put("quota_max", 1).put("quota_renewal_rate", 3600))));
    gw.gateway.sessions().save(key, Session.parse(session)).await(10, TimeUnit.SECONDS);
    assertEquals(200, get("/pa/x", key).status());
    assertRefused(403, "Quota exceeded", "/pa/x", key);
    for (int i = 0; i < 3; i++) {
      assertEquals(200, get("/pb/x", key).status(), "the key's own quota is untouched by pa, call " + (i + 1));
    }
    assertRefused(403, "Quota exceeded", "/pb/x", key);
  }

  @Test
  void disableRateLimitLeavesTheQuota() throws Exception {
    String key = key(new JsonObject(), "rate-quota-pol");
    assertEquals(200, get("/pc/x", key).status());
    assertEquals(200, get("/pc/x", key).status(), "rate 1 a minute is not enforced on pc");
    assertRefused(403, "Quota exceeded", "/pc/x", key);
  }

  @Test
  void disableQuotaLeavesTheRateLimit() throws Exception {
    String key = key(new JsonObject(), "rate-quota-pol");
    assertEquals(200, get("/pd/x", key).status());
    assertRefused(429, "Rate limit exceeded", "/pd/x", key);
  }
}
