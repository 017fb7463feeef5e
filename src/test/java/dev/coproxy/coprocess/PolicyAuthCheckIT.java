package dev.coproxy.coprocess;

import static dev.coproxy.coprocess.CoprocessFixture.hook;
import static dev.coproxy.coprocess.CoprocessFixture.middleware;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coproxy.proto.SessionState;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.TestPolicies;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sessions made by an {@code auth_check} plugin that name policies (the scripted driver on the real
 * event-bus path): the policy's limits and access apply, a missing policy is 403 {@code Forbidden}
 * and nothing is stored, and a session cached by the ID extractor gets its policies on every hit.
 */
class PolicyAuthCheckIT {

  private static final TestPolicies POLICIES = new TestPolicies();
  private static CoprocessFixture fx;

  @BeforeAll
  static void start() throws Exception {
    POLICIES.put(TestPolicies.quotaOfOne("one-call", "pac-quota"))
        .put(new JsonObject().put("id", "two-calls").put("org_id", "test-org").put("quota_max", 2).put("quota_renewal_rate", 3600)
            .put("tags", new JsonArray().add("from-policy"))
            .put("access_rights", new JsonObject().put("pac-cache", new JsonObject().put("api_id", "pac-cache"))))
        .put(new JsonObject().put("id", "elsewhere").put("org_id", "test-org")
            .put("access_rights", new JsonObject().put("another-api", new JsonObject())));
    fx = CoprocessFixture.start(new JsonObject(), new JsonObject(), POLICIES);
  }

  @AfterAll
  static void stop() throws Exception {
    fx.close();
  }

  private static dev.coproxy.proto.Object withPolicy(dev.coproxy.proto.Object o, String policy, long deadline) {
    return o.toBuilder().putMetadata("token", o.getRequest().getHeadersOrDefault("Authorization", ""))
        .setSession(SessionState.newBuilder().setApplyPolicyId(policy).setIdExtractorDeadline(deadline)).build();
  }

  private static TestGateway.Reply get(String api, String token) throws Exception {
    return fx.call(HttpMethod.GET, "/" + api + "/x", Map.of("Authorization", token), null);
  }

  @Test
  void thePolicyNamedByThePluginsSessionApplies() throws Exception {
    fx.driver.on("pac-quota", o -> withPolicy(o, o.getRequest().getHeadersOrDefault("Policy", ""), 0));
    fx.deploy(fx.protectedApi("pac-quota", middleware().put("auth_check", hook("pac-quota"))).put("enable_coprocess_auth", true));
    TestGateway.Reply missing = fx.call(HttpMethod.GET, "/pac-quota/x", Map.of("Authorization", "t1", "Policy", "nope"), null);
    assertEquals(403, missing.status());
    assertEquals(new JsonObject().put("error", "Forbidden"), missing.json());
    assertEquals(404, fx.gw.admin(HttpMethod.GET, "/tyk/keys/t1", null).status(), "a refused session is not stored");
    Map<String, String> headers = Map.of("Authorization", "t1", "Policy", "one-call");
    assertEquals(200, fx.call(HttpMethod.GET, "/pac-quota/x", headers, null).status());
    TestGateway.Reply second = fx.call(HttpMethod.GET, "/pac-quota/x", headers, null);
    assertEquals(403, second.status());
    assertEquals(new JsonObject().put("error", "Quota exceeded"), second.json());
    TestGateway.Reply elsewhere = fx.call(HttpMethod.GET, "/pac-quota/x", Map.of("Authorization", "t2", "Policy", "elsewhere"), null);
    assertEquals(403, elsewhere.status(), "the policy gives access to another API only");
    assertEquals(new JsonObject().put("error", "Access to this API has been disallowed"), elsewhere.json());
  }

  @Test
  void aSessionCachedByTheIdExtractorGetsItsPoliciesOnEveryHit() throws Exception {
    fx.driver.on("pac-cache", o -> withPolicy(o, "two-calls", System.currentTimeMillis() / 1000 + 60));
    fx.deploy(fx.protectedApi("pac-cache", middleware().put("auth_check", hook("pac-cache"))
        .put("id_extractor", new JsonObject().put("extract_from", "header").put("extract_with", "value")
            .put("extractor_config", new JsonObject().put("header_name", "Authorization"))))
        .put("custom_plugin_auth_enabled", true));
    assertEquals(200, get("pac-cache", "cached").status());
    assertEquals(200, get("pac-cache", "cached").status());
    assertEquals(1, fx.driver.callsTo("pac-cache").size(), "the second call was a cache hit");
    TestGateway.Reply third = get("pac-cache", "cached");
    assertEquals(403, third.status(), "the policy's quota of 2 holds on cache hits");
    assertEquals(new JsonObject().put("error", "Quota exceeded"), third.json());
    assertEquals(1, fx.driver.callsTo("pac-cache").size());
    POLICIES.remove("two-calls");
    TestGateway.Reply gone = get("pac-cache", "cached");
    assertEquals(403, gone.status(), gone.text());
    assertEquals(new JsonObject().put("error", "Forbidden"), gone.json());
    assertEquals(2, fx.driver.callsTo("pac-cache").size(), "a cached session whose policy is gone is no hit: the plugin is asked");
  }
}
