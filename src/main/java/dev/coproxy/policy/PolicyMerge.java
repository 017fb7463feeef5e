package dev.coproxy.policy;

import dev.coproxy.session.AccessDefinition;
import dev.coproxy.session.ApiLimit;
import dev.coproxy.session.Session;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Tyk's {@code ApplyPolicies}: the session a key (or a plugin's session) really has once the
 * policies it names are merged into it. Runs when a key is used, on a copy: what is stored is left
 * as it was. Several policies merge as in Tyk: the highest rate and quota win, access rights,
 * versions, allowed URLs and tags are unions, metadata is laid over, any inactive policy makes the
 * key inactive. {@code partitions} choose which parts of a policy apply; {@code per_api} gives each
 * API its own limits and counters.
 *
 * <p>Policies are looked up under the key's organisation (the API's when the key has none), and a
 * policy of another organisation than the API's is refused.
 */
public final class PolicyMerge {

  static final String OTHER_ORG = "attempting to apply policy from different organisation to key, skipping";
  static final String NONE_VALID = "key has no valid policies to be applied";

  private final Policies policies;

  public PolicyMerge(Policies policies) {
    this.policies = policies;
  }

  public Policies policies() {
    return policies;
  }

  /**
   * The merged session.
   *
   * @param apiOrgId the organisation of the API being called, or null when there is none to check
   * @throws PolicyMergeException with Tyk's message when the policies cannot be applied
   */
  public Session apply(Session session, String apiOrgId) {
    List<String> ids = session.policyIds();
    String org = !session.orgId().isEmpty() ? session.orgId() : apiOrgId == null ? "" : apiOrgId;
    MergeDraft draft = new MergeDraft(cleared(session, ids, org), session.json().getBoolean("hmac_enabled", false));
    Set<String> tags = new LinkedHashSet<>(session.tags());
    JsonObject meta = session.metaData();
    boolean inactive = ids.isEmpty() && session.inactive();
    for (String id : ids) {
      Policy policy = find(org, id);
      if (policy == null) {
        if (ids.size() > 1) {
          continue;
        }
        throw new PolicyMergeException("policy not found: \"" + id + "\"");
      }
      if (apiOrgId != null && !policy.orgId().equals(apiOrgId)) {
        throw new PolicyMergeException(OTHER_ORG);
      }
      if (policy.partitions().perApi() && policy.partitions().enabled()) {
        throw new PolicyMergeException("cannot apply policy " + policy.id() + " which has per_api and any of partitions set");
      }
      if (policy.partitions().perApi()) {
        draft.applyPerApi(policy);
      } else {
        draft.applyPartitions(policy);
      }
      inactive = inactive || policy.inactive();
      tags.addAll(policy.tags());
      meta.mergeIn(policy.metaData());
    }
    JsonObject rights = finishRights(session, draft, !ids.isEmpty());
    if (draft.rights.isEmpty() && !ids.isEmpty()) {
      throw new PolicyMergeException(NONE_VALID);
    }
    LimitDraft own = draft.own;
    return Session.parse(session.json().copy()
        .put("rate", own.rate).put("per", own.per).put("quota_max", own.quotaMax)
        .put("quota_renewal_rate", own.quotaRenewalRate).put("throttle_interval", own.throttleInterval)
        .put("throttle_retry_limit", own.throttleRetryLimit).put("max_query_depth", own.maxQueryDepth)
        .put("hmac_enabled", draft.hmacEnabled).put("is_inactive", inactive)
        .put("tags", new JsonArray(List.copyOf(tags))).put("meta_data", meta).put("access_rights", rights));
  }

  // A policy is found under the key's organisation only (Tyk's scoped policy ids).
  private Policy find(String org, String id) {
    Policy policy = policies.find(id);
    return policy != null && policy.orgId().equals(org) ? policy : null;
  }

  /** Tyk's {@code ClearSession}: the parts the policies give are first cleared from the key's own limits. */
  private LimitDraft cleared(Session session, List<String> ids, String org) {
    LimitDraft own = LimitDraft.of(session.ownLimit());
    for (String id : ids) {
      Policy policy = find(org, id);
      if (policy == null) {
        break;
      }
      Policy.Partitions p = policy.partitions();
      boolean all = !p.enabled();
      if (all || p.quota()) {
        own.quotaMax = 0;
      }
      if (all || p.rateLimit()) {
        own.rate = 0;
        own.per = 0;
        own.throttleInterval = 0;
        own.throttleRetryLimit = 0;
      }
      if (all || p.complexity()) {
        own.maxQueryDepth = 0;
      }
    }
    return own;
  }

  /** The access rights of the merged session, as JSON; sets the key's own limits from a single API's. */
  private static JsonObject finishRights(Session session, MergeDraft draft, boolean hasPolicies) {
    Set<String> setters = new LinkedHashSet<>();
    draft.rights.values().forEach(r -> {
      if (!r.limit.setBy.isEmpty()) {
        setters.add(r.limit.setBy);
      }
    });
    LimitDraft own = draft.own;
    draft.rights.entrySet().removeIf(e -> !draft.didAcl.contains(e.getKey()));
    for (Map.Entry<String, RightDraft> e : draft.rights.entrySet()) {
      RightDraft r = e.getValue();
      String api = e.getKey();
      // Parts no policy gave this API come from the key's own limits.
      if (!draft.didRate.contains(api)) {
        r.limit.takeRate(own);
        r.limit.throttleInterval = own.throttleInterval;
        r.limit.throttleRetryLimit = own.throttleRetryLimit;
      }
      if (!draft.didComplexity.contains(api)) {
        r.limit.maxQueryDepth = own.maxQueryDepth;
      }
      if (!draft.didQuota.contains(api)) {
        r.limit.quotaMax = own.quotaMax;
        r.limit.quotaRenewalRate = own.quotaRenewalRate;
      }
      // APIs given by different policies are counted apart, each under its policy's id.
      if (setters.size() > 1 && r.scope.isEmpty()) {
        r.scope = r.limit.setBy;
      }
      r.limit.setBy = "";
    }
    if (draft.didQuota.size() == 1 && draft.didRate.size() == 1 && draft.didComplexity.size() == 1) {
      // Policies for a single API: the key's own limits are that API's (Tyk's legacy root values).
      draft.rights.values().forEach(r -> {
        own.takeRate(r.limit);
        own.quotaMax = r.limit.quotaMax;
        own.quotaRenewalRate = r.limit.quotaRenewalRate;
        own.maxQueryDepth = r.limit.maxQueryDepth;
      });
    }
    if (!draft.didAcl.isEmpty()) {
      JsonObject rights = new JsonObject();
      draft.rights.forEach((api, r) -> rights.put(api, r.toRight().toJson()));
      return rights;
    }
    return ownRights(session, hasPolicies);
  }

  /** The key's own access rights; without policies an API with a limit of its own is counted under its id. */
  private static JsonObject ownRights(Session session, boolean hasPolicies) {
    JsonObject rights = session.json().getJsonObject("access_rights", new JsonObject()).copy();
    if (!hasPolicies) {
      for (Map.Entry<String, AccessDefinition> e : session.rights().entrySet()) {
        if (!ApiLimit.isEmpty(e.getValue().limit())) {
          rights.getJsonObject(e.getKey()).put("allowance_scope", e.getKey());
        }
      }
    }
    return rights;
  }
}
