package dev.coproxy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.testing.TempDirs;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.TestGateway.Reply;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /tyk/policies} on real gateways, ported from Tyk's TestPolicyAPI: a change is written at
 * once and live from the next reload; Tyk's statuses and exact error bodies; the id rules with and
 * without {@code allow_unsafe_policy_ids}; a gateway without {@code policy_path}; reload picking up
 * a policy file changed on disk; and a key naming a missing policy refused as Tyk refuses it.
 */
class PoliciesApiIT {

  private static final String DEFAULT_TEST_POL = """
      {"id": "default-test", "rate": 1000, "per": 1, "quota_max": 100, "quota_renewal_rate": 60,
       "access_rights": {"41433797848f41a558c1573d3e55a410": {"api_name": "My API",
         "api_id": "41433797848f41a558c1573d3e55a410", "versions": ["Default"]}},
       "org_id": "54de205930c55e15bd000001", "hmac_enabled": false}""";
  private static final String NOT_FOUND = "{\"status\":\"error\",\"message\":\"Policy not found\"}";
  private static final String INVALID_ID = "{\"status\":\"error\",\"message\":\"Invalid Policy ID: Allowed characters: a-z, A-Z, 0-9, ., _, -, ~\"}";

  private static Path root;
  private static TestGateway strict;
  private static TestGateway unsafe;
  private static TestGateway recordFile;

  @BeforeAll
  static void start() throws Exception {
    root = Files.createTempDirectory("coproxy-policies-it");
    Path strictDir = Files.createDirectories(root.resolve("strict"));
    Files.writeString(strictDir.resolve("on-disk.json"), policy("on-disk", 5).encode());
    Files.writeString(strictDir.resolve("trial.json"), policy("trial", 5).put("key_expires_in", 3600).encode());
    Files.writeString(strictDir.resolve("elsewhere.json"), policy("elsewhere", 5).put("org_id", "other-org").encode());
    strict = TestGateway.start(new JsonObject().put("policies", new JsonObject().put("policy_source", "file")
        .put("policy_path", strictDir.toString())), Map.of());
    unsafe = TestGateway.start(new JsonObject().put("allow_unsafe_policy_ids", true).put("policies",
        new JsonObject().put("policy_path", Files.createDirectories(root.resolve("unsafe")).toString())), Map.of());
    Path file = Files.writeString(root.resolve("policies.json"), new JsonObject().put("gold", policy("", 9)).encode());
    recordFile = TestGateway.start(new JsonObject().put("policies", new JsonObject().put("policy_source", "file")
        .put("policy_record_name", file.toString())), Map.of());
  }

