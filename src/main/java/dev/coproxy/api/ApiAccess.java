package dev.coproxy.api;

import dev.coproxy.config.JsonReader;
import java.util.List;

/**
 * An API definition's API-wide access controls. Parsed once when the definition loads.
 *
 * @param disableRateLimit {@code disable_rate_limit}: keys' rate limits are not applied on this API
 * @param disableQuota {@code disable_quota}: keys' quotas are not applied on this API
 */
public record ApiAccess(boolean disableRateLimit, boolean disableQuota) {

  /** The keys this record reads, as the key table writes them. */
  static final List<String> KEYS = List.of("disable_rate_limit", "disable_quota");

  /**
   * @param definition a reader of the whole definition
   * @throws dev.coproxy.config.ConfigException naming the key that cannot work
   */
  static ApiAccess parse(JsonReader definition) {
    return new ApiAccess(definition.bool("disable_rate_limit", false), definition.bool("disable_quota", false));
  }
}
