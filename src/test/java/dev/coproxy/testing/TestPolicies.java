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