  @AfterAll
  static void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {strict, unsafe, recordFile}) {
      if (c != null) {
        c.close();
      }
    }
    TempDirs.delete(root);
  }

  private static JsonObject policy(String id, int quota) {
    return new JsonObject().put("id", id).put("rate", 100).put("per", 1).put("quota_max", quota).put("org_id", "o")
        .put("access_rights", new JsonObject().put("api1", new JsonObject().put("api_id", "api1").put("versions", new JsonArray().add("Default"))));
  }

  private static void assertReply(int status, String body, Reply reply) {
    assertEquals(status, reply.status(), reply.text());
    assertEquals(body, reply.text());
  }

  @Test
  void aChangeGoesLiveWithTheNextReloadAsInTyk() throws Exception {
    assertReply(404, NOT_FOUND, strict.admin(HttpMethod.GET, "/tyk/policies/not-here", null));
    assertReply(200, "{\"key\":\"default-test\",\"status\":\"ok\",\"action\":\"added\"}",
        strict.admin(HttpMethod.POST, "/tyk/policies/default-test", DEFAULT_TEST_POL));
    assertReply(404, NOT_FOUND, strict.admin(HttpMethod.GET, "/tyk/policies/default-test", null));
    strict.reload();
    Reply read = strict.admin(HttpMethod.GET, "/tyk/policies/default-test", null);
    assertEquals(200, read.status(), read.text());
    assertEquals(100, read.json().getInteger("quota_max"));
    String changed = new JsonObject(DEFAULT_TEST_POL).put("quota_max", 7).encode();
    assertReply(200, "{\"key\":\"default-test\",\"status\":\"ok\",\"action\":\"modified\"}",
        strict.admin(HttpMethod.PUT, "/tyk/policies/default-test", changed));
    assertEquals(100, strict.admin(HttpMethod.GET, "/tyk/policies/default-test", null).json().getInteger("quota_max"));
    strict.reload();
    assertEquals(7, strict.admin(HttpMethod.GET, "/tyk/policies/default-test", null).json().getInteger("quota_max"));
    assertReply(200, "{\"key\":\"default-test\",\"status\":\"ok\",\"action\":\"deleted\"}",
        strict.admin(HttpMethod.DELETE, "/tyk/policies/default-test", null));
    assertEquals(200, strict.admin(HttpMethod.GET, "/tyk/policies/default-test", null).status(), "live until the reload");
    strict.reload();
    assertReply(404, NOT_FOUND, strict.admin(HttpMethod.GET, "/tyk/policies/default-test", null));
    assertReply(500, "{\"status\":\"error\",\"message\":\"Delete failed\"}",
        strict.admin(HttpMethod.DELETE, "/tyk/policies/default-test", null));
  }

  @Test
  void theListHoldsTheLivePolicies() throws Exception {
    Reply list = strict.admin(HttpMethod.GET, "/tyk/policies", null);
    assertEquals(200, list.status(), list.text());
    JsonArray all = new JsonArray(list.text());
    assertTrue(all.stream().anyMatch(p -> "on-disk".equals(((JsonObject) p).getString("id"))), list.text());
  }

  @Test
  void badBodiesAnswer400WithTyksMessages() throws Exception {
    assertReply(400, "{\"status\":\"error\",\"message\":\"Unable to create policy without id.\"}",
        strict.admin(HttpMethod.POST, "/tyk/policies", "{}"));
    assertReply(400, "{\"status\":\"error\",\"message\":\"Request malformed\"}",
        strict.admin(HttpMethod.POST, "/tyk/policies", "{\"id\": \"x\","));
    Reply wrongType = strict.admin(HttpMethod.POST, "/tyk/policies", "{\"id\": \"x\", \"quota_max\": \"many\"}");
    assertEquals(400, wrongType.status());
    assertTrue(wrongType.json().getString("message").startsWith("Request malformed: quota_max"), wrongType.text());
    Reply hmac = strict.admin(HttpMethod.POST, "/tyk/policies", policy("hmac", 1).put("hmac_enabled", true).encode());
    assertEquals(400, hmac.status(), "a policy would give its keys HMAC, which Coproxy does not check");
    assertTrue(hmac.json().getString("message").startsWith("Request malformed: hmac_enabled"), hmac.text());
    assertEquals(404, strict.admin(HttpMethod.GET, "/tyk/policies/hmac", null).status(), "nothing was written");
    assertReply(400, "{\"status\":\"error\",\"message\":\"Request ID does not match that in policy! For Update operations these must match.\"}",
        strict.admin(HttpMethod.PUT, "/tyk/policies/other", policy("mine", 1).encode()));
    assertReply(400, "{\"status\":\"error\",\"message\":\"Must specify an apiID to update\"}",
        strict.admin(HttpMethod.PUT, "/tyk/policies", policy("mine", 1).encode()));
    assertReply(400, "{\"status\":\"error\",\"message\":\"Must specify an apiID to delete\"}",
        strict.admin(HttpMethod.DELETE, "/tyk/policies", null));
    assertEquals(403, strict.call(HttpMethod.GET, "/tyk/policies", Map.of(), null).status(), "the secret is required");
  }

  @Test
  void idsWithOtherCharactersAreRefusedUnlessAllowed() throws Exception {
    assertReply(400, INVALID_ID, strict.admin(HttpMethod.POST, "/tyk/policies", policy("invalid/id", 1).encode()));
    assertReply(400, INVALID_ID, strict.admin(HttpMethod.PUT, "/tyk/policies/valid-id", policy("invalid/id", 1).encode()));
    assertReply(400, INVALID_ID, strict.admin(HttpMethod.POST, "/tyk/policies", policy("", 1).put("_id", "../x").encode()));
    Reply created = unsafe.admin(HttpMethod.POST, "/tyk/policies", policy("invalid@id", 1).encode());
    assertEquals(200, created.status(), created.text());
    assertEquals(200, unsafe.admin(HttpMethod.PUT, "/tyk/policies/invalid@id", policy("invalid@id", 2).encode()).status());
    unsafe.reload();
    Reply read = unsafe.admin(HttpMethod.GET, "/tyk/policies/invalid@id", null);
    assertEquals(200, read.status(), read.text());
    assertEquals(2, read.json().getInteger("quota_max"));
    // Allowed characters never make an id a path out of policy_path.
    assertReply(500, "{\"status\":\"error\",\"message\":\"Failed to create file!\"}",
        unsafe.admin(HttpMethod.POST, "/tyk/policies", policy("../escaped", 1).encode()));
  }

  @Test
  void withoutPolicyPathTheApiWritesNothing() throws Exception {
    assertEquals(9, recordFile.admin(HttpMethod.GET, "/tyk/policies/gold", null).json().getInteger("quota_max"));
    assertReply(500, "{\"status\":\"error\",\"message\":\"Unable to access policy storage.\"}",
        recordFile.admin(HttpMethod.POST, "/tyk/policies", policy("p", 1).encode()));
    assertReply(500, "{\"status\":\"error\",\"message\":\"Unable to access policy storage.\"}",
        recordFile.admin(HttpMethod.DELETE, "/tyk/policies/gold", null));
  }

  @Test
  void reloadPicksUpAPolicyFileChangedOnDisk() throws Exception {
    Path file = root.resolve("policies.json");
    Files.writeString(file, new JsonObject().put("gold", policy("", 9)).put("silver", policy("", 4)).encode());
    assertEquals(404, recordFile.admin(HttpMethod.GET, "/tyk/policies/silver", null).status());
    recordFile.reload();
    assertEquals(4, recordFile.admin(HttpMethod.GET, "/tyk/policies/silver", null).json().getInteger("quota_max"));
    Files.writeString(file, "{\"gold\": {\"quota_max\": \"broken\"}, \"silver\": " + policy("", 40).encode() + "}");
    recordFile.reload();
    assertEquals(40, recordFile.admin(HttpMethod.GET, "/tyk/policies/silver", null).json().getInteger("quota_max"));
    assertEquals(9, recordFile.admin(HttpMethod.GET, "/tyk/policies/gold", null).json().getInteger("quota_max"),
        "a broken entry keeps its previous version");
    Files.writeString(file, new JsonObject().put("gold", policy("", 9)).encode());
    recordFile.reload();
  }

  @Test
  void aKeyNamingOnlyMissingPoliciesIsRefusedAsTykRefusesIt() throws Exception {
    JsonObject session = new JsonObject().put("org_id", "o").put("apply_policies", new JsonArray().add("no-such-policy"))
        .put("access_rights", new JsonObject().put("api1", new JsonObject().put("api_id", "api1")));
    String refused = "{\"status\":\"error\",\"message\":\"Failed to create key, ensure security settings are correct.\"}";
    assertReply(500, refused, strict.admin(HttpMethod.POST, "/tyk/keys", session.encode()));
    assertReply(500, refused, strict.admin(HttpMethod.POST, "/tyk/keys/customkey1", session.encode()));
    JsonObject legacy = session.copy().put("apply_policies", new JsonArray()).put("apply_policy_id", "gone");
    assertReply(500, refused, strict.admin(HttpMethod.POST, "/tyk/keys", legacy.encode()));
    // One of several missing is skipped, as in Tyk: the key is not refused for it.
    JsonObject oneFound = session.copy().put("apply_policies", new JsonArray().add("no-such-policy").add("on-disk"));
    assertNotEquals(500, strict.admin(HttpMethod.POST, "/tyk/keys", oneFound.encode()).status());
  }

  @Test
  void aKeyWhosePoliciesCannotBeAppliedIsRefusedAsTykRefusesIt() throws Exception {
    String refused = "{\"status\":\"error\",\"message\":\"Failed to create key, ensure security settings are correct.\"}";
    JsonObject otherOrg = new JsonObject().put("org_id", "o").put("apply_policies", new JsonArray().add("elsewhere"));
    assertReply(500, refused, strict.admin(HttpMethod.POST, "/tyk/keys", otherOrg.encode()));
  }

  @Test
  void aNewKeyGivenAPolicyWithKeyExpiresInExpiresThatLongAfterItIsMade() throws Exception {
    long before = System.currentTimeMillis() / 1000;
    JsonObject session = new JsonObject().put("org_id", "o").put("apply_policies", new JsonArray().add("trial"));
    Reply created = strict.admin(HttpMethod.POST, "/tyk/keys", session.encode());
    assertEquals(200, created.status(), created.text());
    long expires = strict.admin(HttpMethod.GET, "/tyk/keys/" + created.json().getString("key"), null).json().getLong("expires");
    long after = System.currentTimeMillis() / 1000;
    assertTrue(expires >= before + 3600 && expires <= after + 3600, "expires " + expires + " is made + key_expires_in");
  }
}
