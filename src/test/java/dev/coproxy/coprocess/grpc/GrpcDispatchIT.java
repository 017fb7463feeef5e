package dev.coproxy.coprocess.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.TestPolicies;
import dev.coproxy.testing.Upstream;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Tyk's gRPC tests (reference 16.9) against a real gRPC plugin server on loopback. */
class GrpcDispatchIT {

  private static io.vertx.core.Vertx pluginVertx;
  private static TestPluginServer plugin;
  private static TestGateway gw;
  private static Upstream upstream;

  @BeforeAll
  static void start() throws Exception {
    pluginVertx = io.vertx.core.Vertx.vertx();
    plugin = TestPluginServer.tcp(pluginVertx);
    // Keys here are about hooks and sessions, not access rights: master keys are allowed (allow_master_keys).
    gw = TestGateway.start(new JsonObject().put("allow_master_keys", true).put("coprocess_options", new JsonObject()
        .put("enable_coprocess", true)
        .put("coprocess_grpc_server", plugin.target())
        .put("grpc_recv_max_size", 1_000_000)
        .put("grpc_send_max_size", 1_000_000)), Map.of(), new TestPolicies().put(TestPolicies.quotaOfOne("grpc-policy", "gpolicy")));
    upstream = Upstream.start(gw.vertx);
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      upstream.close();
      gw.close();
    }
    if (plugin != null) {
      plugin.close();
    }
    if (pluginVertx != null) {
      pluginVertx.close().await(10, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  static JsonArray hooks(String... names) {
    JsonArray out = new JsonArray();
    for (String name : names) {
      out.add(new JsonObject().put("name", name));
    }
    return out;
  }

  private static void deploy(JsonObject api) throws Exception {
    gw.writeApi(api.getString("api_id") + ".json", api);
    JsonObject answer = gw.reload();
    assertEquals(new JsonArray(), answer.getJsonArray("errors"), answer.encodePrettily());
  }

  private static JsonObject keyless(String id, JsonObject middleware) {
    return Apis.keyless(id, "/" + id + "/", upstream.url("/")).put("custom_middleware", middleware.put("driver", "grpc"));
  }

  /** Tyk's "Auth with policy" with a gRPC auth_check: a policy with quota_max 1 answers 200, then 403. */
  @Test
  void authWithPolicy() throws Exception {
    deploy(Apis.protectedApi("gpolicy", "/gpolicy/", upstream.url("/")).put("enable_coprocess_auth", true)
        .put("custom_middleware", new JsonObject().put("driver", "grpc").put("auth_check", new JsonObject().put("name", "policyAuthHook"))));
    TestGateway.Reply missing = gw.call(HttpMethod.GET, "/gpolicy/", Map.of("Authorization", "grpc-policy-token", "Policy", "none"), null);
    assertEquals(403, missing.status(), missing.text());
    assertEquals(new JsonObject().put("error", "Forbidden"), missing.json());
    Map<String, String> withPolicy = Map.of("Authorization", "grpc-policy-token", "Policy", "grpc-policy");
    assertEquals(200, gw.call(HttpMethod.GET, "/gpolicy/", withPolicy, null).status());
    TestGateway.Reply second = gw.call(HttpMethod.GET, "/gpolicy/", withPolicy, null);
    assertEquals(403, second.status(), second.text());
    assertEquals(new JsonObject().put("error", "Quota exceeded"), second.json());
  }

  @Test
  void preHookHeaderReachesUpstream() throws Exception {
    deploy(keyless("g-pre", new JsonObject().put("pre", hooks("testPreHook1"))));
    TestGateway.Reply reply = gw.call(HttpMethod.GET, "/g-pre/x",
        Map.of("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), null);
    assertEquals(200, reply.status(), reply.text());
    assertEquals("testvalue", reply.json().getJsonObject("headers").getString("testheader"));
    // Tracing is off here: the call carries no trace context, whatever the client sent.
    assertEquals("none", plugin.lastTraceparent.get());
  }

  @Test
  void bodyRules() throws Exception {
    deploy(keyless("g-body", new JsonObject().put("pre", hooks("testPreHook2"))));
    assertEquals(200, gw.call(HttpMethod.POST, "/g-body/x", Map.of("Content-Type", "application/json"), "{\"k\":\"é\"}").status());
    TestGateway.Reply bad = gw.call(HttpMethod.POST, "/g-body/x", Map.of("Content-Type", "text/plain"), "x");
    assertEquals(400, bad.status(), bad.text());
  }

  @Test
  void postHookSeesSessionMetadata() throws Exception {
    deploy(Apis.protectedApi("g-post", "/g-post/", upstream.url("/"))
        .put("custom_middleware", new JsonObject().put("driver", "grpc").put("post", hooks("testPostHook1"))));
    JsonObject session = new JsonObject().put("rate", 100).put("per", 1).put("org_id", "default")
        .put("access_rights", new JsonObject().put("g-post", new JsonObject().put("api_id", "g-post").put("api_name", "g-post")
            .put("versions", new JsonArray().add("Default"))))
        .put("meta_data", new JsonObject().put("testkey", new JsonObject().put("foo", "bar")).put("testkey2", "testvalue"));
    TestGateway.Reply created = gw.admin(HttpMethod.POST, "/tyk/keys/g-post-key", session.encode());
    assertEquals(200, created.status(), created.text());
    TestGateway.Reply reply = gw.call(HttpMethod.GET, "/g-post/x", Map.of("Authorization", "g-post-key"), null);
    assertEquals(200, reply.status(), reply.text());
  }

  @Test
  void responseHookBodyWithContentLength() throws Exception {
    deploy(keyless("g-resp", new JsonObject().put("response", hooks("testResponseHook"))));
    TestGateway.Reply reply = gw.call(HttpMethod.GET, "/g-resp/x", Map.of(), null);
    assertEquals(200, reply.status());
    assertEquals("newbody", reply.text());
    assertEquals("7", reply.headers().get("content-length"));
  }

  @Test
  void authHookStoresKeyUnderToken() throws Exception {
    deploy(Apis.protectedApi("g-auth", "/g-auth/", upstream.url("/")).put("custom_plugin_auth_enabled", true)
        .put("custom_middleware", new JsonObject().put("driver", "grpc").put("auth_check", new JsonObject().put("name", "testAuthHook1"))));
    assertEquals(200, gw.call(HttpMethod.GET, "/g-auth/x", Map.of("Authorization", "abc"), null).status());
    TestGateway.Reply key = gw.admin(HttpMethod.GET, "/tyk/keys/abc", null);
    assertEquals(200, key.status(), key.text());
    assertEquals("customAuthSessionMetaValue", key.json().getJsonObject("meta_data").getString("sessionMetaKey"));
    assertEquals(400, gw.call(HttpMethod.GET, "/g-auth/x", Map.of("Authorization", "nope"), null).status());
  }

  @Test
  void sizeLimits() throws Exception {
    deploy(keyless("g-size", new JsonObject().put("pre", hooks("noop"))));
    String small = "a".repeat(200_000);
    TestGateway.Reply ok = gw.call(HttpMethod.POST, "/g-size/x", Map.of(), small);
    assertEquals(200, ok.status());
    assertEquals(small, ok.json().getString("body"));
    TestGateway.Reply big = gw.call(HttpMethod.POST, "/g-size/x", Map.of(), "a".repeat(1_500_000));
    assertEquals(500, big.status());
    assertEquals("Middleware error", big.json().getString("error"));
  }

  @Test
  void replyOverReceiveLimitGivesMiddlewareError() throws Exception {
    deploy(keyless("g-grow", new JsonObject().put("pre", hooks("grow"))));
    TestGateway.Reply reply = gw.call(HttpMethod.GET, "/g-grow/x", Map.of(), null);
    assertEquals(500, reply.status());
    assertEquals("Middleware error", reply.json().getString("error"));
    deploy(keyless("g-grow-after", new JsonObject().put("pre", hooks("testPreHook1"))));
    assertEquals(200, gw.call(HttpMethod.GET, "/g-grow-after/x", Map.of(), null).status());
  }

  @Test
  void errorStatusGivesMiddlewareError() throws Exception {
    deploy(keyless("g-status", new JsonObject().put("pre", hooks("status"))));
    TestGateway.Reply reply = gw.call(HttpMethod.GET, "/g-status/x", Map.of(), null);
    assertEquals(500, reply.status());
    assertEquals("Middleware error", reply.json().getString("error"));
  }

  @Test
  void debugHeadersCarryTheStatusAndItsDescription() throws Exception {
    deploy(keyless("g-status-debug", new JsonObject().put("pre", hooks("testPreHook1", "status")).put("debug_headers", true)));
    TestGateway.Reply reply = gw.call(HttpMethod.GET, "/g-status-debug/x", Map.of(), null);
    assertEquals(500, reply.status());
    assertEquals("Middleware error", reply.json().getString("error"));
    // A gRPC server gives no file or line: they are left out.
    assertEquals("pre:status driver=grpc: gRPC status INTERNAL: plugin bug: 1+1 != 3", reply.headers().get("X-Coproxy-Plugin-Error"));
    assertTrue(reply.headers().get("X-Coproxy-Hooks").matches("pre:testPreHook1=\\d+\\.\\dms,pre:status=\\d+\\.\\dms"),
        reply.headers().get("X-Coproxy-Hooks"));
  }

  @Test
  void serverThatNeverAnswersHitsTheDeadline() throws Exception {
    deploy(keyless("g-hang", new JsonObject().put("pre", new JsonArray().add(new JsonObject().put("name", "hang").put("timeout_ms", 300)))));
    double timeouts = failures(gw, "timeout");
    TestGateway.Reply reply = gw.call(HttpMethod.GET, "/g-hang/x", Map.of(), null); // the server never answers
    assertEquals(500, reply.status());
    assertEquals(timeouts + 1, failures(gw, "timeout"), () -> "the call ended at its deadline; errors counted: " + failures(gw, "error"));
    // The hook's deadline went to the server as grpc-timeout (at most 300 ms, in any unit).
    String timeout = plugin.lastGrpcTimeout.get();
    assertTrue(timeout.matches("\\d+[HMSmun]"), "grpc-timeout " + timeout);
    long nanos = Long.parseLong(timeout.substring(0, timeout.length() - 1)) * switch (timeout.charAt(timeout.length() - 1)) {
      case 'H' -> 3_600_000_000_000L;
      case 'M' -> 60_000_000_000L;
      case 'S' -> 1_000_000_000L;
      case 'm' -> 1_000_000L;
      case 'u' -> 1_000L;
      default -> 1L;
    };
    assertTrue(nanos > 0 && nanos <= 300_000_000L, "grpc-timeout " + timeout);
    // The connection is still good for the next call.
    deploy(keyless("g-after", new JsonObject().put("pre", hooks("testPreHook1"))));
    assertEquals(200, gw.call(HttpMethod.GET, "/g-after/x", Map.of(), null).status());
  }

  @Test
  void eventsAreDelivered() throws Exception {
    gw.vertx.eventBus().send("coproxy.driver.grpc.event", "{\"event\":\"test\"}");
    dev.coproxy.testing.Poll.until(Duration.ofSeconds(10), () -> plugin.events.contains("{\"event\":\"test\"}"),
        () -> "event at the plugin server, got " + plugin.events);
  }

  // Hook failures by reason so far, over every API and hook.
  private static double failures(TestGateway gw, String reason) {
    return gw.meters.find("coproxy.hook.failures").tag("reason", reason).counters().stream()
        .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
  }
}
