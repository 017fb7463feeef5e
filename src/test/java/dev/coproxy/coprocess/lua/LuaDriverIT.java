package dev.coproxy.coprocess.lua;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.bus.CoprocessAddresses;
import dev.coproxy.bus.EventAddresses;
import dev.coproxy.testing.Apis;
import dev.coproxy.testing.Poll;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.TestPolicies;
import dev.coproxy.testing.Traffic;
import dev.coproxy.testing.Upstream;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Lua driver end to end: real Lua scripts in {@code <middleware_path>/lua}, a real gateway with
 * two Lua instances, a real upstream. Each test uses its own API ids and listen paths.
 */
class LuaDriverIT {

  private static Path middleware;
  private static TestGateway gw;
  private static Upstream upstream;
  private static final List<JsonObject> events = new CopyOnWriteArrayList<>();
  private static Context eventContext;

  @BeforeAll
  static void start() throws Exception {
    middleware = Files.createTempDirectory("coproxy-lua-mw");
    Files.createDirectories(middleware.resolve("lua"));
    try (InputStream in = LuaDriverIT.class.getResourceAsStream("/lua/plugins.lua")) {
      Files.write(middleware.resolve("lua/plugins.lua"), in.readAllBytes());
    }
    Files.writeString(middleware.resolve("lua/broken.lua"), "function lua_broken(request, session, spec)\n  return request session\nend\n");
    Files.writeString(middleware.resolve("lua/reload.lua"), version("1"));
    // Keys here are about hooks and sessions, not access rights: master keys are allowed (allow_master_keys).
    gw = TestGateway.start(new JsonObject().put("allow_master_keys", true).put("middleware_path", middleware.toString())
        .put("coprocess_options", new JsonObject().put("enable_coprocess", true).put("lua_instances", 2)), Map.of(),
        new TestPolicies().put(TestPolicies.quotaOfOne("lua-policy", "lpolicy")));
    upstream = Upstream.start(gw.vertx);
    // On a context of its own, so that the test can wait for what was delivered before (flushEvents).
    eventContext = gw.vertx.getOrCreateContext();
    Promise<Void> listening = Promise.promise();
    eventContext.runOnContext(v -> gw.vertx.eventBus().<JsonObject>localConsumer(EventAddresses.FIRE, m -> events.add(m.body()))
        .completion().onComplete(listening));
    listening.future().await(10, TimeUnit.SECONDS);
  }

  // Events sent so far reach the fan-out or this test's consumer, each in order; this returns once both have taken them.
  private static void flushEvents() throws Exception {
    Promise<Void> consumer = Promise.promise();
    eventContext.runOnContext(v -> consumer.complete());
    consumer.future().await(10, TimeUnit.SECONDS);
    gw.vertx.eventBus().send(EventAddresses.TRIGGER, new JsonObject().put("event", "LuaFlush"));
    Poll.until(Duration.ofSeconds(10), () -> gw.meters.find("coproxy.events").tags("event", "LuaFlush").counter() != null,
        () -> "the fan-out took the events sent before");
  }

  @AfterAll
  static void stop() throws Exception {
    upstream.close();
    gw.close();
  }

  private static String version(String v) {
    return "function lua_reload(request, session, spec)\n  tyk.req.set_header(\"X-Version\", \"" + v + "\")\n  return request, session\nend\n";
  }

  private static JsonObject hooks(String key, String... names) {
    JsonArray list = new JsonArray();
    for (String name : names) {
      list.add(new JsonObject().put("name", name));
    }
    return new JsonObject().put("driver", "lua").put(key, list);
  }

  private static void deploy(JsonObject api) throws Exception {
    gw.writeApi(api.getString("api_id") + ".json", api);
    JsonObject answer = gw.reload();
    assertEquals(new JsonArray(), answer.getJsonArray("errors"), answer.encodePrettily());
  }

  private static JsonObject keyless(String id, JsonObject middleware) {
    return Apis.keyless(id, "/" + id + "/", upstream.url("/")).put("custom_middleware", middleware);
  }

