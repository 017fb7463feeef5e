package dev.coproxy.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.config.ConfigException;
import dev.coproxy.proto.AccessDefinition;
import dev.coproxy.proto.SessionState;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Tyk session JSON to the proto SessionState plugins receive, and back. */
class SessionMapperTest {

  private static JsonObject fullSession() {
    return new JsonObject("""
        {
          "last_check": 1700000001,
          "allowance": 7.5,
          "rate": 100,
          "per": 60,
          "expires": 1900000000,
          "quota_max": 1000,
          "quota_renews": 1700003600,
          "quota_remaining": 990,
          "quota_renewal_rate": 3600,
          "access_rights": {
            "api1": {"api_name": "One", "api_id": "api1", "versions": ["Default", "v2"],
                     "allowed_urls": [{"url": "/users", "methods": ["GET", "POST"]}, {"url": "/admin/.*", "methods": []}]},
            "api2": {"api_name": "Two", "api_id": "api2", "versions": [], "allowed_urls": []}
          },
          "org_id": "org1",
          "oauth_client_id": "client-7",
          "oauth_keys": {"client-7": "token-7"},
          "basic_auth_data": {"password": "secret-pw", "hash_type": "bcrypt"},
          "jwt_data": {"secret": "jwt-secret"},
          "hmac_enabled": true,
          "hmac_string": "hmac-secret",
          "is_inactive": true,
          "apply_policy_id": "pol-legacy",
          "data_expires": 86400,
          "monitor": {"trigger_limits": [80.0, 95.5]},
          "enable_detailed_recording": true,
          "meta_data": {"user": "alice"},
          "tags": ["gold", "eu"],
          "alias": "alice-key",
          "last_updated": "1700000000",
          "id_extractor_deadline": 1700000500,
          "session_lifetime": 3600,
          "apply_policies": ["pol-a", "pol-b"],
          "certificate": "cert-id",
          "max_query_depth": 5,
          "key_id": "key-1",
          "post_expiry_action": "retain",
          "post_expiry_grace_period": -1
        }
        """);
  }

  @Test
  void everyFieldReachesTheProto() {
    SessionState s = SessionMapper.toProto(fullSession());
    assertEquals(1700000001L, s.getLastCheck());
    assertEquals(7.5, s.getAllowance());
    assertEquals(100.0, s.getRate());
    assertEquals(60.0, s.getPer());
    assertEquals(1900000000L, s.getExpires());
    assertEquals(1000L, s.getQuotaMax());
    assertEquals(1700003600L, s.getQuotaRenews());
    assertEquals(990L, s.getQuotaRemaining());
    assertEquals(3600L, s.getQuotaRenewalRate());
    AccessDefinition api1 = s.getAccessRightsMap().get("api1");
    assertEquals("One", api1.getApiName());
    assertEquals("api1", api1.getApiId());
    assertEquals(List.of("Default", "v2"), api1.getVersionsList());
    // Tyk's converter prefixes N empty entries (a bug, reference 8.4); we keep exactly the real ones.
    assertEquals(2, api1.getAllowedUrlsCount());
    assertEquals("/users", api1.getAllowedUrls(0).getUrl());
    assertEquals(List.of("GET", "POST"), api1.getAllowedUrls(0).getMethodsList());
    assertEquals(2, s.getAccessRightsCount());
    assertEquals("org1", s.getOrgId());
    assertEquals("client-7", s.getOauthClientId());
    assertEquals(Map.of("client-7", "token-7"), s.getOauthKeysMap());
    assertEquals("secret-pw", s.getBasicAuthData().getPassword());
    assertEquals("bcrypt", s.getBasicAuthData().getHash());
    assertEquals("jwt-secret", s.getJwtData().getSecret());
    assertTrue(s.getHmacEnabled());
    assertEquals("hmac-secret", s.getHmacSecret());
    assertTrue(s.getIsInactive());
    assertEquals("pol-legacy", s.getApplyPolicyId());
    assertEquals(86400L, s.getDataExpires());
    assertEquals(List.of(80.0, 95.5), s.getMonitor().getTriggerLimitsList());
    assertTrue(s.getEnableDetailedRecording());
    assertEquals(Map.of("user", "alice"), s.getMetadataMap());
    assertEquals(List.of("gold", "eu"), s.getTagsList());
    assertEquals("alice-key", s.getAlias());
    assertEquals("1700000000", s.getLastUpdated());
    assertEquals(1700000500L, s.getIdExtractorDeadline());
    assertEquals(3600L, s.getSessionLifetime());
    assertEquals(List.of("pol-a", "pol-b"), s.getApplyPoliciesList());
    assertEquals("cert-id", s.getCertificate());
    assertEquals(5L, s.getMaxQueryDepth());
    assertEquals("key-1", s.getKeyId());
    assertEquals("retain", s.getPostExpiryAction());
    assertEquals(-1L, s.getPostExpiryGracePeriod());
  }

  @Test
  void roundTripKeepsEveryField() {
    JsonObject original = fullSession();
    JsonObject back = SessionMapper.toJson(SessionMapper.toProto(original.copy()));
    for (String field : original.fieldNames()) {
      assertTrue(back.containsKey(field), "lost " + field);
      assertSameJson(field, original.getValue(field), back.getValue(field));
    }
  }

