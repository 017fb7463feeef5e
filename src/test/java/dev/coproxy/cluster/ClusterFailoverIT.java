package dev.coproxy.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.Poll;
import dev.coproxy.testing.Upstream;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three real clustered nodes (the fat jar, separate JVMs, loopback): one is killed
 * under traffic, then another is stopped with SIGTERM. A cluster of its own, apart from
 * {@link ClusterIT}, so that no other test depends on running after or before these steps.
 */
class ClusterFailoverIT {

  private static ClusterNodes nodes;
  private static Vertx vertx;
  private static Upstream upstream;

  @BeforeAll
  static void start() throws Exception {
    nodes = ClusterNodes.start(Files.createTempDirectory("coproxy-failover-it"), 3);
    nodes.awaitReady(Duration.ofSeconds(90));
    vertx = Vertx.vertx();
    upstream = Upstream.start(vertx);
    JsonObject api = Apis.protectedApi("cauth", "/cauth/", upstream.url("/"));
    Files.writeString(nodes.appPath.resolve("cauth.json"), api.encodePrettily());
    HttpResponse<String> reload = nodes.admin(0, "GET", "/tyk/reload/group", null);
    assertEquals(200, reload.statusCode(), reload.body());
    for (int node = 0; node < 3; node++) {
      int n = node;
      Poll.until(Duration.ofSeconds(30), "node " + n + " serves cauth", () -> nodes.get(n, "/cauth/x", Map.of()).statusCode() != 404);
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
  }

  /** One test: the second step runs on the two nodes the first one leaves. */
  @Test
  void nodesLeavingTheClusterLoseNoState() throws Exception {
    killedNodeUnderTrafficLosesNoState();
    stoppedNodeHandsItsDataOver();
  }

  private void killedNodeUnderTrafficLosesNoState() throws Exception {
    String key = createKey(0, new JsonObject().put("rate", 100_000).put("per", 1).put("quota_max", 100_000).put("quota_renewal_rate", 3600));
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger served = new AtomicInteger();
    // The node about to die serves a few calls first: it then holds a block of quota units.
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> reply = nodes.get(2, "/cauth/k", Map.of("Authorization", key));
      assertEquals(200, reply.statusCode(), reply.body());
      served.incrementAndGet();
    }
    List<String> failures = new CopyOnWriteArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<Future<?>> clients = new ArrayList<>();
    for (int node = 0; node < 2; node++) {
      int n = node;
      clients.add(pool.submit(() -> {
        while (running.get()) {
          try {
            HttpResponse<String> reply = nodes.get(n, "/cauth/k", Map.of("Authorization", key));
            if (reply.statusCode() == 200) {
              served.incrementAndGet();
            } else {
              failures.add("node " + n + ": " + reply.statusCode() + " " + reply.body());
            }
          } catch (Exception e) {
            failures.add("node " + n + ": " + e);
          }
        }
      }));
    }
    Poll.until(Duration.ofSeconds(20), () -> served.get() >= 20, () -> "traffic before the kill");
    nodes.processes.get(2).kill();
    int atKill = served.get();
    Poll.until(Duration.ofSeconds(40), () -> served.get() >= atKill + 40, () -> "traffic after the kill, failures " + failures);
    running.set(false);
    for (Future<?> client : clients) {
      client.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertEquals(List.of(), failures, "the surviving nodes kept serving");
    // The session and its quota counter survived: every served call is still counted. The killed
    // node's unused block stays counted as used (at most one block over); the survivors hand
    // theirs back once idle, after which the count is that bound, not more.
    long allServed = 100_000 - served.get();
    for (int node = 0; node < 2; node++) {
      int n = node;
      Poll.until(Duration.ofSeconds(20), "node " + n + ": quota_remaining within one block under " + allServed, () -> {
        long remaining = new JsonObject(nodes.admin(n, "GET", "/tyk/keys/" + key, null).body()).getLong("quota_remaining");
        return remaining <= allServed && remaining >= allServed - QuotaLease.MAX_BLOCK;
      });
      long remaining = new JsonObject(nodes.admin(n, "GET", "/tyk/keys/" + key, null).body()).getLong("quota_remaining");
      assertTrue(remaining <= allServed, "every served call is counted: " + remaining + " > " + allServed);
    }
    // /hello warns for a while after a member left.
    JsonObject health = new JsonObject(nodes.get(0, "/hello", Map.of()).body());
    assertEquals("warn", health.getString("status"), health.encode());
    assertTrue(health.getJsonObject("details").getJsonObject("cluster").getString("output").contains("member left"), health.encode());
    Poll.until(Duration.ofSeconds(20), "node 0 sees 2 members",
        () -> new JsonObject(nodes.get(0, "/hello", Map.of()).body()).getJsonObject("details").getJsonObject("cluster").getInteger("observedValue") == 2);
  }

  private void stoppedNodeHandsItsDataOver() throws Exception {
    // A quota large enough for blocks of many units: node 1 holds unused ones when it stops.
    String key = createKey(1, new JsonObject().put("rate", 1000).put("per", 1).put("quota_max", 5_000).put("quota_renewal_rate", 3600));
    for (int i = 0; i < 5; i++) {
      assertEquals(200, nodes.get(i % 2, "/cauth/s", Map.of("Authorization", key)).statusCode());
    }
    // SIGTERM: node 1 drains, hands back its unused quota units, then leaves the cluster,
    // migrating what it owns to node 0 (node 0 does not count its own unused units).
    nodes.processes.get(1).terminate();
    nodes.processes.get(1).awaitExit(Duration.ofSeconds(60));
    JsonObject described = new JsonObject(nodes.admin(0, "GET", "/tyk/keys/" + key, null).body());
    assertEquals(4_995, described.getLong("quota_remaining"), described.encode());
    assertEquals(200, nodes.get(0, "/cauth/s", Map.of("Authorization", key)).statusCode());
  }

  private static String createKey(int node, JsonObject session) throws Exception {
    session.put("org_id", "test-org").put("access_rights", new JsonObject());
    HttpResponse<String> reply = nodes.admin(node, "POST", "/tyk/keys/create", session.encode());
    assertEquals(200, reply.statusCode(), reply.body());
    return new JsonObject(reply.body()).getString("key");
  }


}
