package dev.coproxy.session;

import dev.coproxy.config.JsonReader;
import io.vertx.core.json.JsonObject;

/**
 * Tyk's {@code APILimit}: the rate and quota of a key on one API ({@code access_rights.<api>.limit}),
 * or of a policy. The same meanings as the session's own fields of these names.
 *
 * @param rate allowed requests per {@code per} seconds; 0 or less = no rate limit
 * @param per rate window in seconds
 * @param quotaMax requests per quota period; 0 or less = unlimited
 * @param quotaRenewalRate quota period in seconds; 0 or less = never renews
 * @param throttleInterval {@code throttle_interval}
 * @param throttleRetryLimit {@code throttle_retry_limit}
 * @param maxQueryDepth {@code max_query_depth}
 */
public record ApiLimit(
    double rate,
    double per,
    long quotaMax,
    long quotaRenewalRate,
    double throttleInterval,
    long throttleRetryLimit,
    long maxQueryDepth) {

  /** Reads a limit; absent fields are 0 as in Tyk. */
  public static ApiLimit parse(JsonReader r) {
    return new ApiLimit(
        r.decimal("rate", 0, -1, Double.MAX_VALUE),
        r.decimal("per", 0, -1, Double.MAX_VALUE),
        r.integer("quota_max", 0, Long.MIN_VALUE, Long.MAX_VALUE),
        r.integer("quota_renewal_rate", 0, Long.MIN_VALUE, Long.MAX_VALUE),
        r.decimal("throttle_interval", 0, -Double.MAX_VALUE, Double.MAX_VALUE),
        r.integer("throttle_retry_limit", 0, Long.MIN_VALUE, Long.MAX_VALUE),
        r.integer("max_query_depth", 0, Long.MIN_VALUE, Long.MAX_VALUE));
  }

  /** A limit with every field 0 (or none): the key's own limits apply, as with Tyk's empty {@code APILimit}. */
  public static boolean isEmpty(ApiLimit limit) {
    return limit == null || (limit.rate == 0 && limit.per == 0 && limit.quotaMax == 0 && limit.quotaRenewalRate == 0
        && limit.throttleInterval == 0 && limit.throttleRetryLimit == 0 && limit.maxQueryDepth == 0);
  }

  /** The JSON of {@code access_rights.<api>.limit}. */
  public JsonObject toJson() {
    return new JsonObject().put("rate", rate).put("per", per).put("quota_max", quotaMax)
        .put("quota_renewal_rate", quotaRenewalRate).put("throttle_interval", throttleInterval)
        .put("throttle_retry_limit", throttleRetryLimit).put("max_query_depth", maxQueryDepth);
  }

  public boolean rateLimited() {
    return rate > 0 && per > 0;
  }

  public boolean quotaLimited() {
    return quotaMax > 0;
  }
}