  private static TestGateway.Reply get(String uri, Map<String, String> headers) throws Exception {
    return gw.call(HttpMethod.GET, uri, headers, null);
  }

  private static JsonObject upstreamSaw(TestGateway.Reply reply) {
    return reply.json().getJsonObject("headers");
  }

  /** Tyk's "Auth with policy" with a Lua auth_check: a policy with quota_max 1 answers 200, then 403. */
  @Test
  void authWithPolicy() throws Exception {
    deploy(Apis.protectedApi("lpolicy", "/lpolicy/", upstream.url("/")).put("enable_coprocess_auth", true)
        .put("custom_middleware", new JsonObject().put("driver", "lua").put("auth_check", new JsonObject().put("name", "lua_auth"))));
    TestGateway.Reply missing = get("/lpolicy/", Map.of("Authorization", "lua-policy-token", "Policy", "no-such-policy"));
    assertEquals(403, missing.status(), missing.text());
    assertEquals(new JsonObject().put("error", "Forbidden"), missing.json());
    Map<String, String> withPolicy = Map.of("Authorization", "lua-policy-token", "Policy", "lua-policy");
    assertEquals(200, get("/lpolicy/", withPolicy).status());
    TestGateway.Reply second = get("/lpolicy/", withPolicy);
    assertEquals(403, second.status(), second.text());
    assertEquals(new JsonObject().put("error", "Quota exceeded"), second.json());
  }

  @Test
  void preHookHeadersReachTheUpstream() throws Exception {
    deploy(keyless("lp", hooks("pre", "lua_pre")));
    TestGateway.Reply reply = get("/lp/x?a=1", Map.of("X-Probe", "p1", "X-Drop-1", "d1", "X-Drop-2", "d2"));
    assertEquals(200, reply.status(), reply.text());
    JsonObject seen = upstreamSaw(reply);
    assertEquals("yes", seen.getString("x-lua-pre"));
    assertEquals("lp", seen.getString("x-api"));
    assertEquals("p1", seen.getString("x-seen-probe"));
    assertFalse(seen.containsKey("x-drop-1"), "every clear_header call counts: " + seen);
    assertFalse(seen.containsKey("x-drop-2"), seen.encode());
    assertEquals("/x?a=1&added=1", reply.json().getString("uri"));
  }

  @Test
  void postHookSeesSessionMetadata() throws Exception {
    deploy(Apis.protectedApi("lpost", "/lpost/", upstream.url("/")).put("custom_middleware", hooks("post", "lua_post")));
    TestGateway.Reply created = gw.admin(HttpMethod.POST, "/tyk/keys/lua-post-key", new JsonObject().put("org_id", "test-org")
        .put("rate", 100).put("per", 1).put("meta_data", new JsonObject().put("user", "ann")).encode());
    assertEquals(200, created.status(), created.text());
    TestGateway.Reply reply = get("/lpost/x", Map.of("Authorization", "lua-post-key"));
    assertEquals(200, reply.status(), reply.text());
    assertEquals("ann", upstreamSaw(reply).getString("x-user"));
    assertEquals("100", upstreamSaw(reply).getString("x-rate"));
  }

  @Test
  void responseHookRewritesBodyWithItsLength() throws Exception {
    deploy(keyless("lresp", hooks("response", "lua_response")));
    TestGateway.Reply reply = get("/lresp/x", Map.of());
    assertEquals(200, reply.status(), reply.text());
    assertEquals("lua:200", reply.text());
    assertEquals("7", reply.headers().get("content-length"));
    assertEquals("lua", reply.headers().get("x-resp"));
  }

