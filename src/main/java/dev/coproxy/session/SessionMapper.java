package dev.coproxy.session;

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

  /** The proto form of a stored session. */
  public static SessionState toProto(JsonObject json) {
    SessionState.Builder b = SessionState.newBuilder()
        .setLastCheck(json.getLong("last_check", 0L))
        .setAllowance(json.getDouble("allowance", 0d))
        .setRate(json.getDouble("rate", 0d))
        .setPer(json.getDouble("per", 0d))
        .setExpires(json.getLong("expires", 0L))
        .setQuotaMax(json.getLong("quota_max", 0L))
        .setQuotaRenews(json.getLong("quota_renews", 0L))
        .setQuotaRemaining(json.getLong("quota_remaining", 0L))
        .setQuotaRenewalRate(json.getLong("quota_renewal_rate", 0L))
        .setOrgId(json.getString("org_id", ""))
        .setOauthClientId(json.getString("oauth_client_id", ""))
        .setHmacEnabled(json.getBoolean("hmac_enabled", false))
        .setHmacSecret(json.getString("hmac_string", ""))
        .setIsInactive(json.getBoolean("is_inactive", false))
        .setApplyPolicyId(json.getString("apply_policy_id", ""))
        .setDataExpires(json.getLong("data_expires", 0L))
        .setEnableDetailedRecording(json.getBoolean("enable_detailed_recording", false)
            || json.getBoolean("enable_detail_recording", false))
        .setAlias(json.getString("alias", ""))
        .setLastUpdated(json.getString("last_updated", ""))
        .setIdExtractorDeadline(json.getLong("id_extractor_deadline", 0L))
        .setSessionLifetime(json.getLong("session_lifetime", 0L))
        .setCertificate(json.getString("certificate", ""))
        .setMaxQueryDepth(json.getLong("max_query_depth", 0L))
        .setKeyId(json.getString("key_id", ""))
        .setPostExpiryAction(json.getString("post_expiry_action", ""))
        .setPostExpiryGracePeriod(json.getLong("post_expiry_grace_period", 0L));
    JsonObject basic = json.getJsonObject("basic_auth_data", new JsonObject());
    b.setBasicAuthData(BasicAuthData.newBuilder()
        .setPassword(basic.getString("password", "")).setHash(basic.getString("hash_type", basic.getString("hash", ""))));
    b.setJwtData(JWTData.newBuilder().setSecret(json.getJsonObject("jwt_data", new JsonObject()).getString("secret", "")));
    Monitor.Builder monitor = Monitor.newBuilder();
    for (Object limit : json.getJsonObject("monitor", new JsonObject()).getJsonArray("trigger_limits", new JsonArray())) {
      monitor.addTriggerLimits(((Number) limit).doubleValue());
    }
    b.setMonitor(monitor);
    JsonObject rights = json.getJsonObject("access_rights", new JsonObject());
    for (String apiId : rights.fieldNames()) {
      b.putAccessRights(apiId, accessDefinition(rights.getJsonObject(apiId)));
    }
    json.getJsonObject("oauth_keys", new JsonObject()).forEach(e -> b.putOauthKeys(e.getKey(), String.valueOf(e.getValue())));
    json.getJsonObject("meta_data", new JsonObject()).forEach(e -> b.putMetadata(e.getKey(), metadataValue(e.getValue())));
    json.getJsonArray("tags", new JsonArray()).forEach(t -> b.addTags(String.valueOf(t)));
    json.getJsonArray("apply_policies", new JsonArray()).forEach(p -> b.addApplyPolicies(String.valueOf(p)));
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

  private static AccessDefinition accessDefinition(JsonObject json) {
    AccessDefinition.Builder d = AccessDefinition.newBuilder()
        .setApiName(json.getString("api_name", ""))
        .setApiId(json.getString("api_id", ""));
    json.getJsonArray("versions", new JsonArray()).forEach(v -> d.addVersions(String.valueOf(v)));
    for (Object url : json.getJsonArray("allowed_urls", new JsonArray())) {
      if (url instanceof JsonObject u) {
        AccessSpec.Builder spec = AccessSpec.newBuilder().setUrl(u.getString("url", ""));
        u.getJsonArray("methods", new JsonArray()).forEach(m -> spec.addMethods(String.valueOf(m)));
        d.addAllowedUrls(spec);
      }
    }
    return d.build();
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
