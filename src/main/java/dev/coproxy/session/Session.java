package dev.coproxy.session;

import dev.coproxy.config.JsonReader;
import io.vertx.core.json.JsonObject;
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
 * @param accessRights API ids this key may call; empty = every API
 * @param orgId the organisation of the key
 * @param sessionLifetime time to live of the stored session in seconds; 0 = none
 */
public record Session(
    JsonObject json,
    double rate,
    double per,
    long expires,
    long quotaMax,
    long quotaRenewalRate,
    boolean inactive,
    Set<String> accessRights,
    String orgId,
    long sessionLifetime) {

  /**
   * Parses and validates a session body.
   *
   * @throws dev.coproxy.config.ConfigException naming the first field of the wrong type
   */
  public static Session parse(JsonObject json) {
    JsonReader r = new JsonReader(json);
    JsonObject rights = r.object("access_rights");
    for (String apiId : rights.fieldNames()) {
      if (!(rights.getValue(apiId) instanceof JsonObject)) {
        throw new dev.coproxy.config.ConfigException("access_rights." + apiId, "must be an object");
      }
    }
    r.object("meta_data");
    r.strings("tags");
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
        Set.copyOf(rights.fieldNames()),
        r.string("org_id", ""),
        r.integer("session_lifetime", 0, Long.MIN_VALUE, Long.MAX_VALUE));
  }

  /** True when the key has an expiry that is in the past. */
  public boolean expiredAt(long epochSeconds) {
    return expires > 0 && expires < epochSeconds;
  }

  /** True when access rights are set and do not name this API. */
  public boolean deniesApi(String apiId) {
    return !accessRights.isEmpty() && !accessRights.contains(apiId);
  }

  public boolean rateLimited() {
    return rate > 0 && per > 0;
  }

  public boolean quotaLimited() {
    return quotaMax > 0;
  }
}