  @Test
  void withTracingOffAHookGetsNoTraceContext() throws Exception {
    deploy(keyless("ltrace", hooks("response", "lua_trace_seen")));
    TestGateway.Reply reply = get("/ltrace/x", Map.of("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
    assertEquals(200, reply.status(), reply.text());
    assertEquals("none", reply.headers().get("X-Seen-Traceparent"));
  }

  @Test
  void authCheckAuthorisesStoresTheKeyAndCarriesTheQuota() throws Exception {
    deploy(Apis.protectedApi("lauth", "/lauth/", upstream.url("/")).put("custom_plugin_auth_enabled", true)
        .put("custom_middleware", new JsonObject().put("driver", "lua").put("auth_check", new JsonObject().put("name", "lua_auth"))));
    assertEquals(403, get("/lauth/x", Map.of("Authorization", "bad-token")).status());
    assertEquals(200, get("/lauth/x", Map.of("Authorization", "good-lua-token")).status());
    assertEquals(200, get("/lauth/x", Map.of("Authorization", "good-lua-token")).status());
    TestGateway.Reply third = get("/lauth/x", Map.of("Authorization", "good-lua-token"));
    assertEquals(403, third.status(), third.text());
    assertEquals("Quota exceeded", third.json().getString("error"));
    TestGateway.Reply key = gw.admin(HttpMethod.GET, "/tyk/keys/good-lua-token", null);
    assertEquals(200, key.status(), key.text());
    assertEquals("lua-user", key.json().getJsonObject("meta_data").getString("user"));
    assertEquals(100, key.json().getDouble("rate"));
    assertEquals(0, key.json().getLong("quota_remaining"));
  }

  @Test
  void helpersStoreReadTriggerAndLog() throws Exception {
    deploy(keyless("lhelp", hooks("pre", "lua_helpers")));
    TestGateway.Reply first = get("/lhelp/x", Map.of("X-Value", "v42"));
    assertEquals(200, first.status(), first.text());
    assertEquals("v42", upstreamSaw(first).getString("x-stored"));
    // Another call, possibly on the other instance, reads the same store.
    for (int i = 0; i < 4; i++) {
      TestGateway.Reply later = get("/lhelp/x", Map.of());
      assertEquals("v42", upstreamSaw(later).getString("x-stored"));
    }
    Poll.until(Duration.ofSeconds(5), () -> events.stream().anyMatch(e -> "LuaTriggered".equals(e.getString("event"))
        && "".equals(e.getString("api_id")) && "payload-v42".equals(e.getJsonObject("meta").getString("Message"))),
        () -> "system event LuaTriggered in " + events);
  }

  @Test
  void syntaxErrorFailsThatHookAndLeavesTheOthers() throws Exception {
    deploy(keyless("lsyntax", hooks("pre", "lua_broken")));
    int before = upstream.received.size();
    TestGateway.Reply reply = get("/lsyntax/x", Map.of());
    assertEquals(500, reply.status(), reply.text());
    assertEquals("Middleware error", reply.json().getString("error"));
    assertEquals(before, upstream.received.size(), "the request did not reach the upstream");
    deploy(keyless("lsyntax-ok", hooks("pre", "lua_pre")));
    assertEquals(200, get("/lsyntax-ok/x", Map.of()).status());
    JsonObject hello = get("/hello", Map.of()).json();
    assertEquals("warn", hello.getString("status"), hello.encode());
    assertTrue(hello.getJsonObject("details").getJsonObject("driver_lua").getString("output").contains(".lua"), hello.encode());
  }

  @Test
  void runtimeErrorAnswersMiddlewareError() throws Exception {
    deploy(keyless("lrt", hooks("pre", "lua_runtime_error")));
    TestGateway.Reply reply = get("/lrt/x", Map.of());
    assertEquals(500, reply.status(), reply.text());
    deploy(keyless("lrt-ok", hooks("pre", "lua_counter")));
    assertEquals(200, get("/lrt-ok/x", Map.of()).status());
  }

  @Test
  void endlessLoopsAreStoppedAtTheirDeadlineAndTheInstancesServeOn() throws Exception {
    JsonObject mw = new JsonObject().put("driver", "lua")
        .put("pre", new JsonArray().add(new JsonObject().put("name", "lua_loop").put("timeout_ms", 300)));
    JsonObject mwPcall = new JsonObject().put("driver", "lua")
        .put("pre", new JsonArray().add(new JsonObject().put("name", "lua_loop_pcall").put("timeout_ms", 300)));
    JsonObject mwCoroutine = new JsonObject().put("driver", "lua")
        .put("pre", new JsonArray().add(new JsonObject().put("name", "lua_loop_coroutine").put("timeout_ms", 300)));
    deploy(keyless("lloop", mw));
    deploy(keyless("lloop-pcall", mwPcall));
    deploy(keyless("lloop-co", mwCoroutine));
    deploy(keyless("lloop-ok", hooks("pre", "lua_pre")));
    deploy(keyless("lloop-cook", hooks("pre", "lua_coroutine_ok")));
    // Both instances get a looping script; each must come back.
    for (int i = 0; i < 2; i++) {
      TestGateway.Reply reply = get("/lloop/x", Map.of()); // the script never ends: an answer at all is the deadline's
      assertEquals(500, reply.status(), reply.text());
      assertEquals(500, get("/lloop-pcall/x", Map.of()).status());
      assertEquals(500, get("/lloop-co/x", Map.of()).status());
    }
    for (int i = 0; i < 4; i++) {
      TestGateway.Reply ok = get("/lloop-ok/x", Map.of());
      assertEquals(200, ok.status(), ok.text());
      assertEquals("yes", upstreamSaw(ok).getString("x-lua-pre"));
      assertEquals("2,20", upstreamSaw(get("/lloop-cook/x", Map.of())).getString("x-co"), "coroutines still work");
    }
  }

  private static double front(String result) {
    io.micrometer.core.instrument.Counter counter = gw.meters.find("coproxy.hook.front").tags("driver", "lua", "result", result).counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void quickHooksRunOnTheEventLoopAndTheOthersOnTheWorkers() throws Exception {
    deploy(keyless("lfront", hooks("pre", "lua_pre")));
    deploy(keyless("lbusy", hooks("pre", "lua_busy")));
    deploy(keyless("lfile", hooks("pre", "lua_reads_file")));
    deploy(keyless("lstore", hooks("pre", "lua_helpers")));
    get("/lfront/x", Map.of());
    double loop = front("event_loop");
    double handed = front("handed_over");
    for (int i = 0; i < 10; i++) {
      TestGateway.Reply reply = get("/lfront/x", Map.of());
      assertEquals("yes", upstreamSaw(reply).getString("x-lua-pre"), reply.text());
    }
    assertEquals(loop + 10, front("event_loop"), "a quick pure hook is answered on the event loop");
    assertEquals(handed, front("handed_over"));

    // Past the budget: stopped on the loop, run again on a worker; its event fires once per call.
    for (int i = 0; i < 3; i++) {
      TestGateway.Reply reply = get("/lbusy/x", Map.of("X-Call", "busy-" + i));
      assertEquals(200, reply.status(), reply.text());
      assertEquals("done", upstreamSaw(reply).getString("x-busy"));
    }
    // Events go point to point to the fan-out or to this test's consumer: together, once per call.
    java.util.function.LongSupplier fired = () -> {
      io.micrometer.core.instrument.Counter fanout = gw.meters.find("coproxy.events").tags("event", "LuaBusy").counter();
      return events.stream().filter(e -> "LuaBusy".equals(e.getString("event"))).count() + (fanout == null ? 0 : (long) fanout.count());
    };
    flushEvents();
    assertEquals(3, fired.getAsLong(), "the event fires once per call, not again for the run stopped on the loop");
    assertEquals(handed + 3, front("handed_over"), "each busy call went to a worker");

    // Files and the store wait: those hooks go to the workers and still work.
    Path file = middleware.resolve("lua-read-me.txt");
    Files.writeString(file, "file-line\n");
    assertEquals("file-line", upstreamSaw(get("/lfile/x", Map.of("X-Path", file.toString()))).getString("x-file"));
    assertEquals("v7", upstreamSaw(get("/lstore/x", Map.of("X-Value", "v7"))).getString("x-stored"));
    assertEquals(handed + 5, front("handed_over"));
  }

  @Test
  void osExecuteIsSwitchedOff() throws Exception {
    Path marker = middleware.resolve("os-execute-ran");
    deploy(keyless("los", hooks("pre", "lua_os")));
    TestGateway.Reply reply = get("/los/x", Map.of("X-Path", marker.toString()));
    assertEquals(500, reply.status(), reply.text());
    assertFalse(Files.exists(marker));
    deploy(keyless("losv", hooks("pre", "lua_os_visible")));
    TestGateway.Reply visible = get("/losv/x", Map.of());
    assertEquals("false,false,false,false,false", upstreamSaw(visible).getString("x-os"));
    deploy(keyless("lstdin", hooks("pre", "lua_stdin")));
    assertEquals("nil", upstreamSaw(get("/lstdin/x", Map.of())).getString("x-stdin"), "the gateway's stdin is not a script's");
  }

  @Test
  void rawBodyRoundTripsUnchanged() throws Exception {
    deploy(keyless("lbin", hooks("pre", "lua_binary")));
    byte[] bytes = new byte[512];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (i * 7 + 3);
    }
    List<byte[]> seen = new CopyOnWriteArrayList<>();
    upstream.handler(req -> req.body().onSuccess(body -> {
      seen.add(body.getBytes());
      req.response().putHeader("x-len", String.valueOf(req.getHeader("X-Len"))).end(body);
    }));
    try {
      Promise<TestGateway.Reply> reply = Promise.promise();
      RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(gw.port()).setURI("/lbin/x");
      gw.vertx.getOrCreateContext().runOnContext(v -> gw.client.request(options)
          .compose(req -> req.send(Buffer.buffer(bytes)))
          .compose(resp -> resp.body().map(b -> new TestGateway.Reply(resp.statusCode(), resp.headers(), b)))
          .onComplete(reply));
      TestGateway.Reply answer = reply.future().await(20, TimeUnit.SECONDS);
      assertEquals(200, answer.status(), answer.text());
      assertEquals(1, seen.size());
      assertArrayEquals(bytes, seen.get(0));
      assertEquals("512", answer.headers().get("x-len"));
      assertArrayEquals(bytes, answer.body().getBytes());
    } finally {
      upstream.echoRequests();
    }
  }

  @Test
  void dispatchEventReachesTheNamedFunction() throws Exception {
    deploy(keyless("levent", hooks("pre", "lua_event_read")));
    JsonObject payload = new JsonObject()
        .put("message", new JsonObject().put("Type", "AuthFailure").put("Meta", new JsonObject().put("Message", "Auth Failure"))
            .put("TimeStamp", "now"))
        .put("handler_name", "lua_event")
        .put("spec", new JsonObject().put("APIID", "levent").put("OrgID", "test-org"));
    gw.vertx.eventBus().request(CoprocessAddresses.driver("lua") + CoprocessAddresses.EVENT_SUFFIX, payload.encode())
        .await(10, TimeUnit.SECONDS);
    TestGateway.Reply reply = get("/levent/x", Map.of());
    assertEquals("AuthFailure:levent:Auth Failure", upstreamSaw(reply).getString("x-event"));
  }

  @Test
  void reloadPicksUpAChangedScriptWithoutAFailedRequest() throws Exception {
    deploy(keyless("lreload", hooks("pre", "lua_reload")));
    assertEquals("1", upstreamSaw(get("/lreload/x", Map.of())).getString("x-version"));
    Traffic traffic = Traffic.start(1, () -> get("/lreload/x", Map.of()), r -> upstreamSaw(r).getString("x-version"));
    List<String> versions = traffic.values;
    try (traffic) {
      Poll.until(Duration.ofSeconds(10), () -> versions.size() >= 5, () -> "traffic before the reload");
      Files.writeString(middleware.resolve("lua/reload.lua"), version("2"), StandardCharsets.UTF_8);
      gw.reload();
      assertEquals("2", upstreamSaw(get("/lreload/x", Map.of())).getString("x-version"), "the reload answered after the new script was loaded");
      int seen = versions.size();
      Poll.until(Duration.ofSeconds(10), () -> versions.size() >= seen + 5, () -> "traffic after the reload");
    }
    assertEquals(List.of(), traffic.failures);
    assertEquals("2", versions.get(versions.size() - 1));
  }
}
