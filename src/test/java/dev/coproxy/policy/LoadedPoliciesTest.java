package dev.coproxy.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.config.PolicyOptions;
import dev.coproxy.session.LocalStore;
import dev.coproxy.testing.TempDirs;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Loading policies as Tyk's {@code syncPolicies} does for file sources (its policy_test expectations
 * for LoadPoliciesFromFile and LoadPoliciesFromDir), plus what Coproxy adds: a bad file keeps what
 * it held, and Gateway API changes in the store are laid over the files.
 */
class LoadedPoliciesTest {

  private Vertx vertx;
  private Path dir;
  private LocalStore store;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    dir = Files.createTempDirectory("coproxy-policies");
    store = new LocalStore();
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    TempDirs.delete(dir);
  }

  private static JsonObject policy(String id, int quota) {
    return new JsonObject().put("id", id).put("rate", 10).put("per", 1).put("quota_max", quota)
        .put("access_rights", new JsonObject().put("api1", new JsonObject().put("api_id", "api1")));
  }

  private LoadedPolicies folder() {
    return new LoadedPolicies(vertx, new PolicyOptions(dir, null, false), store);
  }

  private static LoadedPolicies.Report reload(LoadedPolicies policies) throws Exception {
    return policies.reload().await(10, TimeUnit.SECONDS);
  }

  @Test
  void aFolderHoldsOnePolicyPerJsonFileNamedByItsOwnId() throws Exception {
    Files.writeString(dir.resolve("a.json"), policy("p1", 5).encode());
    Files.writeString(dir.resolve("b.json"), policy("p2", 7).encode());
    Files.writeString(dir.resolve("notes.txt"), "not a policy");
    LoadedPolicies policies = folder();
    LoadedPolicies.Report report = reload(policies);
    assertEquals(2, report.loaded(), report.errors().toString());
    assertEquals(5, policies.find("p1").quotaMax());
    assertEquals(7, policies.find("p2").quotaMax());
    assertNull(policies.find("a"), "the file name is not the id");
  }

  @Test
  void aRecordFileHoldsPoliciesByIdAndTheMapKeyWins() throws Exception {
    Path file = dir.resolve("policies.json");
    Files.writeString(file, new JsonObject().put("gold", policy("other-id", 100)).put("silver", policy("", 10)).encode());
    LoadedPolicies policies = new LoadedPolicies(vertx, new PolicyOptions(null, file, false), store);
    assertEquals(2, reload(policies).loaded());
    assertEquals(100, policies.find("gold").quotaMax());
    assertEquals("gold", policies.find("gold").id());
    assertNull(policies.find("other-id"));
    assertEquals(10, policies.find("silver").quotaMax());
  }

  @Test
  void withoutAPathOrRecordNameThereAreNoPolicies() throws Exception {
    LoadedPolicies policies = new LoadedPolicies(vertx, new PolicyOptions(null, null, false), store);
    assertEquals(0, reload(policies).loaded());
  }

  @Test
  void aBadFileIsSkippedWithOneLineNamingItAndKeepsWhatItHeld() throws Exception {
    Path a = dir.resolve("a.json");
    Files.writeString(a, policy("p1", 5).encode());
    Files.writeString(dir.resolve("b.json"), policy("p2", 7).encode());
    LoadedPolicies policies = folder();
    reload(policies);
    long generation = policies.generation();
    Files.writeString(a, "{\"id\": \"p1\", \"quota_max\": \"lots\"}");
    Files.writeString(dir.resolve("c.json"), "{not json");
    LoadedPolicies.Report report = reload(policies);
    assertEquals(2, report.loaded(), report.errors().toString());
    assertEquals(2, report.errors().size(), report.errors().toString());
    assertTrue(report.errors().get(0).contains(a.toString()) && report.errors().get(0).contains("quota_max")
        && report.errors().get(0).contains("keeping its previous version"), report.errors().get(0));
    assertTrue(report.errors().get(1).contains("c.json") && report.errors().get(1).contains("not valid JSON"), report.errors().get(1));
    assertEquals(5, policies.find("p1").quotaMax(), "the previous version stays");
    assertEquals(generation, policies.generation(), "nothing changed");
  }

  @Test
  void aBadEntryOfARecordFileIsSkippedAndTheOthersLoad() throws Exception {
    Path file = dir.resolve("policies.json");
    Files.writeString(file, new JsonObject().put("good", policy("", 3)).put("bad", new JsonObject().put("rate", "fast")).encode());
    LoadedPolicies policies = new LoadedPolicies(vertx, new PolicyOptions(null, file, false), store);
    LoadedPolicies.Report report = reload(policies);
    assertEquals(1, report.loaded());
    assertTrue(report.errors().get(0).contains("policy bad skipped: rate"), report.errors().toString());
    assertNotNull(policies.find("good"));
  }

  @Test
  void aMissingFolderLoadsNothingAtFirstAndKeepsThePoliciesLater() throws Exception {
    Path missing = dir.resolve("nope");
    LoadedPolicies policies = new LoadedPolicies(vertx, new PolicyOptions(missing, null, false), store);
    LoadedPolicies.Report first = reload(policies);
    assertEquals(0, first.loaded());
    assertTrue(first.errors().get(0).contains("does not exist"), first.errors().toString());
    Files.createDirectories(missing);
    Files.writeString(missing.resolve("p.json"), policy("p1", 1).encode());
    assertEquals(1, reload(policies).loaded());
    TempDirs.delete(missing);
    LoadedPolicies.Report gone = reload(policies);
    assertEquals(1, gone.loaded(), "kept: " + gone.errors());
    assertNotNull(policies.find("p1"));
  }

  @Test
  void aChangedFileIsPickedUpAtTheNextReloadWithANewGeneration() throws Exception {
    Path a = dir.resolve("a.json");
    Files.writeString(a, policy("p1", 5).encode());
    LoadedPolicies policies = folder();
    reload(policies);
    long before = policies.generation();
    Files.writeString(a, policy("p1", 50).encode());
    assertEquals(5, policies.find("p1").quotaMax(), "not before the reload");
    reload(policies);
    assertEquals(50, policies.find("p1").quotaMax());
    assertNotEquals(before, policies.generation());
  }

  @Test
  void gatewayApiChangesInTheStoreAreLaidOverTheFilesTheNewerWinning() throws Exception {
    Path a = dir.resolve("a.json");
    Files.writeString(a, policy("p1", 5).encode());
    Files.writeString(dir.resolve("b.json"), policy("p2", 7).encode());
    Files.setLastModifiedTime(a, FileTime.fromMillis(1_000));
    LoadedPolicies policies = folder();
    PolicyStore changes = new PolicyStore(store);
    changes.put("p1", policy("p1", 500), 2_000).await(5, TimeUnit.SECONDS);
    changes.put("p3", policy("p3", 3), 2_000).await(5, TimeUnit.SECONDS);
    changes.markDeleted("p2", Long.MAX_VALUE).await(5, TimeUnit.SECONDS);
    reload(policies);
    assertEquals(500, policies.find("p1").quotaMax(), "the API's change is newer than the file");
    assertEquals(3, policies.find("p3").quotaMax(), "made on another node: no file here");
    assertNull(policies.find("p2"), "deleted through the API");
    Files.setLastModifiedTime(a, FileTime.fromMillis(3_000));
    reload(policies);
    assertEquals(5, policies.find("p1").quotaMax(), "the file was edited after the API's change");
  }
}
