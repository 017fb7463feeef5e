package dev.coproxy.admin;

import dev.coproxy.policy.Policies;
import dev.coproxy.policy.Policy;
import dev.coproxy.policy.PolicyMerge;
import dev.coproxy.policy.PolicyMergeException;
import dev.coproxy.session.Session;
import java.util.Objects;

/**
 * What a key's policies mean to the Gateway API, where no API is being called: whether they can be
 * applied (checked before a key is saved, as Tyk applies them then), the key as it is used (shown,
 * and whose per-API counters are reset), and Tyk's trial period ({@code key_expires_in}).
 * Policies are looked up under the key's organisation, else that of the first of its policies that
 * is loaded (requests use the called API's).
 */
final class KeyPolicies {

  private final Policies policies;
  private final PolicyMerge merge;

  KeyPolicies(Policies policies) {
    this.policies = policies;
    this.merge = new PolicyMerge(policies);
  }

  /**
   * Applies the key's policies, to check that they can be.
   *
   * @throws PolicyMergeException with Tyk's reason when they cannot (none loaded, another
   *     organisation's, per_api mixed with partitions, no access right)
   */
  void check(Session session) {
    if (!session.policyIds().isEmpty()) {
      merge.apply(session, org(session));
    }
  }

  /** The key with its policies applied; the stored session when they cannot be now (requests refuse it). */
  Session effective(Session session) {
    if (!session.needsMerge()) {
      return session;
    }
    try {
      return merge.apply(session, org(session));
    } catch (PolicyMergeException e) {
      return session;
    }
  }

  /** True when one of the key's policies grants access rights: the key is then no master key. */
  boolean grantAccess(Session session) {
    return session.policyIds().stream().map(policies::find).anyMatch(p -> p != null && !p.rights().isEmpty());
  }

  /**
   * Tyk's trial period: a new key given a policy with {@code key_expires_in} expires that many
   * seconds after it is made (the last such policy wins, as in Tyk).
   */
  Session withTrialPeriod(Session session, long nowSeconds) {
    String org = org(session);
    long expiresIn = 0;
    for (String id : session.policyIds()) {
      Policy policy = policies.find(id);
      if (policy != null && policy.orgId().equals(org) && policy.keyExpiresIn() > 0) {
        expiresIn = policy.keyExpiresIn();
      }
    }
    return expiresIn == 0 ? session : Session.parse(session.json().copy().put("expires", nowSeconds + expiresIn));
  }

  private String org(Session session) {
    if (!session.orgId().isEmpty()) {
      return session.orgId();
    }
    return session.policyIds().stream().map(policies::find).filter(Objects::nonNull).map(Policy::orgId).findFirst().orElse("");
  }
}
