package dev.coproxy.session;

import dev.coproxy.config.JsonReader;
import io.vertx.core.json.JsonObject;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A key's session as the built-in checks read it, parsed once from the stored Tyk session JSON
 * (the same field names as the proto {@code SessionState}, with Tyk's {@code meta_data}). The JSON
 * itself is kept whole so that nothing a client stored is lost.
 *
 * @param json the stored session
 * @param rate allowed requests per {@code per} seconds; 0 or less = no rate limit
 * @param per rate window in seconds
 * @param expires epoch seconds after which the key is expired; 0 or less = never
 * @param quotaMax requests per quota period; 0 or less = unlimited
 * @param quotaRenewalRate quota period in seconds; 0 or less = never renews
 * @param inactive {@code is_inactive}
 * @param rights {@code access_rights} by API id; empty = every API
 * @param orgId the organisation of the key
 * @param sessionLifetime time to live of the stored session in seconds; 0 = none
 * @param policyIds the policies the key names: {@code apply_policies}, or when that is empty the
 *     legacy {@code apply_policy_id} (as Tyk reads them)
 * @param throttleInterval {@code throttle_interval}
 * @param throttleRetryLimit {@code throttle_retry_limit}
 * @param maxQueryDepth {@code max_query_depth}
 * @param tags {@code tags}
 */
public record Session(
    JsonObject json,
    double rate,
    double per,
    long expires,
    long quotaMax,
    long quotaRenewalRate,
    boolean inactive,
    Map<String, AccessDefinition> rights,
    String orgId,
    long sessionLifetime,
    List<String> policyIds,
    double throttleInterval,
    long throttleRetryLimit,
    long maxQueryDepth,
    List<String> tags) {

  public Session {
    rights = Collections.unmodifiableMap(new LinkedHashMap<>(rights));
    policyIds = List.copyOf(policyIds);
    tags = List.copyOf(tags);
  }

  /**
   * Parses and validates a session body.
   *
   * @throws dev.coproxy.config.ConfigException naming the first field of the wrong type
   */
  public static Session parse(JsonObject json) {
    JsonReader r = new JsonReader(json);
    Map<String, AccessDefinition> rights = AccessDefinition.parseAll(r);
    List<String> policyIds = r.strings("apply_policies");
    String legacyPolicy = r.string("apply_policy_id", "");
    if (policyIds.isEmpty() && !legacyPolicy.isEmpty()) {
      policyIds = List.of(legacyPolicy);
    }
    r.object("meta_data");
    // Plugins get the proto form: a session that could not convert is refused here, not on a request.
    SessionMapper.toProto(json);
    return new Session(
        json,
        r.decimal("rate", 0, -1, Double.MAX_VALUE),
        r.decimal("per", 0, -1, Double.MAX_VALUE),
        r.integer("expires", 0, Long.MIN_VALUE, Long.MAX_VALUE),
        r.integer("quota_max", -1, Long.MIN_VALUE, Long.MAX_VALUE),
        r.integer("quota_renewal_rate", 0, Long.MIN_VALUE, Long.MAX_VALUE),
        r.bool("is_inactive", false),
        rights,
        r.string("org_id", ""),
        r.integer("session_lifetime", 0, Long.MIN_VALUE, Long.MAX_VALUE),
        policyIds,
        r.decimal("throttle_interval", 0, -Double.MAX_VALUE, Double.MAX_VALUE),
        r.integer("throttle_retry_limit", 0, Long.MIN_VALUE, Long.MAX_VALUE),
        r.integer("max_query_depth", 0, Long.MIN_VALUE, Long.MAX_VALUE),
        r.strings("tags"));
  }

  /** The key's own limits (its top-level rate, quota, throttle and depth), as a per-API limit. */
  public ApiLimit ownLimit() {
    return new ApiLimit(rate, per, quotaMax, quotaRenewalRate, throttleInterval, throttleRetryLimit, maxQueryDepth);
  }

  /** A copy of {@code meta_data}. */
  public JsonObject metaData() {
    Object value = json.getValue("meta_data");
    return value instanceof JsonObject meta ? meta.copy() : new JsonObject();
  }

  /**
   * True when the key's view differs from what is stored: it names policies, or it has a per-API
   * limit (whose counters Tyk keeps apart under the API's id). Cheap: checked on every request.
   */
  public boolean needsMerge() {
    if (!policyIds.isEmpty()) {
      return true;
    }
    for (AccessDefinition right : rights.values()) {
      if (!ApiLimit.isEmpty(right.limit())) {
        return true;
      }
    }
    return false;
  }

  /** True when the key has an expiry that is in the past. */
  public boolean expiredAt(long epochSeconds) {
    return expires > 0 && expires < epochSeconds;
  }

  /** True when access rights are set and do not name this API. */
  public boolean deniesApi(String apiId) {
    return !rights.isEmpty() && !rights.containsKey(apiId);
  }

  /** The API ids the key may call; empty = every API. */
  public Set<String> accessRights() {
    return rights.keySet();
  }

  /** The key's access right on an API, or null when it has none (or none are set). */
  public AccessDefinition rightOn(String apiId) {
    return rights.get(apiId);
  }

  public boolean rateLimited() {
    return rate > 0 && per > 0;
  }

  public boolean quotaLimited() {
    return quotaMax > 0;
  }
}
