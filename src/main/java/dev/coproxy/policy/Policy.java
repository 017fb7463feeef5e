package dev.coproxy.policy;

import dev.coproxy.config.ConfigException;
import dev.coproxy.config.JsonReader;
import dev.coproxy.config.KeyTable;
import dev.coproxy.session.AccessDefinition;
import dev.coproxy.session.ApiLimit;
import io.vertx.core.json.JsonObject;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One Tyk security policy ({@code user.Policy}), parsed and checked once when it is loaded or
 * created; the JSON is kept whole to be shown back by the Gateway API.
 *
 * @param id {@code id} (Tyk falls back to {@code _id} for policies exported from the Dashboard)
 * @param name {@code name}
 * @param orgId {@code org_id}
 * @param rate {@code rate}
 * @param per {@code per}
 * @param quotaMax {@code quota_max}
 * @param quotaRenewalRate {@code quota_renewal_rate}
 * @param throttleInterval {@code throttle_interval}
 * @param throttleRetryLimit {@code throttle_retry_limit}
 * @param maxQueryDepth {@code max_query_depth}
 * @param rights {@code access_rights} by API id
 * @param hmacEnabled {@code hmac_enabled}
 * @param active {@code active}: shown back only; Tyk does not consult it when a key uses the policy
 * @param inactive {@code is_inactive}: keys given this policy become inactive (403 "Key is inactive")
 * @param tags {@code tags}
 * @param keyExpiresIn {@code key_expires_in} in seconds: the expiry given to a key created with the
 *     policy (at creation, not on requests)
 * @param partitions {@code partitions}
 * @param metaData {@code meta_data}
 * @param json the policy as given
 */
public record Policy(
    String id,
    String name,
    String orgId,
    double rate,
    double per,
    long quotaMax,
    long quotaRenewalRate,
    double throttleInterval,
    long throttleRetryLimit,
    long maxQueryDepth,
    Map<String, AccessDefinition> rights,
    boolean hmacEnabled,
    boolean active,
    boolean inactive,
    List<String> tags,
    long keyExpiresIn,
    Partitions partitions,
    JsonObject metaData,
    JsonObject json) {

  public Policy {
    rights = Collections.unmodifiableMap(new LinkedHashMap<>(rights));
    tags = List.copyOf(tags);
  }

  /**
   * Tyk's {@code partitions}: which parts of the policy apply ({@code quota}, {@code rate_limit},
   * {@code complexity}, {@code acl}); none set means all of them. {@code per_api} is not a part: it
   * gives each API of the policy its own limits and counters, and may not be combined with parts.
   */
  public record Partitions(boolean quota, boolean rateLimit, boolean complexity, boolean acl, boolean perApi) {

    /** True when some part is chosen (Tyk's {@code Enabled}; {@code per_api} does not count). */
    public boolean enabled() {
      return quota || rateLimit || complexity || acl;
    }
  }

  /** The policy's own limits (its top-level rate, quota, throttle and depth), as a per-API limit. */
  public ApiLimit limit() {
    return new ApiLimit(rate, per, quotaMax, quotaRenewalRate, throttleInterval, throttleRetryLimit, maxQueryDepth);
  }

  /**
   * Parses a policy given to the gateway (a policy file, the Gateway API, the store), refusing one
   * that sets a key field Coproxy does not enforce (HMAC, smoothing, endpoint or GraphQL limits...):
   * its keys would be granted what its author meant to restrict.
   *
   * @throws ConfigException naming the refused or malformed key
   */
  public static Policy load(JsonObject json, String fallbackId) {
    List<KeyTable.Finding> refused = KeyTable.refusals(KeyTable.bundled().check(KeyTable.Scope.SESSION, json));
    if (!refused.isEmpty()) {
      throw new ConfigException(refused.get(0).key(), refused.get(0).problem() + "; a policy gives it to its keys");
    }
    return parse(json, fallbackId);
  }

  /**
   * Parses a policy without judging which fields Coproxy enforces ({@link #load} does). {@code id} is the map key (or file name) when the policy itself has none.
   *
   * @param fallbackId the id to use when the JSON has neither {@code id} nor {@code _id}
   * @throws ConfigException naming the first key of the wrong type
   */
  public static Policy parse(JsonObject json, String fallbackId) {
    JsonReader r = new JsonReader(json);
    String id = r.string("id", "");
    if (id.isEmpty()) {
      id = r.string("_id", fallbackId == null ? "" : fallbackId);
    }
    if (id.isEmpty()) {
      throw new ConfigException("id", "is missing");
    }
    Map<String, AccessDefinition> rights = AccessDefinition.parseAll(r);
    JsonReader p = r.child("partitions");
    return new Policy(
        id,
        r.string("name", ""),
        r.string("org_id", ""),
        r.decimal("rate", 0, -1, Double.MAX_VALUE),
        r.decimal("per", 0, -1, Double.MAX_VALUE),
        r.integer("quota_max", 0, Long.MIN_VALUE, Long.MAX_VALUE),
        r.integer("quota_renewal_rate", 0, Long.MIN_VALUE, Long.MAX_VALUE),
        r.decimal("throttle_interval", 0, -Double.MAX_VALUE, Double.MAX_VALUE),
        r.integer("throttle_retry_limit", 0, Long.MIN_VALUE, Long.MAX_VALUE),
        r.integer("max_query_depth", 0, Long.MIN_VALUE, Long.MAX_VALUE),
        rights,
        r.bool("hmac_enabled", false),
        r.bool("active", false),
        r.bool("is_inactive", false),
        r.strings("tags"),
        r.integer("key_expires_in", 0, Long.MIN_VALUE, Long.MAX_VALUE),
        new Partitions(p.bool("quota", false), p.bool("rate_limit", false), p.bool("complexity", false),
            p.bool("acl", false), p.bool("per_api", false)),
        r.object("meta_data").copy(),
        json);
  }
}
