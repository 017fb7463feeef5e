package dev.coproxy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.session.KeyHasher;
import dev.coproxy.testing.Apis;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.TestGateway.Reply;
import dev.coproxy.testing.Upstream;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Gateway API's {@code /tyk/keys} against real gateways: plain keys, hashed keys (legacy
 * murmur32 and a configured hash function), the secret, and bad input, which is always a 400 with
 * a message, never a 500.
 */
class KeysApiIT {

  private static final AtomicInteger KEYS = new AtomicInteger();
  private static TestGateway plain;
  private static TestGateway hashed;
  private static TestGateway hashedJson;
  private static Upstream upstream;

  @BeforeAll
  static void start() throws Exception {
    plain = TestGateway.start(new JsonObject().put("min_token_length", 6), Map.of());
    hashed = TestGateway.start(new JsonObject().put("hash_keys", true).put("enable_hashed_keys_listing", true), Map.of());
    hashedJson = TestGateway.start(new JsonObject().put("hash_keys", true).put("hash_key_function", "murmur64")
        .put("enable_hashed_keys_listing", true), Map.of());
    upstream = Upstream.start(plain.vertx);
    for (TestGateway gw : List.of(plain, hashed, hashedJson)) {
      gw.writeApi("protected.json", Apis.protectedApi("protected", "/p/", upstream.url("/")));
      assertEquals(1, gw.reload().getInteger("loaded"));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {upstream, plain, hashed, hashedJson}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @Test
  void generatedKeyWorksOnAProtectedApi() throws Exception {
    Reply created = plain.admin(HttpMethod.POST, "/tyk/keys", session().encode());
    assertEquals(200, created.status(), created.text());
    JsonObject answer = created.json();
    assertEquals("ok", answer.getString("status"));
    assertEquals("added", answer.getString("action"));
    String key = answer.getString("key");
    assertTrue(key.matches("test-org[0-9a-f]{32}"), key);
    assertFalse(answer.containsKey("key_hash"), "no hash without hash_keys");
    assertEquals(200, call(plain, key).status());
    // Tyk's other path for generated keys.
    String other = plain.admin(HttpMethod.POST, "/tyk/keys/create", session().encode()).json().getString("key");
    assertEquals(200, call(plain, other).status());
  }

  @Test
  void customKeyMustBeAtLeastMinTokenLength() throws Exception {
    Reply tooShort = plain.admin(HttpMethod.POST, "/tyk/keys/abcde", session().encode());
    assertError(400, tooShort);
    assertTrue(tooShort.json().getString("message").contains("min_token_length"), tooShort.text());
    assertEquals(403, call(plain, "abcde").status());

    String key = "custom-" + KEYS.incrementAndGet();
    Reply created = plain.admin(HttpMethod.POST, "/tyk/keys/" + key, session().encode());
    assertEquals(200, created.status(), created.text());
    assertEquals(key, created.json().getString("key"));
    assertEquals(200, call(plain, key).status());
  }

  @Test
  void creatingAnExistingCustomKeyAgainIsRefused() throws Exception {
    String key = newKey(plain, session());
    assertError(409, plain.admin(HttpMethod.POST, "/tyk/keys/" + key, session().put("is_inactive", true).encode()));
    assertEquals(200, call(plain, key).status(), "the existing key is unchanged");
  }

  @Test
  void getShowsTheSessionWithLiveQuota() throws Exception {
    String key = newKey(plain, session().put("rate", 50).put("per", 10).put("quota_max", 3).put("quota_renewal_rate", 3600)
        .put("meta_data", new JsonObject().put("user", "alice")));
    JsonObject fresh = plain.admin(HttpMethod.GET, "/tyk/keys/" + key, null).json();
    assertEquals(3, fresh.getLong("quota_remaining"));
    assertEquals(50, fresh.getInteger("rate"));
    assertEquals("alice", fresh.getJsonObject("meta_data").getString("user"));
    assertEquals("test-org", fresh.getString("org_id"));
    assertTrue(fresh.getJsonObject("access_rights").containsKey("protected"));
    assertEquals(200, call(plain, key).status());
    JsonObject used = plain.admin(HttpMethod.GET, "/tyk/keys/" + key, null).json();
    assertEquals(2, used.getLong("quota_remaining"));
    long renews = used.getLong("quota_renews");
    long now = System.currentTimeMillis() / 1000;
    assertTrue(renews > now + 3500 && renews <= now + 3601, "quota_renews " + renews + " is about an hour from now");
  }

  @Test
  void getOfAnUnknownKeyIs404() throws Exception {
    assertError(404, plain.admin(HttpMethod.GET, "/tyk/keys/no-such-key", null));
  }

  @Test
  void putModifiesTheKeyAndUnknownKeysAre404() throws Exception {
    String key = newKey(plain, session());
    assertEquals(200, call(plain, key).status());
    Reply modified = plain.admin(HttpMethod.PUT, "/tyk/keys/" + key, session().put("is_inactive", true).encode());
    assertEquals(200, modified.status(), modified.text());
    assertEquals(new JsonObject().put("key", key).put("status", "ok").put("action", "modified"), modified.json());
    assertEquals(403, call(plain, key).status());
    assertEquals("Key is inactive, please renew", call(plain, key).json().getString("error"));
    assertError(404, plain.admin(HttpMethod.PUT, "/tyk/keys/no-such-key-" + KEYS.incrementAndGet(), session().encode()));
  }

  @Test
  void putResetsTheQuotaUnlessSuppressResetIsSet() throws Exception {
    JsonObject limited = session().put("quota_max", 2).put("quota_renewal_rate", 3600);
    String key = newKey(plain, limited);
    assertEquals(200, call(plain, key).status());
    assertEquals(200, call(plain, key).status());
    assertEquals(403, call(plain, key).status());

    assertEquals(200, plain.admin(HttpMethod.PUT, "/tyk/keys/" + key + "?suppress_reset=1", limited.encode()).status());
    assertEquals(0, plain.admin(HttpMethod.GET, "/tyk/keys/" + key, null).json().getLong("quota_remaining"));
    assertEquals("Quota exceeded", call(plain, key).json().getString("error"));

    assertEquals(200, plain.admin(HttpMethod.PUT, "/tyk/keys/" + key, limited.encode()).status());
    assertEquals(2, plain.admin(HttpMethod.GET, "/tyk/keys/" + key, null).json().getLong("quota_remaining"));
    assertEquals(200, call(plain, key).status());
  }

  @Test
  void deletedKeyIsRefusedAfterwards() throws Exception {
    String key = newKey(plain, session());
    assertEquals(200, call(plain, key).status());
    Reply deleted = plain.admin(HttpMethod.DELETE, "/tyk/keys/" + key, null);
    assertEquals(200, deleted.status(), deleted.text());
    assertEquals(new JsonObject().put("key", key).put("status", "ok").put("action", "deleted"), deleted.json());
    Reply refused = call(plain, key);
    assertEquals(403, refused.status());
    assertEquals("Access to this API has been disallowed", refused.json().getString("error"));
    assertError(404, plain.admin(HttpMethod.GET, "/tyk/keys/" + key, null));
    assertError(404, plain.admin(HttpMethod.DELETE, "/tyk/keys/" + key, null));
    assertFalse(keys(plain).contains(key));
  }

  @Test
  void listShowsTheKeys() throws Exception {
    String a = newKey(plain, session());
    String b = newKey(plain, session());
    List<Object> listed = keys(plain);
    assertTrue(listed.contains(a) && listed.contains(b), listed.toString());
  }

  @Test
  void hashedKeysAreStoredAndListedUnderTheirHash() throws Exception {
    Reply created = hashed.admin(HttpMethod.POST, "/tyk/keys/hello-key", session().encode());
    assertEquals(200, created.status(), created.text());
    assertEquals("hello-key", created.json().getString("key"));
    // murmur32 of "hello-key", as Tyk stores it.
    assertEquals("77e4349c", created.json().getString("key_hash"));
    List<Object> listed = keys(hashed);
    assertTrue(listed.contains("77e4349c"), listed.toString());
    assertFalse(listed.contains("hello-key"), "the key itself is never listed");

    assertEquals(200, call(hashed, "hello-key").status());
    assertEquals(200, hashed.admin(HttpMethod.GET, "/tyk/keys/hello-key", null).status());
    assertEquals(200, hashed.admin(HttpMethod.GET, "/tyk/keys/77e4349c?hashed=true", null).status());
    assertError(404, hashed.admin(HttpMethod.GET, "/tyk/keys/77e4349c", null));

    assertEquals(200, hashed.admin(HttpMethod.PUT, "/tyk/keys/77e4349c?hashed=true", session().put("is_inactive", true).encode()).status());
    assertEquals(403, call(hashed, "hello-key").status());
    assertEquals(200, hashed.admin(HttpMethod.DELETE, "/tyk/keys/77e4349c?hashed=true", null).status());
    assertEquals("Access to this API has been disallowed", call(hashed, "hello-key").json().getString("error"));
    assertFalse(keys(hashed).contains("77e4349c"));
  }

  @Test
  void generatedHashedKeyAnswersWithItsHash() throws Exception {
    JsonObject answer = hashed.admin(HttpMethod.POST, "/tyk/keys", session().encode()).json();
    String key = answer.getString("key");
    assertEquals(KeyHasher.hash(key, "murmur32"), answer.getString("key_hash"));
    assertTrue(keys(hashed).contains(answer.getString("key_hash")));
    assertEquals(200, call(hashed, key).status());
  }

  @Test
  void hashedKeyListingIsOffUnlessEnabledAsInTyk() throws Exception {
    try (TestGateway quiet = TestGateway.start(new JsonObject().put("hash_keys", true), Map.of())) {
      Reply listed = quiet.admin(HttpMethod.GET, "/tyk/keys", null);
      assertEquals(404, listed.status(), listed.text());
      assertTrue(listed.text().contains("enable_hashed_keys_listing"), listed.text());
    }
  }

  @Test
  void hashKeyFunctionGivesBase64JsonKeysHashedWithIt() throws Exception {
    Reply created = hashedJson.admin(HttpMethod.POST, "/tyk/keys", session().encode());
    assertEquals(200, created.status(), created.text());
    String key = created.json().getString("key");
    JsonObject inside = new JsonObject(new String(Base64.getDecoder().decode(key), StandardCharsets.UTF_8));
    assertEquals("test-org", inside.getString("org"));
    assertEquals("murmur64", inside.getString("h"));
    assertTrue(inside.getString("id").matches("[0-9a-f]{32}"), inside.encode());
    String hash = created.json().getString("key_hash");
    assertEquals(KeyHasher.hash(key, "murmur64"), hash);
    assertTrue(hash.matches("[0-9a-f]{16}"), hash);
    assertTrue(keys(hashedJson).contains(hash));
    assertEquals(200, call(hashedJson, key).status());
    assertEquals(200, hashedJson.admin(HttpMethod.GET, "/tyk/keys/" + key, null).status());
    assertEquals(200, hashedJson.admin(HttpMethod.GET, "/tyk/keys/" + hash + "?hashed=true", null).status());
  }

  @Test
  void wrongOrMissingSecretIs403() throws Exception {
    for (String uri : List.of("/tyk/keys", "/tyk/keys/anything", "/tyk/apis", "/tyk/reload", "/tyk/reload/group")) {
      Reply wrong = plain.call(plain.gateway.controlPort(), HttpMethod.GET, uri, Map.of("x-tyk-authorization", "wrong"), null);
      assertError(403, wrong);
      Reply missing = plain.call(plain.gateway.controlPort(), HttpMethod.GET, uri, Map.of(), null);
      assertError(403, missing);
    }
    String key = "never-created-" + KEYS.incrementAndGet();
    assertError(403, plain.call(plain.gateway.controlPort(), HttpMethod.POST, "/tyk/keys/" + key,
        Map.of("x-tyk-authorization", TestGateway.SECRET + "x"), session().encode()));
    assertEquals(403, call(plain, key).status(), "a refused call created nothing");
  }

  @Test
  void emptySecretRefusesEveryCall() throws Exception {
    try (TestGateway open = TestGateway.start(new JsonObject().put("secret", ""), Map.of())) {
      for (String uri : List.of("/tyk/keys", "/tyk/apis", "/tyk/reload", "/tyk/reload/group", "/tyk/keys/abcdef")) {
        assertError(403, open.call(open.gateway.controlPort(), HttpMethod.GET, uri, Map.of("x-tyk-authorization", ""), null));
        assertError(403, open.call(open.gateway.controlPort(), HttpMethod.GET, uri, Map.of(), null));
      }
      assertError(403, open.call(open.gateway.controlPort(), HttpMethod.POST, "/tyk/keys", Map.of("x-tyk-authorization", ""), session().encode()));
      assertEquals(200, open.call(open.gateway.controlPort(), HttpMethod.GET, "/hello", Map.of(), null).status());
    }
  }

  @Test
  void badBodiesAre400WithAMessage() throws Exception {
    String existing = newKey(plain, session());
    Map<String, String> bodies = Map.of(
        "not json", "{\"rate\": ",
        "array", "[{\"rate\": 1}]",
        "empty", "",
        "blank", "  ",
        "null", "null",
        "string", "\"key\"");
    for (Map.Entry<String, String> body : bodies.entrySet()) {
      assertError(400, plain.admin(HttpMethod.POST, "/tyk/keys", body.getValue()), body.getKey());
      assertError(400, plain.admin(HttpMethod.POST, "/tyk/keys/custom-bad-body", body.getValue()), body.getKey());
      assertError(400, plain.admin(HttpMethod.PUT, "/tyk/keys/" + existing, body.getValue()), body.getKey());
    }
    assertError(400, plain.admin(HttpMethod.POST, "/tyk/keys", null), "no body at all");
    assertEquals(200, call(plain, existing).status(), "a refused PUT left the key as it was");
  }

  @Test
  void wronglyTypedFieldsAre400NamingTheField() throws Exception {
    String existing = newKey(plain, session());
    Map<String, Object> bad = Map.ofEntries(
        Map.entry("rate", "fast"),
        Map.entry("per", new JsonObject()),
        Map.entry("expires", "soon"),
        Map.entry("quota_max", 1.5),
        Map.entry("quota_renewal_rate", "hourly"),
        Map.entry("is_inactive", "yes"),
        Map.entry("access_rights", new JsonArray().add("protected")),
        Map.entry("meta_data", "user=alice"),
        Map.entry("tags", new JsonArray().add(1)),
        Map.entry("org_id", new JsonObject()),
        Map.entry("session_lifetime", "forever"),
        Map.entry("last_check", "yesterday"));
    for (Map.Entry<String, Object> field : bad.entrySet()) {
      String body = session().put(field.getKey(), field.getValue()).encode();
      Reply created = plain.admin(HttpMethod.POST, "/tyk/keys", body);
      assertError(400, created, field.getKey());
      assertTrue(created.json().getString("message").contains(field.getKey()), created.text());
      assertError(400, plain.admin(HttpMethod.PUT, "/tyk/keys/" + existing, body), field.getKey());
    }
    Reply nestedRights = plain.admin(HttpMethod.POST, "/tyk/keys",
        session().put("access_rights", new JsonObject().put("protected", "all")).encode());
    assertError(400, nestedRights, "access_rights.protected");
    assertTrue(nestedRights.json().getString("message").contains("access_rights.protected"), nestedRights.text());
    assertEquals(200, call(plain, existing).status());
  }

  private static JsonObject session() {
    return new JsonObject()
        .put("org_id", "test-org")
        .put("access_rights", new JsonObject().put("protected",
            new JsonObject().put("api_id", "protected").put("api_name", "protected").put("versions", new JsonArray().add("Default"))));
  }

  private static String newKey(TestGateway gw, JsonObject session) throws Exception {
    String key = "key-" + KEYS.incrementAndGet() + "-" + System.nanoTime();
    Reply created = gw.admin(HttpMethod.POST, "/tyk/keys/" + key, session.encode());
    assertEquals(200, created.status(), created.text());
    return key;
  }

  private static List<Object> keys(TestGateway gw) throws Exception {
    Reply list = gw.admin(HttpMethod.GET, "/tyk/keys", null);
    assertEquals(200, list.status(), list.text());
    return list.json().getJsonArray("keys").getList();
  }

  private static Reply call(TestGateway gw, String key) throws Exception {
    return gw.call(HttpMethod.GET, "/p/x", Map.of("Authorization", key), null);
  }

  private static void assertError(int status, Reply reply) {
    assertError(status, reply, "");
  }

  /** Tyk's Gateway API error: the status and {"status": "error", "message": "..."} as JSON. */
  private static void assertError(int status, Reply reply, String what) {
    assertEquals(status, reply.status(), what + ": " + reply.text());
    assertEquals("application/json", reply.headers().get("content-type"), what);
    JsonObject body = reply.json();
    assertEquals("error", body.getString("status"), what);
    assertNotNull(body.getString("message"), what);
    assertFalse(body.getString("message").isBlank(), what);
  }
}
