package dev.coproxy.policy;

import java.util.Map;

/**
 * The policies this node knows, read from memory on the request path (never blocking). The loaded
 * set is replaced whole when policies are (re)loaded or changed through the Gateway API.
 */
public interface Policies {

  /** The policy with this id, or null when there is none. */
  Policy find(String id);

  /**
   * A number that changes whenever the set of policies changes, so that sessions merged with the
   * old ones can be told apart and merged again.
   */
  long generation();

  /** A fixed set of policies (tests, and a gateway without a policy source). */
  static Policies of(Map<String, Policy> byId) {
    Map<String, Policy> copy = Map.copyOf(byId);
    return new Policies() {
      @Override
      public Policy find(String id) {
        return copy.get(id);
      }

      @Override
      public long generation() {
        return 0;
      }
    };
  }
}
