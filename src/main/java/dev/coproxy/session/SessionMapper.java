package dev.coproxy.session;

import dev.coproxy.config.ConfigException;
import dev.coproxy.config.JsonReader;
import dev.coproxy.proto.AccessDefinition;
import dev.coproxy.proto.AccessSpec;
import dev.coproxy.proto.BasicAuthData;
import dev.coproxy.proto.JWTData;
import dev.coproxy.proto.Monitor;
import dev.coproxy.proto.SessionState;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * Converts between Tyk's session JSON (as stored and served by the Gateway API) and the protobuf
 * {@code SessionState} that plugins receive. Metadata values that are not strings travel as JSON
 * text, as in Tyk; the sub-messages basic_auth_data, jwt_data and monitor are always present.
 */
public final class SessionMapper {

  private SessionMapper() {
  }

  /**
   * The proto form of a stored session. Values are read as {@link Session#parse} reads them
   * (numbers may be written as strings), so every session the Gateway API accepted converts.
   *
   * @throws ConfigException naming the first field of a type that cannot convert
   */
  public static SessionState toProto(JsonObject json) {
    JsonReader r = new JsonReader(json);
    SessionState.Builder b = SessionState.newBuilder()
        .setLastCheck(whole(r, "last_check"))
        .setAllowance(number(r, "allowance"))
        .setRate(number(r, "rate"))
        .setPer(number(r, "per"))
        .setExpires(whole(r, "expires"))
        .setQuotaMax(whole(r, "quota_max"))
        .setQuotaRenews(whole(r, "quota_renews"))
        .setQuotaRemaining(whole(r, "quota_remaining"))
        .setQuotaRenewalRate(whole(r, "quota_renewal_rate"))
        .setOrgId(r.string("org_id", ""))
        .setOauthClientId(r.string("oauth_client_id", ""))
        .setHmacEnabled(r.bool("hmac_enabled", false))
        .setHmacSecret(r.string("hmac_string", ""))
        .setIsInactive(r.bool("is_inactive", false))
        .setApplyPolicyId(r.string("apply_policy_id", ""))
        .setDataExpires(whole(r, "data_expires"))
        .setEnableDetailedRecording(r.bool("enable_detailed_recording", false)
            || r.bool("enable_detail_recording", false))
        .setAlias(r.string("alias", ""))
        .setLastUpdated(r.string("last_updated", ""))
        .setIdExtractorDeadline(whole(r, "id_extractor_deadline"))
        .setSessionLifetime(whole(r, "session_lifetime"))
        .setCertificate(r.string("certificate", ""))
        .setMaxQueryDepth(whole(r, "max_query_depth"))
        .setKeyId(r.string("key_id", ""))
        .setPostExpiryAction(r.string("post_expiry_action", ""))
        .setPostExpiryGracePeriod(whole(r, "post_expiry_grace_period"));
    JsonReader basic = r.child("basic_auth_data");
    b.setBasicAuthData(BasicAuthData.newBuilder()
        .setPassword(basic.string("password", "")).setHash(basic.string("hash_type", basic.string("hash", ""))));
    b.setJwtData(JWTData.newBuilder().setSecret(r.child("jwt_data").string("secret", "")));
    Monitor.Builder monitor = Monitor.newBuilder();
    for (Object limit : list(r.object("monitor"), "trigger_limits", "monitor.trigger_limits")) {
      if (!(limit instanceof Number n)) {
        throw new ConfigException("monitor.trigger_limits", "must be a list of numbers");
      }
      monitor.addTriggerLimits(n.doubleValue());
    }
    b.setMonitor(monitor);
    JsonReader rights = r.child("access_rights");
    for (String apiId : r.object("access_rights").fieldNames()) {
      b.putAccessRights(apiId, accessDefinition(rights, apiId));
    }
    JsonReader oauthKeys = r.child("oauth_keys");
    r.object("oauth_keys").fieldNames().forEach(k -> b.putOauthKeys(k, oauthKeys.string(k, "")));
    r.object("meta_data").forEach(e -> b.putMetadata(e.getKey(), metadataValue(e.getValue())));
    b.addAllTags(r.strings("tags"));
    b.addAllApplyPolicies(r.strings("apply_policies"));
    return b.build();
  }

