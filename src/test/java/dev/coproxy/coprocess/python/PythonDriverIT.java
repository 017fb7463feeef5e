package dev.coproxy.coprocess.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.bus.EventAddresses;
import dev.coproxy.testing.Apis;
import dev.coproxy.testing.LogCapture;
import dev.coproxy.testing.Poll;
import dev.coproxy.testing.TempDirs;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.TestPolicies;
import dev.coproxy.testing.Traffic;
import dev.coproxy.testing.Upstream;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Python driver end to end: a real gateway with four real CPython workers running the plugins
 * of {@code src/test/resources/python/middleware.py} from {@code <middleware_path>/python}, a real
 * upstream. Tyk's own Python tests (auth with quota, post hook metadata, response body, pre hook
 * body rules), the plugin API, parallelism, every failure a worker can have, and reload.
 */
class PythonDriverIT {

  private static Path middleware;
  private static TestGateway gw;
  private static Upstream upstream;
  private static LogCapture logs;
  private static final List<JsonObject> published = new CopyOnWriteArrayList<>();
  private static final ExecutorService clients = Executors.newFixedThreadPool(8);

  @BeforeAll
  static void start() throws Exception {
    PythonCheck.requireProtobuf();
    logs = new LogCapture();
    middleware = Files.createTempDirectory("coproxy-python-mw");
    Files.createDirectories(middleware.resolve("python"));
    try (InputStream in = PythonDriverIT.class.getResourceAsStream("/python/middleware.py")) {
      Files.write(middleware.resolve("python/middleware.py"), in.readAllBytes());
    }
    Files.writeString(middleware.resolve("python/reload_version.py"), version("1"));
    // Keys here are about hooks and sessions, not access rights: master keys are allowed (allow_master_keys).
    gw = TestGateway.start(new JsonObject().put("allow_master_keys", true).put("middleware_path", middleware.toString())
        .put("coprocess_options", new JsonObject().put("enable_coprocess", true).put("python_workers", 4)), Map.of(),
        new TestPolicies().put(TestPolicies.quotaOfOne("py-policy", "ppolicy")));
    upstream = Upstream.start(gw.vertx);
    gw.vertx.eventBus().<JsonObject>consumer(EventAddresses.EVENTS, m -> published.add(m.body())).completion().await(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    clients.shutdownNow();
    if (upstream != null) {
      upstream.close();
    }
    if (gw != null) {
      gw.close();
    }
    if (logs != null) {
      logs.close();
    }
    TempDirs.delete(middleware);
  }

  private static String version(String v) {
    return "from tyk.decorators import *\n\n@Hook\ndef ReloadVersion(request, session, spec):\n"
        + "    request.add_header('X-Version', '" + v + "')\n    return request, session\n";
  }

  static JsonObject hooks(String key, String name, Integer timeoutMs) {
    JsonObject hook = new JsonObject().put("name", name);
    if (timeoutMs != null) {
      hook.put("timeout_ms", timeoutMs);
    }
    return new JsonObject().put("driver", "python").put(key, new JsonArray().add(hook));
  }

  private static void deploy(JsonObject api) throws Exception {
    gw.writeApi(api.getString("api_id") + ".json", api);
    JsonObject answer = gw.reload();
    assertEquals(new JsonArray(), answer.getJsonArray("errors"), answer.encodePrettily());
  }

  private static JsonObject keyless(String id, String key, String hook) {
    return Apis.keyless(id, "/" + id + "/", upstream.url("/")).put("custom_middleware", hooks(key, hook, null));
  }

  private static TestGateway.Reply get(String uri, Map<String, String> headers) throws Exception {
    return gw.call(HttpMethod.GET, uri, headers, null);
  }

  private static JsonObject upstreamSaw(TestGateway.Reply reply) {
    return reply.json().getJsonObject("headers");
  }

  private static double restarts() {
    return gw.meters.get("coproxy.python.worker.restarts").counter().count();
  }

  private static TestGateway.Reply post(String uri, String contentType, byte[] body) throws Exception {
    Promise<TestGateway.Reply> reply = Promise.promise();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(gw.port())
        .setURI(uri).putHeader("Content-Type", contentType);
    gw.vertx.getOrCreateContext().runOnContext(v -> gw.client.request(options)
        .compose(req -> req.send(Buffer.buffer(body)))
        .compose(resp -> resp.body().map(b -> new TestGateway.Reply(resp.statusCode(), resp.headers(), b)))
        .onComplete(reply));
    return reply.future().await(20, TimeUnit.SECONDS);
  }

  private static List<TestGateway.Reply> concurrently(int n, String uri) throws Exception {
    List<Future<TestGateway.Reply>> futures = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      futures.add(clients.submit(() -> get(uri, Map.of())));
    }
    List<TestGateway.Reply> replies = new ArrayList<>();
    for (Future<TestGateway.Reply> future : futures) {
      replies.add(future.get(30, TimeUnit.SECONDS));
    }
    return replies;
  }