  @Test
  void roundTripThroughTheWireKeepsEveryField() throws Exception {
    JsonObject original = fullSession();
    SessionState parsed = SessionState.parseFrom(SessionMapper.toProto(original).toByteArray());
    JsonObject back = SessionMapper.toJson(parsed);
    for (String field : original.fieldNames()) {
      assertSameJson(field, original.getValue(field), back.getValue(field));
    }
  }

  @Test
  void nonStringMetadataTravelsAsJsonText() {
    JsonObject json = new JsonObject().put("meta_data", new JsonObject()
        .put("text", "plain")
        .put("count", 5)
        .put("ratio", 0.5)
        .put("flag", true)
        .put("nested", new JsonObject().put("nestedkey", "nestedvalue"))
        .put("list", new JsonArray().add(1).add("two")));
    Map<String, String> metadata = SessionMapper.toProto(json).getMetadataMap();
    assertEquals("plain", metadata.get("text"));
    assertEquals("5", metadata.get("count"));
    assertEquals("0.5", metadata.get("ratio"));
    assertEquals("true", metadata.get("flag"));
    assertEquals("{\"nestedkey\":\"nestedvalue\"}", metadata.get("nested"));
    assertEquals("[1,\"two\"]", metadata.get("list"));
    // Back in JSON they stay the strings a plugin saw.
    JsonObject back = SessionMapper.toJson(SessionMapper.toProto(json)).getJsonObject("meta_data");
    assertEquals("{\"nestedkey\":\"nestedvalue\"}", back.getString("nested"));
    assertEquals("5", back.getString("count"));
  }

  @Test
  void emptySessionHasTheAlwaysPresentSubMessagesAndZeroDefaults() {
    SessionState s = SessionMapper.toProto(new JsonObject());
    assertTrue(s.hasBasicAuthData());
    assertTrue(s.hasJwtData());
    assertTrue(s.hasMonitor());
    assertEquals(0L, s.getQuotaMax());
    assertEquals("", s.getOrgId());
    assertEquals(0, s.getAccessRightsCount());
    JsonObject back = SessionMapper.toJson(s);
    assertEquals(new JsonObject(), back.getJsonObject("access_rights"));
    assertEquals(new JsonObject(), back.getJsonObject("meta_data"));
    assertEquals(0L, back.getLong("expires"));
  }

  @Test
  void legacyDetailRecordingFlagCounts() {
    assertTrue(SessionMapper.toProto(new JsonObject().put("enable_detail_recording", true)).getEnableDetailedRecording());
  }

  @Test
  void aSessionTheGatewayApiAcceptsAlwaysConverts() {
    // Session.parse (the Gateway API's check) takes numbers written as strings; the mapper must too.
    JsonObject json = new JsonObject().put("rate", "5").put("per", "60").put("expires", "1900000000")
        .put("quota_max", "10").put("is_inactive", "true").put("session_lifetime", "30");
    Session session = Session.parse(json);
    SessionState s = SessionMapper.toProto(session.json());
    assertEquals(5.0, s.getRate());
    assertEquals(60.0, s.getPer());
    assertEquals(1900000000L, s.getExpires());
    assertEquals(10L, s.getQuotaMax());
    assertTrue(s.getIsInactive());
    assertEquals(30L, s.getSessionLifetime());
  }

  @Test
  void aSessionThatCannotConvertIsRefusedNamingTheField() {
    Map<String, JsonObject> bad = Map.of(
        "last_check", new JsonObject().put("last_check", "yesterday"),
        "allowance", new JsonObject().put("allowance", new JsonArray()),
        "hmac_enabled", new JsonObject().put("hmac_enabled", "maybe"),
        "monitor.trigger_limits", new JsonObject().put("monitor", new JsonObject().put("trigger_limits", new JsonArray().add("x"))),
        "access_rights.a.allowed_urls", new JsonObject().put("access_rights", new JsonObject()
            .put("a", new JsonObject().put("allowed_urls", new JsonArray().add("not-an-object")))),
        "apply_policies", new JsonObject().put("apply_policies", new JsonArray().add(new JsonObject())),
        "basic_auth_data", new JsonObject().put("basic_auth_data", "pw"));
    bad.forEach((field, json) -> {
      ConfigException e = assertThrows(ConfigException.class, () -> Session.parse(json), field);
      assertEquals(field, e.key());
      assertThrows(ConfigException.class, () -> SessionMapper.toProto(json), field);
    });
  }

  private static void assertSameJson(String field, Object expected, Object actual) {
    if (expected instanceof Number e && actual instanceof Number a) {
      assertEquals(e.doubleValue(), a.doubleValue(), field);
    } else if (expected instanceof JsonObject e && actual instanceof JsonObject a) {
      assertEquals(e.fieldNames(), a.fieldNames(), field);
      for (String key : e.fieldNames()) {
        assertSameJson(field + "." + key, e.getValue(key), a.getValue(key));
      }
    } else if (expected instanceof JsonArray e && actual instanceof JsonArray a) {
      assertEquals(e.size(), a.size(), field);
      for (int i = 0; i < e.size(); i++) {
        assertSameJson(field + "[" + i + "]", e.getValue(i), a.getValue(i));
      }
    } else {
      assertEquals(expected, actual, field);
    }
  }
}