  /** The Tyk JSON form of a proto session. */
  public static JsonObject toJson(SessionState s) {
    JsonObject rights = new JsonObject();
    for (Map.Entry<String, AccessDefinition> e : s.getAccessRightsMap().entrySet()) {
      AccessDefinition d = e.getValue();
      JsonArray urls = new JsonArray();
      for (AccessSpec spec : d.getAllowedUrlsList()) {
        urls.add(new JsonObject().put("url", spec.getUrl()).put("methods", new JsonArray(spec.getMethodsList())));
      }
      rights.put(e.getKey(), new JsonObject().put("api_name", d.getApiName()).put("api_id", d.getApiId())
          .put("versions", new JsonArray(d.getVersionsList())).put("allowed_urls", urls));
    }
    return new JsonObject()
        .put("last_check", s.getLastCheck())
        .put("allowance", s.getAllowance())
        .put("rate", s.getRate())
        .put("per", s.getPer())
        .put("expires", s.getExpires())
        .put("quota_max", s.getQuotaMax())
        .put("quota_renews", s.getQuotaRenews())
        .put("quota_remaining", s.getQuotaRemaining())
        .put("quota_renewal_rate", s.getQuotaRenewalRate())
        .put("access_rights", rights)
        .put("org_id", s.getOrgId())
        .put("oauth_client_id", s.getOauthClientId())
        .put("oauth_keys", new JsonObject(Map.copyOf(s.getOauthKeysMap())))
        .put("basic_auth_data", new JsonObject().put("password", s.getBasicAuthData().getPassword())
            .put("hash_type", s.getBasicAuthData().getHash()))
        .put("jwt_data", new JsonObject().put("secret", s.getJwtData().getSecret()))
        .put("hmac_enabled", s.getHmacEnabled())
        .put("hmac_string", s.getHmacSecret())
        .put("is_inactive", s.getIsInactive())
        .put("apply_policy_id", s.getApplyPolicyId())
        .put("data_expires", s.getDataExpires())
        .put("monitor", new JsonObject().put("trigger_limits", new JsonArray(s.getMonitor().getTriggerLimitsList())))
        .put("enable_detailed_recording", s.getEnableDetailedRecording())
        .put("meta_data", new JsonObject(Map.copyOf(s.getMetadataMap())))
        .put("tags", new JsonArray(s.getTagsList()))
        .put("alias", s.getAlias())
        .put("last_updated", s.getLastUpdated())
        .put("id_extractor_deadline", s.getIdExtractorDeadline())
        .put("session_lifetime", s.getSessionLifetime())
        .put("apply_policies", new JsonArray(s.getApplyPoliciesList()))
        .put("certificate", s.getCertificate())
        .put("max_query_depth", s.getMaxQueryDepth())
        .put("key_id", s.getKeyId())
        .put("post_expiry_action", s.getPostExpiryAction())
        .put("post_expiry_grace_period", s.getPostExpiryGracePeriod());
  }

  private static AccessDefinition accessDefinition(JsonReader rights, String apiId) {
    JsonObject json = rights.object(apiId);
    JsonReader r = new JsonReader(json, rights.path(apiId));
    AccessDefinition.Builder d = AccessDefinition.newBuilder()
        .setApiName(r.string("api_name", ""))
        .setApiId(r.string("api_id", ""))
        .addAllVersions(r.strings("versions"));
    for (Object url : list(json, "allowed_urls", r.path("allowed_urls"))) {
      if (!(url instanceof JsonObject u)) {
        throw new ConfigException(r.path("allowed_urls"), "must be a list of objects");
      }
      JsonReader spec = new JsonReader(u, r.path("allowed_urls"));
      d.addAllowedUrls(AccessSpec.newBuilder().setUrl(spec.string("url", "")).addAllMethods(spec.strings("methods")));
    }
    return d.build();
  }

  private static long whole(JsonReader r, String key) {
    return r.integer(key, 0, Long.MIN_VALUE, Long.MAX_VALUE);
  }

  private static double number(JsonReader r, String key) {
    return r.decimal(key, 0, -Double.MAX_VALUE, Double.MAX_VALUE);
  }

  /** The list under {@code key} (whose dotted path is {@code path}), empty when absent. */
  private static JsonArray list(JsonObject json, String key, String path) {
    Object value = json.getValue(key);
    if (value == null) {
      return new JsonArray();
    }
    if (!(value instanceof JsonArray a)) {
      throw new ConfigException(path, "must be a list");
    }
    return a;
  }

  private static String metadataValue(Object value) {
    if (value instanceof String s) {
      return s;
    }
    if (value instanceof JsonObject o) {
      return o.encode();
    }
    if (value instanceof JsonArray a) {
      return a.encode();
    }
    return String.valueOf(value);
  }
}
