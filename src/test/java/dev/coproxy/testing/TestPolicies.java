package dev.coproxy.testing;

import dev.coproxy.policy.Policies;
import dev.coproxy.policy.Policy;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Policies a test can change while the gateway runs; each change is a new generation. */
public final class TestPolicies implements Policies {

  private final Map<String, Policy> byId = new ConcurrentHashMap<>();
  private final AtomicLong generation = new AtomicLong();

  /** Adds or replaces a policy, given as Tyk JSON with its {@code id}. */
  public TestPolicies put(JsonObject json) {
    Policy policy = Policy.parse(json, null);
    byId.put(policy.id(), policy);
    generation.incrementAndGet();
    return this;
  }

  /**
   * Tyk's "Auth with policy" policy: rate 1000 a second, {@code quota_max} 1 per minute, access to
   * one API, in the test APIs' organisation ({@code test-org}).
   */
  public static JsonObject quotaOfOne(String id, String apiId) {
    return new JsonObject().put("id", id).put("org_id", "test-org").put("active", true).put("rate", 1000).put("per", 1)
        .put("quota_max", 1).put("quota_renewal_rate", 60)
        .put("access_rights", new JsonObject().put(apiId, new JsonObject().put("api_id", apiId).put("versions",
            new io.vertx.core.json.JsonArray().add("Default"))));
  }

  public void remove(String id) {
    byId.remove(id);
    generation.incrementAndGet();
  }

  @Override
  public Policy find(String id) {
    return byId.get(id);
  }

  @Override
  public long generation() {
    return generation.get();
  }
}
