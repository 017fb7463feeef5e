package dev.coproxy.api;

import dev.coproxy.config.ConfigException;
import dev.coproxy.config.IpSet;
import dev.coproxy.config.JsonReader;
import java.util.List;

/**
 * An API definition's API-wide access controls. Parsed once when the definition loads; a control
 * that is not in force is held as empty (no list, no limit), so the chain leaves it out.
 *
 * @param disableRateLimit {@code disable_rate_limit}: keys' rate limits (and the API-wide one) are
 *     not applied on this API
 * @param disableQuota {@code disable_quota}: keys' quotas are not applied on this API
 * @param allowedIps {@code allowed_ips} when in force: only clients from these addresses pass
 * @param blockedIps {@code blacklisted_ips} when in force: clients from these addresses are refused
 * @param globalRateLimit {@code global_rate_limit} when in force, else null
 * @param stripAuthData {@code strip_auth_data}: the token is removed from the request before it
 *     goes on (protected APIs)
 * @param domain {@code domain} unless empty or {@code domain_disabled}, else null; used only when
 *     the gateway has {@code enable_custom_domains}
 */
public record ApiAccess(boolean disableRateLimit, boolean disableQuota, IpSet allowedIps, IpSet blockedIps,
    RateLimit globalRateLimit, boolean stripAuthData, DomainPattern domain) {

  /** The keys this record reads, as the key table writes them. */
  static final List<String> KEYS = List.of("disable_rate_limit", "disable_quota", "ip_access_control_disabled",
      "enable_ip_whitelisting", "allowed_ips", "enable_ip_blacklisting", "blacklisted_ips", "global_rate_limit.rate",
      "global_rate_limit.per", "global_rate_limit.disabled", "strip_auth_data", "domain", "domain_disabled");

  /**
   * Tyk's {@code global_rate_limit}: at most {@code rate} requests per {@code per} seconds to the
   * API, all clients together.
   */
  public record RateLimit(double rate, double per) {

    /** The window in milliseconds. */
    public long windowMillis() {
      return Math.max(1, Math.round(per * 1000));
    }
  }

  /**
   * @param definition a reader of the whole definition
   * @throws ConfigException naming the key that cannot work
   */
  static ApiAccess parse(JsonReader definition) {
    boolean disableRateLimit = definition.bool("disable_rate_limit", false);
    // Tyk's gate: with ip_access_control_disabled, a list is in force only if its own switch is on;
    // without it, a non-empty list is in force whatever its switch says.
    boolean ipControl = !definition.bool("ip_access_control_disabled", false);
    IpSet allowed = ipList(definition, "allowed_ips", ipControl || definition.bool("enable_ip_whitelisting", false));
    IpSet blocked = ipList(definition, "blacklisted_ips", ipControl || definition.bool("enable_ip_blacklisting", false));
    String domain = definition.string("domain", "");
    return new ApiAccess(disableRateLimit, definition.bool("disable_quota", false), allowed, blocked,
        globalRateLimit(definition.child("global_rate_limit"), disableRateLimit),
        definition.bool("strip_auth_data", false),
        definition.bool("domain_disabled", false) ? null : DomainPattern.parse(domain));
  }

  private static IpSet ipList(JsonReader definition, String key, boolean inForce) {
    List<String> entries = definition.strings(key);
    return inForce ? IpSet.parse(entries, key) : IpSet.EMPTY;
  }

  // Tyk's RateLimitForAPI runs when rate is not 0, the limit is not disabled, and the API's rate
  // limits are not switched off (disable_rate_limit).
  private static RateLimit globalRateLimit(JsonReader limit, boolean disableRateLimit) {
    double rate = limit.decimal("rate", 0, 0, Double.MAX_VALUE);
    double per = limit.decimal("per", 0, 0, Double.MAX_VALUE);
    if (rate == 0 || limit.bool("disabled", false) || disableRateLimit) {
      return null;
    }
    if (per <= 0) {
      throw new ConfigException(limit.path("per"), "must be more than 0 seconds when global_rate_limit.rate is set, got " + per);
    }
    return new RateLimit(rate, per);
  }
}
