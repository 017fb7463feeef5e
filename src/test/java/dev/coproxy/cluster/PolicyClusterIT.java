package dev.coproxy.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.Poll;
import dev.coproxy.testing.TempDirs;
import dev.coproxy.testing.Upstream;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Policies on a three-node cluster (the fat jar, separate JVMs, loopback), each node with a policy
 * folder of its own: a policy created through the Gateway API of one node reaches the others through
 * the cluster store at the group reload, a deletion likewise; and a key bound to a policy with
 * {@code quota_max} N gets N calls in the whole cluster, then 403 "Quota exceeded" on every node.
 */
class PolicyClusterIT {

  private static final Duration START = Duration.ofSeconds(90);
  private static Path root;
  private static ClusterNodes nodes;
  private static Vertx vertx;
  private static Upstream upstream;

  @BeforeAll
  static void start() throws Exception {
    root = Files.createTempDirectory("coproxy-policy-cluster-it");
    for (int node = 0; node < 3; node++) {
      Files.createDirectories(policyDir(node));
    }
    nodes = ClusterNodes.start(root, 3, (node, config) -> config.put("policies",
        new JsonObject().put("policy_source", "file").put("policy_path", policyDir(node).toString())));
    vertx = Vertx.vertx();
    upstream = Upstream.start(vertx);
    Files.writeString(nodes.appPath.resolve("cpol.json"), Apis.protectedApi("cpol", "/cpol/", upstream.url("/")).encodePrettily());
    nodes.awaitReady(START);
    reloadGroup(0);
    for (int node = 0; node < 3; node++) {
      int n = node;
      Poll.until(Duration.ofSeconds(30), "node " + n + " serves cpol", () -> nodes.get(n, "/cpol/x", Map.of()).statusCode() == 401);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (nodes != null) {
      nodes.close();
    }
    if (upstream != null) {
      upstream.close();
    }
    if (vertx != null) {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
    TempDirs.delete(root);
  }

  private static Path policyDir(int node) {
    return root.resolve("policies-" + node);
  }

  private static JsonObject policy(String id, int quota) {
    return new JsonObject().put("id", id).put("org_id", "test-org").put("active", true).put("rate", 1000).put("per", 1)
        .put("quota_max", quota).put("quota_renewal_rate", 3600)
        .put("access_rights", new JsonObject().put("cpol", new JsonObject().put("api_id", "cpol").put("api_name", "cpol")
            .put("versions", new JsonArray().add("Default"))));
  }

  @Test
  void aPolicyCreatedOnOneNodeReachesEveryNodeAtTheGroupReloadAndSoDoesItsDeletion() throws Exception {
    HttpResponse<String> created = nodes.admin(0, "POST", "/tyk/policies", policy("spread", 5).encode());
    assertEquals(200, created.statusCode(), created.body());
    assertEquals("{\"key\":\"spread\",\"status\":\"ok\",\"action\":\"added\"}", created.body());
    assertTrue(Files.exists(policyDir(0).resolve("spread.json")), "written where Tyk writes it");
    assertFalse(Files.exists(policyDir(1).resolve("spread.json")), "the other nodes learn it from the store");
    assertEquals(404, nodes.admin(1, "GET", "/tyk/policies/spread", null).statusCode(), "live from the next reload");
    reloadGroup(0);
    for (int node = 0; node < 3; node++) {
      int n = node;
      Poll.until(Duration.ofSeconds(30), "node " + n + " has the policy", () -> nodes.admin(n, "GET", "/tyk/policies/spread", null).statusCode() == 200);
      assertEquals(5, new JsonObject(nodes.admin(n, "GET", "/tyk/policies/spread", null).body()).getInteger("quota_max"));
    }
    HttpResponse<String> deleted = nodes.admin(2, "DELETE", "/tyk/policies/spread", null);
    assertEquals(200, deleted.statusCode(), deleted.body());
    reloadGroup(1);
    for (int node = 0; node < 3; node++) {
      int n = node;
      Poll.until(Duration.ofSeconds(30), "node " + n + " dropped the policy",
          () -> nodes.admin(n, "GET", "/tyk/policies/spread", null).statusCode() == 404);
    }
  }

  /** Needs the policy merge at request time (issue 19's POLICY-APPLY part). */
  @Test
  void aPolicyQuotaIsCountedOnceAcrossTheCluster() throws Exception {
    int quota = 6;
    HttpResponse<String> created = nodes.admin(1, "POST", "/tyk/policies", policy("cluster-quota", quota).encode());
    assertEquals(200, created.statusCode(), created.body());
    reloadGroup(1);
    for (int node = 0; node < 3; node++) {
      int n = node;
      Poll.until(Duration.ofSeconds(30), "node " + n + " has the policy",
          () -> nodes.admin(n, "GET", "/tyk/policies/cluster-quota", null).statusCode() == 200);
    }
    JsonObject session = new JsonObject().put("org_id", "test-org").put("apply_policies", new JsonArray().add("cluster-quota"));
    HttpResponse<String> key = nodes.admin(2, "POST", "/tyk/keys/create", session.encode());
    assertEquals(200, key.statusCode(), key.body());
    String token = new JsonObject(key.body()).getString("key");
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < quota * 3; i++) {
      statuses.add(nodes.get(i % 3, "/cpol/q", Map.of("Authorization", token)).statusCode());
    }
    assertEquals(quota, statuses.stream().filter(s -> s == 200).count(), statuses.toString());
    assertEquals(quota * 2, statuses.stream().filter(s -> s == 403).count(), statuses.toString());
    for (int node = 0; node < 3; node++) {
      HttpResponse<String> refused = nodes.get(node, "/cpol/q", Map.of("Authorization", token));
      assertEquals(403, refused.statusCode(), "node " + node + ": " + refused.body());
      assertEquals("Quota exceeded", new JsonObject(refused.body()).getString("error"), refused.body());
    }
  }

  private static void reloadGroup(int node) throws Exception {
    HttpResponse<String> reply = nodes.admin(node, "GET", "/tyk/reload/group", null);
    assertEquals(200, reply.statusCode(), reply.body());
  }


}
