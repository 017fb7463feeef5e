package dev.coproxy.policy;

import dev.coproxy.session.AccessDefinition;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The state of one merge of policies into a session, and the two ways a policy is merged, as Tyk's
 * {@code applyPartitions} and {@code applyPerAPI} do: the session's own limits ({@link #own}), the
 * access rights built so far, and which parts each API already got from some policy.
 */
final class MergeDraft {

  static final String MIXED = "cannot apply multiple policies when some have per_api set and some are partitioned";

  final LimitDraft own;
  final Map<String, RightDraft> rights = new LinkedHashMap<>();
  final Set<String> didAcl = new HashSet<>();
  final Set<String> didQuota = new HashSet<>();
  final Set<String> didRate = new HashSet<>();
  final Set<String> didComplexity = new HashSet<>();
  boolean hmacEnabled;
  private boolean didPerApi;
  private boolean didPartition;

  MergeDraft(LimitDraft own, boolean hmacEnabled) {
    this.own = own;
    this.hmacEnabled = hmacEnabled;
  }

  /** A policy without {@code per_api}: all of it, or only its chosen parts, on each of its APIs. */
  void applyPartitions(Policy policy) {
    boolean parts = policy.partitions().enabled();
    if (parts && didPerApi) {
      throw new PolicyMergeException(MIXED);
    }
    LimitDraft limits = LimitDraft.of(policy.limit());
    for (Map.Entry<String, AccessDefinition> entry : policy.rights().entrySet()) {
      String api = entry.getKey();
      RightDraft right = rights.computeIfAbsent(api, k -> new RightDraft());
      if (!parts || policy.partitions().acl()) {
        didAcl.add(api);
        right.mergeAccess(entry.getValue());
        right.limit.setBy = policy.id();
      }
      if (!parts || policy.partitions().quota()) {
        didQuota.add(api);
        if (LimitDraft.greater(limits.quotaMax, right.limit.quotaMax)) {
          right.limit.quotaMax = limits.quotaMax;
          if (LimitDraft.greater(limits.quotaMax, own.quotaMax)) {
            own.quotaMax = limits.quotaMax;
          }
        }
        if (limits.quotaRenewalRate > right.limit.quotaRenewalRate) {
          right.limit.quotaRenewalRate = limits.quotaRenewalRate;
          own.quotaRenewalRate = Math.max(own.quotaRenewalRate, limits.quotaRenewalRate);
        }
      }
      if (!parts || policy.partitions().rateLimit()) {
        didRate.add(api);
        raiseRate(limits, right.limit);
        if (limits.throttleRetryLimit > right.limit.throttleRetryLimit) {
          right.limit.throttleRetryLimit = limits.throttleRetryLimit;
          own.throttleRetryLimit = Math.max(own.throttleRetryLimit, limits.throttleRetryLimit);
        }
        if (limits.throttleInterval > right.limit.throttleInterval) {
          right.limit.throttleInterval = limits.throttleInterval;
          own.throttleInterval = Math.max(own.throttleInterval, limits.throttleInterval);
        }
      }
      if (!parts || policy.partitions().complexity()) {
        didComplexity.add(api);
        if (LimitDraft.greater(limits.maxQueryDepth, right.limit.maxQueryDepth)) {
          right.limit.maxQueryDepth = limits.maxQueryDepth;
          if (LimitDraft.greater(limits.maxQueryDepth, own.maxQueryDepth)) {
            own.maxQueryDepth = limits.maxQueryDepth;
          }
        }
      }
    }
    if (policy.rights().isEmpty()) {
      // A policy for no API in particular sets the key's own limits outright.
      if (!parts || policy.partitions().rateLimit()) {
        own.takeRate(limits);
        own.throttleInterval = limits.throttleInterval;
        own.throttleRetryLimit = limits.throttleRetryLimit;
      }
      if (!parts || policy.partitions().complexity()) {
        own.maxQueryDepth = limits.maxQueryDepth;
      }
      if (!parts || policy.partitions().quota()) {
        own.quotaMax = limits.quotaMax;
        own.quotaRenewalRate = limits.quotaRenewalRate;
      }
    }
    hmacEnabled = hmacEnabled || policy.hmacEnabled();
    didPartition = parts;
  }

  /**
   * A {@code per_api} policy: each of its APIs gets the API's own limit (or the policy's when the API
   * has none) and counters of its own, named after the API (or the policy).
   */
  void applyPerApi(Policy policy) {
    if (didPartition) {
      throw new PolicyMergeException(MIXED);
    }
    for (Map.Entry<String, AccessDefinition> entry : policy.rights().entrySet()) {
      String api = entry.getKey();
      RightDraft right = RightDraft.copyOf(entry.getValue());
      String scope = api;
      if (right.limit.isEmpty()) {
        scope = policy.id();
        right.limit = LimitDraft.of(policy.limit());
      }
      right.scope = scope;
      right.limit.setBy = scope;
      RightDraft before = rights.get(api);
      if (before != null) {
        keepMoreGenerous(right, before);
      }
      rights.put(api, right);
      didAcl.add(api);
      didQuota.add(api);
      didRate.add(api);
      didComplexity.add(api);
    }
    didPerApi = didPerApi || !policy.rights().isEmpty();
  }

  /** Tyk's {@code ApplyRateLimits}: a policy's rate replaces a slower (or no) rate, per API and the key's own. */
  private void raiseRate(LimitDraft policy, LimitDraft api) {
    if (policy.noRate()) {
      return;
    }
    if (api.noRate() || api.intervalNanos() > policy.intervalNanos()) {
      api.takeRate(policy);
    }
    if (own.noRate() || own.intervalNanos() > policy.intervalNanos()) {
      own.takeRate(policy);
    }
  }

  /** Tyk's {@code applyAPILevelLimits}: two per-API policies on one API keep the higher rate and quota. */
  private static void keepMoreGenerous(RightDraft policy, RightDraft before) {
    LimitDraft p = policy.limit;
    LimitDraft b = before.limit;
    boolean updated = false;
    if (p.intervalNanos() > b.intervalNanos()) {
      p.takeRate(b);
      updated = true;
    }
    if (b.quotaMax != p.quotaMax && LimitDraft.greater(b.quotaMax, p.quotaMax)) {
      p.quotaMax = b.quotaMax;
      updated = true;
    }
    if (LimitDraft.greater(b.quotaRenewalRate, p.quotaRenewalRate)) {
      p.quotaRenewalRate = b.quotaRenewalRate;
    }
    if (p.quotaMax == -1) {
      p.quotaRenewalRate = 0;
    }
    if (updated) {
      p.setBy = b.setBy;
      policy.scope = before.scope;
    }
  }
}