  /** Tyk's "Auth with policy": the plugin's session names a policy with quota_max 1: 200, then 403. */
  @Test
  void tykAuthWithPolicy() throws Exception {
    JsonObject auth = new JsonObject().put("driver", "python").put("auth_check", new JsonObject().put("name", "MyAuthHook"));
    deploy(Apis.protectedApi("ppolicy", "/ppolicy/", upstream.url("/")).put("enable_coprocess_auth", true).put("custom_middleware", auth));
    TestGateway.Reply missing = get("/ppolicy/", Map.of("Authorization", "token_without_quota", "Policy", "no-such-policy"));
    assertEquals(403, missing.status(), missing.text());
    assertEquals(new JsonObject().put("error", "Forbidden"), missing.json());
    Map<String, String> withPolicy = Map.of("Authorization", "token_without_quota", "Policy", "py-policy");
    assertEquals(200, get("/ppolicy/", withPolicy).status());
    TestGateway.Reply second = get("/ppolicy/", withPolicy);
    assertEquals(403, second.status(), second.text());
    assertEquals(new JsonObject().put("error", "Quota exceeded"), second.json());
  }

  @Test
  void tykAuthHookWithQuota() throws Exception {
    JsonObject auth = new JsonObject().put("driver", "python").put("auth_check", new JsonObject().put("name", "MyAuthHook"));
    deploy(Apis.protectedApi("pauth", "/pauth/", upstream.url("/")).put("enable_coprocess_auth", true).put("custom_middleware", auth));
    deploy(Apis.protectedApi("pauth2", "/pauth2/", upstream.url("/")).put("custom_plugin_auth_enabled", true).put("custom_middleware", auth));
    Map<String, String> valid = Map.of("Authorization", "valid_token");
    assertEquals(200, get("/pauth/", valid).status());
    assertEquals(403, get("/pauth/", Map.of("Authorization", "invalid_token")).status());
    TestGateway.Reply exhausted = get("/pauth/", valid);
    assertEquals(403, exhausted.status(), "the quota of 1 is carried over: " + exhausted.text());
    TestGateway.Reply key = gw.admin(HttpMethod.GET, "/tyk/keys/valid_token", null);
    assertEquals(1000, key.json().getDouble("rate"), key.text());
    assertEquals(200, gw.admin(HttpMethod.DELETE, "/tyk/keys/valid_token", null).status());
    assertEquals(200, get("/pauth2/", valid).status());
    assertEquals(403, get("/pauth2/", Map.of("Authorization", "invalid_token")).status());
    assertEquals(403, get("/pauth2/", valid).status());
  }

  @Test
  void tykPostHookReadsSessionMetadata() throws Exception {
    deploy(Apis.protectedApi("ppost", "/ppost/", upstream.url("/")).put("custom_middleware", hooks("post", "MyPostHook", null)));
    JsonObject session = new JsonObject().put("org_id", "test-org").put("rate", 100).put("per", 1)
        .put("meta_data", new JsonObject().put("testkey", new JsonObject().put("nestedkey", "nestedvalue")).put("stringkey", "testvalue"));
    assertEquals(200, gw.admin(HttpMethod.POST, "/tyk/keys/py-post-key", session.encode()).status());
    TestGateway.Reply reply = get("/ppost/", Map.of("Authorization", "py-post-key"));
    assertEquals(200, reply.status(), reply.text());
  }

