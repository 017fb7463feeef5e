package dev.coproxy.policy;

/**
 * A key's policies cannot be applied (one is missing, belongs to another organisation, or mixes
 * {@code per_api} with partitions). The message is Tyk's; the request is refused as an unknown key.
 */
public final class PolicyMergeException extends RuntimeException {

  public PolicyMergeException(String message) {
    super(message, null, false, false);
  }
}
