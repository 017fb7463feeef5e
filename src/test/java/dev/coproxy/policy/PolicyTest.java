package dev.coproxy.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.config.ConfigException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** Loading one policy: Tyk's shape loads; a field a key could not enforce refuses the policy, named. */
class PolicyTest {

  private static JsonObject tykShaped() {
    return new JsonObject().put("id", "gold").put("org_id", "o").put("rate", 100).put("per", 1).put("quota_max", -1)
        .put("quota_renewal_rate", 60).put("throttle_interval", -1).put("throttle_retry_limit", -1)
        .put("max_query_depth", -1).put("active", true).put("is_inactive", false).put("hmac_enabled", false)
        .put("tags", new JsonArray().add("t")).put("key_expires_in", 0).put("meta_data", new JsonObject())
        .put("partitions", new JsonObject().put("quota", false).put("rate_limit", false).put("acl", false))
        .put("access_rights", new JsonObject().put("a", new JsonObject().put("api_id", "a")
            .put("versions", new JsonArray().add("Default")).put("allowed_urls", new JsonArray())));
  }

  @Test
  void aTykShapedPolicyLoads() {
    Policy policy = Policy.load(tykShaped(), null);
    assertEquals("gold", policy.id());
    assertEquals(100, policy.rate());
    assertEquals("a", policy.rights().get("a").apiId());
  }

  @Test
  void hmacOnAPolicyIsRefusedNamingTheKey() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> Policy.load(tykShaped().put("hmac_enabled", true), null));
    assertTrue(e.getMessage().contains("hmac_enabled"), e.getMessage());
  }

  @Test
  void anEndpointLimitOnAPolicyIsRefusedNamingTheKey() {
    JsonObject policy = tykShaped();
    policy.getJsonObject("access_rights").getJsonObject("a").put("endpoints", new JsonArray()
        .add(new JsonObject().put("path", "/x")));
    ConfigException e = assertThrows(ConfigException.class, () -> Policy.load(policy, null));
    assertTrue(e.getMessage().contains("access_rights.a.endpoints"), e.getMessage());
  }

  @Test
  void aPolicyWithoutAnIdIsRefused() {
    ConfigException e = assertThrows(ConfigException.class, () -> Policy.load(tykShaped().put("id", ""), null));
    assertTrue(e.getMessage().contains("id"), e.getMessage());
  }
}
