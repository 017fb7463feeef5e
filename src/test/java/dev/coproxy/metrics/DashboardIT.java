package dev.coproxy.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.Poll;
import dev.coproxy.testing.TempDirs;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every series the Grafana dashboard queries exists on {@code /metrics} of a real gateway after real
 * traffic: a keyless API, a token API (with a refused key, which fires an event), a Lua pre hook, a
 * Python pre hook on a real CPython worker (one that works, one that raises), a Lua auth_check
 * behind the ID extractor (a miss, then a hit), and a configured gRPC plugin server that is not
 * there. Each metric a query selects must have samples, each label its matchers or groupings name
 * must be on them (groupings may also use Prometheus' own {@code instance} and {@code job}), and a
 * fixed matcher value ({@code driver="python"}) must be on one of them.
 */
class DashboardIT {

  /** Labels Prometheus adds to every series it scrapes: a query may group by them. */
  private static final Set<String> TARGET_LABELS = Set.of("instance", "job");

  private static final String PYTHON = """
      from tyk.decorators import *

      @Hook
      def DashPre(request, session, spec):
          request.add_header("X-Dash", "python")
          return request, session

      @Hook
      def DashRaise(request, session, spec):
          raise ValueError("the dashboard test's failing hook")
      """;

  private static final String LUA = """
      function dash_pre(request, session, spec)
        request.set_headers["X-Dash"] = "lua"
        return request, session
      end

      function dash_auth(request, session, metadata, spec)
        if request.headers["Authorization"] == "dash-id" then
          session.rate = 1000
          session.per = 1
          session.id_extractor_deadline = os.time() + 600
          metadata.token = "dash-id"
        end
        return request, session, metadata
      end
      """;

  @Test
  void everyQueriedSeriesExistsOnMetrics() throws Exception {
    List<GrafanaDashboard.Query> queries = GrafanaDashboard.load().queries();
    Path middleware = Files.createTempDirectory("coproxy-dashboard-mw");
    Files.createDirectories(middleware.resolve("python"));
    Files.createDirectories(middleware.resolve("lua"));
    Files.writeString(middleware.resolve("python/dash.py"), PYTHON);
    Files.writeString(middleware.resolve("lua/dash.lua"), LUA);
    JsonObject config = new JsonObject().put("middleware_path", middleware.toString())
        .put("coprocess_options", new JsonObject().put("enable_coprocess", true).put("python_workers", 1).put("lua_instances", 1)
            .put("coprocess_grpc_server", "127.0.0.1:" + freePort()));
    try (TestGateway gw = TestGateway.start(config, Map.of()); Upstream upstream = Upstream.start(gw.vertx)) {
      deploy(gw, Apis.keyless("dash-open", "/dash-open/", upstream.url("/")));
      deploy(gw, Apis.protectedApi("dash-token", "/dash-token/", upstream.url("/")));
      deploy(gw, withHook(Apis.keyless("dash-lua", "/dash-lua/", upstream.url("/")), "lua", "pre", "dash_pre"));
      deploy(gw, withHook(Apis.keyless("dash-py", "/dash-py/", upstream.url("/")), "python", "pre", "DashPre"));
      deploy(gw, withHook(Apis.keyless("dash-py-fail", "/dash-py-fail/", upstream.url("/")), "python", "pre", "DashRaise"));
      JsonObject idApi = Apis.protectedApi("dash-idx", "/dash-idx/", upstream.url("/")).put("custom_plugin_auth_enabled", true)
          .put("custom_middleware", new JsonObject().put("driver", "lua").put("auth_check", new JsonObject().put("name", "dash_auth"))
              .put("id_extractor", new JsonObject().put("extract_from", "header").put("extract_with", "value")
                  .put("extractor_config", new JsonObject().put("header_name", "Authorization"))));
      deploy(gw, idApi);
      TestGateway.Reply key = gw.admin(HttpMethod.POST, "/tyk/keys/dash-key",
          new JsonObject().put("org_id", "test-org").put("access_rights", new JsonObject().put("dash-token",
              new JsonObject().put("api_id", "dash-token"))).encode());
      assertEquals(200, key.status(), key.text());

      assertEquals(200, get(gw, "/dash-open/x", Map.of()));
      assertEquals(200, get(gw, "/dash-token/x", Map.of("Authorization", "dash-key")));
      assertEquals(403, get(gw, "/dash-token/x", Map.of("Authorization", "not-a-key")));
      assertEquals(200, get(gw, "/dash-lua/x", Map.of()));
      assertEquals(200, get(gw, "/dash-py/x", Map.of()));
      assertEquals(500, get(gw, "/dash-py-fail/x", Map.of()));
      assertEquals(200, get(gw, "/dash-idx/x", Map.of("Authorization", "dash-id")));
      assertEquals(200, get(gw, "/dash-idx/x", Map.of("Authorization", "dash-id")));
      assertEquals(404, get(gw, "/nowhere", Map.of()));
      // Events reach the fan-out (and its counter) after the answer.
      Poll.until(Duration.ofSeconds(10), "the refused key's event counted",
          () -> scrape(gw).lines().anyMatch(l -> l.startsWith("coproxy_events_total{")));
      // The JVM's GC timer has series only once a collection happened, which a short run may not see.
      Poll.until(Duration.ofSeconds(10), "a garbage collection recorded", () -> {
        System.gc();
        return scrape(gw).lines().anyMatch(l -> l.startsWith("jvm_gc_pause_seconds_count{"));
      });

      List<String> problems = problems(queries, scrape(gw));
      assertTrue(problems.isEmpty(), String.join("\n", problems));
    } finally {
      TempDirs.delete(middleware);
    }
  }

  /** What is wrong with each query against this scrape: absent series, absent labels. */
  static List<String> problems(List<GrafanaDashboard.Query> queries, String scrape) {
    List<String> problems = new ArrayList<>();
    for (GrafanaDashboard.Query query : queries) {
      PromQl promQl = PromQl.parse(query.expr());
      if (promQl.metrics().isEmpty()) {
        problems.add(query.where() + " selects no metric: " + query.expr());
      }
      List<String> all = new ArrayList<>();
      for (Map.Entry<String, Set<String>> metric : promQl.matcherLabels().entrySet()) {
        List<String> series = series(scrape, metric.getKey());
        all.addAll(series);
        if (series.isEmpty()) {
          problems.add(query.where() + ": no series " + metric.getKey() + " on /metrics");
        }
        for (String matcher : promQl.exactMatchers().getOrDefault(metric.getKey(), Set.of())) {
          if (!series.isEmpty() && series.stream().noneMatch(s -> s.contains(matcher))) {
            problems.add(query.where() + ": no series " + metric.getKey() + "{" + matcher + "}");
          }
        }
        for (String label : metric.getValue()) {
          if (!series.isEmpty() && series.stream().noneMatch(s -> s.contains(label + "=\""))) {
            problems.add(query.where() + ": " + metric.getKey() + " has no label " + label);
          }
        }
      }
      for (String label : promQl.groupingLabels()) {
        if (!TARGET_LABELS.contains(label) && !all.isEmpty() && all.stream().noneMatch(s -> s.contains(label + "=\""))) {
          problems.add(query.where() + ": grouped by " + label + ", which none of " + promQl.metrics() + " has");
        }
      }
    }
    return problems;
  }

  private static List<String> series(String scrape, String metric) {
    return scrape.lines().filter(l -> l.startsWith(metric + "{") || l.startsWith(metric + " ")).toList();
  }

  private static JsonObject withHook(JsonObject api, String driver, String type, String name) {
    return api.put("custom_middleware", new JsonObject().put("driver", driver)
        .put(type, new JsonArray().add(new JsonObject().put("name", name))));
  }

  private static void deploy(TestGateway gw, JsonObject api) throws Exception {
    gw.writeApi(api.getString("api_id") + ".json", api);
    JsonObject answer = gw.reload();
    assertEquals(new JsonArray(), answer.getJsonArray("errors"), answer.encodePrettily());
  }

  private static int get(TestGateway gw, String uri, Map<String, String> headers) throws Exception {
    TestGateway.Reply reply = gw.call(HttpMethod.GET, uri, headers, null);
    return reply.status();
  }

  private static String scrape(TestGateway gw) throws Exception {
    TestGateway.Reply reply = gw.call(HttpMethod.GET, "/metrics", Map.of(), null);
    assertEquals(200, reply.status());
    return reply.text();
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