  @Test
  void tykResponseHookBodyAndContentLength() throws Exception {
    deploy(keyless("presp", "response", "MyResponseHook"));
    TestGateway.Reply reply = get("/presp/x", Map.of());
    assertEquals(200, reply.status(), reply.text());
    assertEquals("newbody", reply.text());
    assertEquals("7", reply.headers().get("content-length"));
  }

  @Test
  void tykPreHookBodyRules() throws Exception {
    deploy(keyless("pbody", "pre", "MyPreHook"));
    TestGateway.Reply json = post("/pbody/", "application/json", "{}".getBytes());
    assertEquals(200, json.status(), json.text());
    byte[] binary = new byte[300];
    for (int i = 0; i < binary.length; i++) {
      binary[i] = (byte) (0x80 + i % 120);
    }
    String boundary = "b0undary";
    java.io.ByteArrayOutputStream form = new java.io.ByteArrayOutputStream();
    form.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"test.bin\"\r\n"
        + "Content-Type: application/octet-stream\r\n\r\n").getBytes());
    form.write(binary);
    form.write(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"testfield\"\r\n\r\ntestvalue\r\n--"
        + boundary + "--\r\n").getBytes());
    TestGateway.Reply multipart = post("/pbody/", "multipart/form-data; boundary=" + boundary, form.toByteArray());
    assertEquals(200, multipart.status(), multipart.text());
  }

  @Test
  void requestHelpersSpecAndLegacyDecorators() throws Exception {
    deploy(keyless("phelp", "pre", "Helpers").put("config_data", new JsonObject().put("greeting", "hi")));
    TestGateway.Reply reply = get("/phelp/x?a=1&drop=2", Map.of("X-Probe", "p1", "X-Drop", "d",
        "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
    assertEquals(200, reply.status(), reply.text());
    JsonObject seen = upstreamSaw(reply);
    assertEquals("yes", seen.getString("x-added"));
    // Tracing is off here: the hook gets no trace context, whatever the client sent.
    assertEquals("none", seen.getString("x-seen-traceparent"));
    assertEquals("p1", seen.getString("x-seen-probe"));
    assertEquals("True", seen.getString("x-missing-is-none"));
    assertEquals("phelp", seen.getString("x-api"));
    assertEquals("hi", seen.getString("x-config"));
    assertEquals("Pre", seen.getString("x-hook-type"));
    assertFalse(seen.containsKey("x-drop"), seen.encode());
    assertEquals("/x?a=1&added=1", reply.json().getString("uri"));
    Poll.until(Duration.ofSeconds(5), () -> logs.contains("python worker", "a plugin print goes to the log"), () -> "plugin print in the log");
    deploy(keyless("plegacy", "pre", "LegacyPre"));
    assertEquals("pre", upstreamSaw(get("/plegacy/x", Map.of())).getString("x-legacy"));
  }

  @Test
  void storeDataGetDataTriggerEventAndLog() throws Exception {
    deploy(keyless("pstore", "pre", "StoreAndRead"));
    TestGateway.Reply first = get("/pstore/x", Map.of("X-Value", "v42"));
    assertEquals(200, first.status(), first.text());
    assertEquals("v42", upstreamSaw(first).getString("x-stored"));
    assertEquals("v42", gw.gateway.sessions().store().get("coprocess-data:py-key").await(5, TimeUnit.SECONDS));
    for (TestGateway.Reply later : concurrently(4, "/pstore/x")) {
      assertEquals("v42", upstreamSaw(later).getString("x-stored"), "every worker reads the gateway's store");
    }
    Poll.until(Duration.ofSeconds(5), () -> published.stream().anyMatch(e -> "FromPython".equals(e.getJsonObject("message").getString("Type"))
        && "payload-v42".equals(e.getJsonObject("message").getJsonObject("Meta").getString("Message"))),
        () -> "FromPython on coproxy.events: " + published);
    assertTrue(logs.contains("python (worker", "stored v42"), "tyk.log reaches the gateway log");
    assertTrue(logs.contains("SEVERE", "a log_error line"), "tyk.log_error logs an error");
  }

  @Test
  void eventHandlerReceivesCpDynamicHandlerEvents() throws Exception {
    JsonObject mw = new JsonObject().put("driver", "python").put("auth_check", new JsonObject().put("name", "Authoriser"));
    deploy(Apis.protectedApi("pevent", "/pevent/", upstream.url("/")).put("custom_plugin_auth_enabled", true).put("custom_middleware", mw)
        .put("event_handlers", new JsonObject().put("events", new JsonObject().put("AuthFailure", new JsonArray()
            .add(new JsonObject().put("handler_name", "cp_dynamic_handler").put("handler_meta", new JsonObject().put("name", "on_auth_failure")))))));
    assertEquals(200, get("/pevent/x", Map.of("Authorization", "py-user")).status());
    TestGateway.Reply refused = get("/pevent/x", Map.of("Authorization", "intruder"));
    assertEquals(401, refused.status(), refused.text());
    Poll.until(Duration.ofSeconds(10), "the @Event handler stored what it saw",
        () -> "AuthFailure:intruder:pevent".equals(gw.gateway.sessions().store().get("coprocess-data:event-seen").await(5, TimeUnit.SECONDS)));
  }

  @Test
  void hooksRunInParallelOnTheWorkers() throws Exception {
    deploy(keyless("psleep", "pre", "Sleepy"));
    concurrently(8, "/psleep/x"); // every worker loads the code once
    List<TestGateway.Reply> replies = concurrently(8, "/psleep/x");
    Set<String> pids = new HashSet<>();
    List<double[]> spans = new ArrayList<>();
    for (TestGateway.Reply reply : replies) {
      assertEquals(200, reply.status(), reply.text());
      pids.add(upstreamSaw(reply).getString("x-pid"));
      String[] span = upstreamSaw(reply).getString("x-span").split(" ");
      spans.add(new double[] {Double.parseDouble(span[0]), Double.parseDouble(span[1])});
    }
    // One at a time (Tyk's single interpreter) no two hooks would ever run at the same moment.
    int mostAtOnce = 0;
    for (double[] span : spans) {
      int running = 0;
      for (double[] other : spans) {
        if (other[0] <= span[0] && span[0] < other[1]) {
          running++;
        }
      }
      mostAtOnce = Math.max(mostAtOnce, running);
    }
    assertTrue(mostAtOnce >= 2, "hooks ran at the same moment on different workers: at most " + mostAtOnce);
    assertTrue(pids.size() >= 3, "calls spread over the workers: " + pids);
  }

  @Test
  void anExceptionAnswersMiddlewareErrorWithTheTracebackLogged() throws Exception {
    deploy(keyless("praise", "pre", "Raises"));
    int before = upstream.received.size();
    TestGateway.Reply reply = get("/praise/x", Map.of());
    assertEquals(500, reply.status(), reply.text());
    assertEquals("Middleware error", reply.json().getString("error"));
    assertEquals(before, upstream.received.size());
    Poll.until(Duration.ofSeconds(5), () -> logs.contains("praise", "Raises", "ValueError: raised on purpose", "Traceback", "middleware.py"),
        () -> "a log line with the traceback");
  }

  @Test
  void aHookPastItsDeadlineGetsItsWorkerKilledAndReplaced() throws Exception {
    deploy(Apis.keyless("phang", "/phang/", upstream.url("/")).put("custom_middleware", hooks("pre", "Hangs", 700)));
    deploy(keyless("ppid", "pre", "Pid"));
    double restartsBefore = restarts();
    TestGateway.Reply reply = get("/phang/x", Map.of()); // the hook sleeps 60 s; its deadline is 700 ms
    assertEquals(500, reply.status(), reply.text());
    Poll.until(Duration.ofSeconds(5), () -> restarts() > restartsBefore, () -> "a restart is counted");
    for (TestGateway.Reply ok : concurrently(8, "/ppid/x")) {
      assertEquals(200, ok.status(), ok.text());
    }
  }

  @Test
  void aDyingWorkerFailsOnlyItsCallAndIsReplaced() throws Exception {
    deploy(keyless("pexit", "pre", "ExitsHard"));
    deploy(keyless("pkill", "pre", "KillsItself"));
    deploy(keyless("psegv", "pre", "Segfaults"));
    deploy(keyless("pslow", "pre", "Sleepy"));
    concurrently(8, "/pslow/x");
    for (String api : List.of("pexit", "pkill", "psegv")) {
      double restartsBefore = restarts();
      List<Future<TestGateway.Reply>> others = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        others.add(clients.submit(() -> get("/pslow/x", Map.of())));
      }
      TestGateway.Reply dying = get("/" + api + "/x", Map.of());
      assertEquals(500, dying.status(), api + ": " + dying.text());
      for (Future<TestGateway.Reply> other : others) {
        assertEquals(200, other.get(30, TimeUnit.SECONDS).status(), api + ": calls on the other workers are untouched");
      }
      assertEquals(restartsBefore + 1, restarts(), api);
      Poll.until(Duration.ofSeconds(20), api + ": four workers, the replacement among them, serve at once", () -> {
        Set<String> pids = new HashSet<>();
        for (TestGateway.Reply ok : concurrently(4, "/pslow/x")) {
          assertEquals(200, ok.status(), ok.text());
          pids.add(upstreamSaw(ok).getString("x-pid"));
        }
        return pids.size() == 4;
      });
    }
    assertTrue(logs.contains("python worker", "stopped", "signal 9"), "the kill is named in the log");
    assertTrue(logs.contains("python worker", "stopped", "signal 11"), "the segfault is named in the log");
    assertTrue(logs.contains("python worker", "stopped", "exit status 3"), "os._exit is named in the log");
  }

  @Test
  void aSyntaxErrorFailsOnlyTheHooksOfThatFile() throws Exception {
    Path broken = middleware.resolve("python/broken.py");
    Files.writeString(broken, "from tyk.decorators import *\n\n@Hook\ndef BrokenHook(request, session, spec)\n    return request, session\n");
    try {
      deploy(keyless("psyntax", "pre", "BrokenHook"));
      deploy(keyless("psyntax-ok", "pre", "Pid"));
      TestGateway.Reply reply = get("/psyntax/x", Map.of());
      assertEquals(500, reply.status(), reply.text());
      assertEquals(200, get("/psyntax-ok/x", Map.of()).status());
      concurrently(8, "/psyntax-ok/x");
      assertTrue(logs.contains("python plugin code", "broken.py", "SyntaxError", "line 4"), "a clear log line: " + logs.lines);
      assertEquals(1, logs.count("could not load " + broken), "logged once, not once per worker");
      assertTrue(logs.contains("psyntax", "BrokenHook", "broken.py"), "the failed hook names the file that did not load");
    } finally {
      Files.delete(broken);
      gw.reload();
    }
  }

  @Test
  void reloadUnderTrafficFailsNoRequestAndServesTheNewCode() throws Exception {
    deploy(keyless("preload", "pre", "ReloadVersion"));
    assertEquals("1", upstreamSaw(get("/preload/x", Map.of())).getString("x-version"));
    Traffic traffic = Traffic.start(3, () -> get("/preload/x", Map.of()), r -> upstreamSaw(r).getString("x-version"));
    List<String> versions = traffic.values;
    try (traffic) {
      Poll.until(Duration.ofSeconds(10), () -> versions.size() >= 10, () -> "traffic before the reload");
      Files.writeString(middleware.resolve("python/reload_version.py"), version("2"));
      gw.reload();
      for (TestGateway.Reply after : concurrently(8, "/preload/x")) {
        assertEquals("2", upstreamSaw(after).getString("x-version"), "new code is live when the reload returns");
      }
      int seen = versions.size();
      Poll.until(Duration.ofSeconds(10), () -> versions.size() >= seen + 10, () -> "traffic after the reload");
    }
    assertEquals(List.of(), traffic.failures);
    assertEquals("2", versions.get(versions.size() - 1));
  }
}
