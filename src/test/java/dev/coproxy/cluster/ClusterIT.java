package dev.coproxy.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import dev.coproxy.bus.CoprocessAddresses;
import dev.coproxy.bus.EventAddresses;
import dev.coproxy.config.GatewayConfig;
import dev.coproxy.routing.ReloadBus;
import dev.coproxy.testing.Apis;
import dev.coproxy.testing.Poll;
import dev.coproxy.testing.Upstream;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three real clustered nodes (the fat jar, separate JVMs, loopback) plus this test's own clustered
 * Vert.x (a Hazelcast lite member: it holds no data) that runs the upstream and listens to
 * {@code coproxy.events}. Nodes share app_path and middleware_path. Every test leaves the three nodes
 * running; {@link ClusterFailoverIT} stops nodes, on a cluster of its own.
 */
class ClusterIT {

  private static final Duration START = Duration.ofSeconds(90);
  private static ClusterNodes nodes;
  private static Vertx vertx;
  private static Upstream upstream;
  private static final List<JsonObject> events = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    Path root = Files.createTempDirectory("coproxy-cluster-it");
    nodes = ClusterNodes.start(root, 3);
    Files.createDirectories(nodes.middlewarePath.resolve("lua"));
    for (String script : List.of("plugins.lua", "idextractor.lua")) {
      try (InputStream in = ClusterIT.class.getResourceAsStream("/lua/" + script)) {
        Files.write(nodes.middlewarePath.resolve("lua/" + script), in.readAllBytes());
      }
    }
    nodes.awaitReady(START);
    // Joins once the data members run: a lite member alone would form a cluster without data owners.
    vertx = joinAsLiteMember().await(90, TimeUnit.SECONDS);
    vertx.eventBus().<JsonObject>consumer(EventAddresses.EVENTS, m -> events.add(m.body())).completion().await(30, TimeUnit.SECONDS);
    upstream = Upstream.start(vertx);
    // Every API the tests use, loaded by one group reload (which also checks the reload reaches B and C).
    writeApi(Apis.protectedApi("cauth", "/cauth/", upstream.url("/")));
    writeApi(Apis.keyless("clua", "/clua/", upstream.url("/")).put("custom_middleware",
        new JsonObject().put("driver", "lua").put("pre", new JsonArray().add(new JsonObject().put("name", "lua_helpers")))));
    writeApi(Apis.keyless("cgrpc", "/cgrpc/", upstream.url("/")).put("custom_middleware",
        new JsonObject().put("driver", "grpc").put("pre", new JsonArray().add(new JsonObject().put("name", "Pre")))));
    // A plugin that authorises only its first call in the whole cluster (its flag is plugin data),
    // behind an ID extractor on the Authorization header.
    writeApi(Apis.protectedApi("cidx", "/cidx/", upstream.url("/")).put("custom_plugin_auth_enabled", true)
        .put("custom_middleware", new JsonObject().put("driver", "lua").put("auth_check", new JsonObject().put("name", "idx_header"))
            .put("id_extractor", new JsonObject().put("extract_from", "header").put("extract_with", "value")
                .put("extractor_config", new JsonObject().put("header_name", "Authorization")))));
    reloadGroup(0);
    for (int node = 0; node < 3; node++) {
      int n = node;
      Poll.until(Duration.ofSeconds(30), "node " + n + " serves clua", () -> nodes.get(n, "/clua/x", Map.of()).statusCode() == 200);
    }
  }

  // The clustered Vert.x of another application: same cluster settings, no data of its own.
  private static io.vertx.core.Future<Vertx> joinAsLiteMember() {
    JsonObject section = nodes.clusterSection(ClusterNodes.freePort());
    GatewayConfig config = GatewayConfig.from(new JsonObject().put("cluster", section), false);
    Config hazelcast = HazelcastSetup.build(config.cluster()).setLiteMember(true);
    VertxOptions options = new VertxOptions();
    ClusterMembership.configureBus(options.getEventBusOptions(), config.cluster());
    return Vertx.builder().with(options).withClusterManager(new HazelcastClusterManager(hazelcast)).buildClustered();
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

  @Test
  void keyCreatedOnOneNodeWorksOnTheOthers() throws Exception {
    String key = createKey(0, new JsonObject().put("rate", 1000).put("per", 1));
    for (int node = 0; node < 3; node++) {
      HttpResponse<String> reply = nodes.get(node, "/cauth/x", Map.of("Authorization", key));
      assertEquals(200, reply.statusCode(), "node " + node + ": " + reply.body());
    }
    assertEquals(403, nodes.get(1, "/cauth/x", Map.of("Authorization", "no-such-key")).statusCode());
    HttpResponse<String> deleted = nodes.admin(2, "DELETE", "/tyk/keys/" + key, null);
    assertEquals(200, deleted.statusCode(), deleted.body());
    // Node 0 near-caches the session; the delete's invalidation reaches it within milliseconds.
    Poll.until(Duration.ofSeconds(5), "deleted on node 2, gone on node 0",
        () -> nodes.get(0, "/cauth/x", Map.of("Authorization", key)).statusCode() == 403);
  }

  @Test
  void quotaIsCountedOnceAcrossNodes() throws Exception {
    int quota = 12;
    String key = createKey(1, new JsonObject().put("rate", 1000).put("per", 1).put("quota_max", quota).put("quota_renewal_rate", 3600));
    List<Integer> statuses = parallel(36, 6, i -> nodes.get(i % 3, "/cauth/q", Map.of("Authorization", key)).statusCode());
    assertEquals(quota, statuses.stream().filter(s -> s == 200).count(), statuses.toString());
    assertEquals(36 - quota, statuses.stream().filter(s -> s == 403).count(), statuses.toString());
    JsonObject described = new JsonObject(nodes.admin(2, "GET", "/tyk/keys/" + key, null).body());
    assertEquals(0, described.getLong("quota_remaining"), described.encode());
  }

  @Test
  void rateLimitHoldsAcrossNodesWithinTolerance() throws Exception {
    int rate = 10;
    int concurrency = 4;
    // A 30 s window: the burst below fits in it, so only the rate limit decides.
    String key = createKey(2, new JsonObject().put("rate", rate).put("per", 30));
    List<Integer> statuses = parallel(30, concurrency, i -> nodes.get(i % 3, "/cauth/r", Map.of("Authorization", key)).statusCode());
    long allowed = statuses.stream().filter(s -> s == 200).count();
    // Documented tolerance: at most one extra call per request in flight at the same time.
    assertTrue(allowed >= rate && allowed <= rate + concurrency, "allowed " + allowed + " of " + statuses);
    assertEquals(30 - allowed, statuses.stream().filter(s -> s == 429).count(), statuses.toString());
  }

  @Test
  void pluginDataStoredOnOneNodeIsReadOnAnother() throws Exception {
    HttpResponse<String> stored = nodes.get(0, "/clua/x", Map.of("X-Value", "from-node-0"));
    assertEquals(200, stored.statusCode(), stored.body());
    for (int node = 1; node < 3; node++) {
      HttpResponse<String> read = nodes.get(node, "/clua/x", Map.of());
      assertEquals("from-node-0", new JsonObject(read.body()).getJsonObject("headers").getString("x-stored"), read.body());
    }
  }

  @Test
  void anIdCachedOnOneNodeIsAHitOnTheOthers() throws Exception {
    assertEquals(200, nodes.get(0, "/cidx/x", Map.of("Authorization", "abc")).statusCode(), "the plugin's one authorisation");
    for (int node = 1; node < 3; node++) {
      // The plugin refuses every call after its first: only the cluster-wide cache lets these in.
      HttpResponse<String> cached = nodes.get(node, "/cidx/x", Map.of("Authorization", "abc"));
      assertEquals(200, cached.statusCode(), "node " + node + ": " + cached.body());
      assertTrue(nodes.admin(node, "GET", "/metrics", null).body()
          .contains("coproxy_idextractor_total{api_id=\"cidx\",result=\"hit\"} 1.0"), "node " + node + " counted a hit");
    }
    assertEquals(403, nodes.get(1, "/cidx/x", Map.of("Authorization", "other")).statusCode());
  }

  @Test
  void hookCallsNeverLeaveTheirNode() throws Exception {
    // This test's Vert.x offers itself, cluster-wide, as a grpc driver, which no node runs: a node
    // must still answer from its own verticles only.
    List<String> strays = new CopyOnWriteArrayList<>();
    var driver = vertx.eventBus().consumer(CoprocessAddresses.driver("grpc"), m -> strays.add("driver"));
    driver.completion().await(20, TimeUnit.SECONDS);
    try {
      for (int node = 0; node < 3; node++) {
        HttpResponse<String> reply = nodes.get(node, "/cgrpc/x", Map.of());
        assertEquals(500, reply.statusCode(), "node " + node + ": no grpc driver runs there: " + reply.body());
        HttpResponse<String> lua = nodes.get(node, "/clua/x", Map.of());
        assertEquals(200, lua.statusCode(), lua.body());
      }
      assertEquals(List.of(), strays, "no hook call reached another cluster member");
    } finally {
      driver.unregister().await(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void groupReloadOnOneNodeReloadsEvery() throws Exception {
    writeApi(Apis.keyless("cnew", "/cnew/", upstream.url("/")));
    for (int node = 0; node < 3; node++) {
      assertEquals(404, nodes.get(node, "/cnew/x", Map.of()).statusCode(), "not loaded before the reload");
    }
    reloadGroup(1);
    for (int node = 0; node < 3; node++) {
      int n = node;
      Poll.until(Duration.ofSeconds(20), "node " + n + " serves cnew", () -> nodes.get(n, "/cnew/x", Map.of()).statusCode() == 200);
    }
    // Another application asks for a reload on the bus: every node reloads.
    writeApi(Apis.keyless("cbus", "/cbus/", upstream.url("/")));
    vertx.eventBus().publish(ReloadBus.ADDRESS, new JsonObject());
    for (int node = 0; node < 3; node++) {
      int n = node;
      Poll.until(Duration.ofSeconds(20), "node " + n + " serves cbus", () -> nodes.get(n, "/cbus/x", Map.of()).statusCode() == 200);
    }
  }

  @Test
  void eventsCrossTheCluster() throws Exception {
    // An auth failure on node 2 only, seen by this test's own Vert.x on coproxy.events.
    assertEquals(403, nodes.get(2, "/cauth/e", Map.of("Authorization", "event-probe-key")).statusCode());
    Poll.until(Duration.ofSeconds(20), () -> events.stream().anyMatch(e -> "AuthFailure".equals(e.getJsonObject("message").getString("Type"))
        && "cauth".equals(e.getJsonObject("spec").getString("APIID"))
        && "/cauth/e".equals(e.getJsonObject("message").getJsonObject("Meta").getString("Path"))), () -> "AuthFailure in " + events);
    // A system event published by another application on coproxy.events.trigger: each node fans it out.
    vertx.eventBus().publish(EventAddresses.TRIGGER, new JsonObject().put("event", "ClusterPing").put("payload", "hi"));
    Poll.until(Duration.ofSeconds(20), () -> events.stream()
        .filter(e -> "ClusterPing".equals(e.getJsonObject("message").getString("Type"))).count() == 3,
        () -> "ClusterPing from each of the 3 nodes in " + events);
  }

  @Test
  void healthShowsTheCluster() throws Exception {
    JsonObject health = new JsonObject(nodes.get(1, "/hello", Map.of()).body());
    assertEquals("pass", health.getString("status"), health.encode());
    JsonObject cluster = health.getJsonObject("details").getJsonObject("cluster");
    assertEquals(4, cluster.getInteger("observedValue"), "3 nodes and this test's member: " + health.encode());
  }

  private static void writeApi(JsonObject api) throws Exception {
    Files.writeString(nodes.appPath.resolve(api.getString("api_id") + ".json"), api.encodePrettily());
  }

  private static void reloadGroup(int node) throws Exception {
    HttpResponse<String> reply = nodes.admin(node, "GET", "/tyk/reload/group", null);
    assertEquals(200, reply.statusCode(), reply.body());
  }

  private static String createKey(int node, JsonObject session) throws Exception {
    session.put("org_id", "test-org").put("access_rights", new JsonObject());
    HttpResponse<String> reply = nodes.admin(node, "POST", "/tyk/keys/create", session.encode());
    assertEquals(200, reply.statusCode(), reply.body());
    return new JsonObject(reply.body()).getString("key");
  }

  private static <T> List<T> parallel(int calls, int threads, IndexedCall<T> call) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Callable<T>> tasks = new ArrayList<>();
      for (int i = 0; i < calls; i++) {
        int index = i;
        tasks.add(() -> call.run(index));
      }
      List<T> out = new ArrayList<>();
      for (Future<T> f : pool.invokeAll(tasks, 120, TimeUnit.SECONDS)) {
        out.add(f.get());
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  private interface IndexedCall<T> {
    T run(int index) throws Exception;
  }


}
