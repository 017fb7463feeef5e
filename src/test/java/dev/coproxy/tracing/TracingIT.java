package dev.coproxy.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.coprocess.grpc.TestPluginServer;
import dev.coproxy.testing.Apis;
import dev.coproxy.testing.Poll;
import dev.coproxy.testing.TempDirs;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import dev.coproxy.tracing.OtlpReceiver.ReceivedSpan;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code opentelemetry} end to end: a real gateway exports over OTLP/HTTP to a collector in the test
 * ({@link OtlpReceiver}), a real upstream records the trace context it is sent, and real Lua hooks
 * and a real gRPC plugin server receive it, with and without {@code detailed_tracing}.
 */
class TracingIT {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private static Vertx collectorVertx;
  private static OtlpReceiver collector;
  private static Path middleware;
  private static TestGateway gw;
  private static Upstream upstream;
  private static Vertx pluginVertx;
  private static TestPluginServer plugin;

  @BeforeAll
  static void start() throws Exception {
    collectorVertx = Vertx.vertx();
    collector = new OtlpReceiver(collectorVertx);
    pluginVertx = Vertx.vertx();
    plugin = TestPluginServer.tcp(pluginVertx);
    middleware = Files.createTempDirectory("coproxy-otel-mw");
    Files.createDirectories(middleware.resolve("lua"));
    try (InputStream in = TracingIT.class.getResourceAsStream("/debug/debug.lua")) {
      Files.write(middleware.resolve("lua").resolve("debug.lua"), in.readAllBytes());
    }
    try (InputStream in = TracingIT.class.getResourceAsStream("/tracing/trace.lua")) {
      Files.write(middleware.resolve("lua").resolve("trace.lua"), in.readAllBytes());
    }
    Files.createDirectories(middleware.resolve("python"));
    try (InputStream in = TracingIT.class.getResourceAsStream("/tracing/trace.py")) {
      Files.write(middleware.resolve("python").resolve("trace.py"), in.readAllBytes());
    }
    gw = TestGateway.start(new JsonObject()
        .put("middleware_path", middleware.toString())
        .put("coprocess_options", new JsonObject().put("enable_coprocess", true).put("lua_instances", 1).put("python_workers", 1)
            .put("coprocess_grpc_server", plugin.target()))
        .put("opentelemetry", new JsonObject()
            .put("enabled", true)
            .put("exporter", "http")
            // Tyk's host:port form: the traces path is added
            .put("endpoint", "127.0.0.1:" + collector.port())
            .put("resource_name", "coproxy-it")
            .put("span_processor_type", "simple")
            .put("sampling", new JsonObject().put("type", "AlwaysOn"))), Map.of());
    upstream = Upstream.start(gw.vertx);
  }

  @AfterAll
  static void stop() throws Exception {
    if (upstream != null) {
      upstream.close();
    }
    if (gw != null) {
      gw.close();
    }
    if (collector != null) {
      collector.close();
    }
    if (collectorVertx != null) {
      collectorVertx.close().await();
    }
    if (plugin != null) {
      plugin.close();
    }
    if (pluginVertx != null) {
      pluginVertx.close().await();
    }
    TempDirs.delete(middleware);
  }

  private static void deploy(JsonObject api) throws Exception {
    gw.writeApi(api.getString("api_id") + ".json", api);
    JsonObject answer = gw.reload();
    assertEquals(new JsonArray(), answer.getJsonArray("errors"), answer.encodePrettily());
  }

  private static JsonObject api(String id, String name) {
    return Apis.keyless(id, "/" + id + "/", upstream.url("/")).put("name", name).put("org_id", "org-otel");
  }

  private static JsonObject luaPre(String... names) {
    JsonArray pre = new JsonArray();
    for (String name : names) {
      pre.add(new JsonObject().put("name", name));
    }
    return new JsonObject().put("driver", "lua").put("pre", pre);
  }

  private static ReceivedSpan only(String name) {
    Poll.until(WAIT, () -> !collector.named(name).isEmpty(), () -> "a span named " + name + " in " + collector.spans);
    List<ReceivedSpan> spans = collector.named(name);
    assertEquals(1, spans.size(), spans.toString());
    return spans.get(0);
  }

  private static ReceivedSpan hookSpan(ReceivedSpan server) {
    Poll.until(WAIT, () -> collector.spans.stream().anyMatch(s -> s.parentSpanId().equals(server.spanId())),
        () -> "a span under " + server + " in " + collector.spans);
    return collector.spans.stream().filter(s -> s.parentSpanId().equals(server.spanId())).findFirst().orElseThrow();
  }

  // The upstream's traceparent names the gateway's span as its parent, in the same trace, sampled
  // (the flags' low bit; the SDK may set others, such as W3C level 2's random bit).
  private static void assertSampledChildOf(ReceivedSpan span, String traceparent) {
    String prefix = "00-" + span.traceId() + "-" + span.spanId() + "-";
    assertTrue(traceparent != null && traceparent.startsWith(prefix) && traceparent.length() == prefix.length() + 2,
        traceparent + " is not a child of " + span);
    assertEquals(1, Integer.parseInt(traceparent.substring(prefix.length()), 16) & 1, traceparent);
  }

  @Test
  void aRequestGetsAServerSpanWithTyksAttributesAndTheUpstreamContinuesTheTrace() throws Exception {
    deploy(api("otel-plain", "Plain API"));
    TestGateway.Reply reply = gw.call(HttpMethod.GET, "/otel-plain/items?x=1", Map.of(), null);
    assertEquals(200, reply.status(), reply.text());

    ReceivedSpan span = only("Plain API");
    assertEquals(2, span.kind(), "SPAN_KIND_SERVER");
    assertEquals("", span.parentSpanId());
    assertEquals("GET", span.attributes().get("http.request.method"));
    assertEquals(200L, span.attributes().get("http.response.status_code"));
    assertEquals("otel-plain", span.attributes().get("tyk.api.id"));
    assertEquals("Plain API", span.attributes().get("tyk.api.name"));
    assertEquals("org-otel", span.attributes().get("tyk.api.orgid"));
    assertEquals("/otel-plain/", span.attributes().get("tyk.api.path"));
    assertEquals("/otel-plain/items", span.attributes().get("url.path"));
    assertEquals("coproxy-it", span.resource().get("service.name"));
    assertTrue(collector.contentTypes.stream().allMatch(t -> t.startsWith("application/x-protobuf")), collector.contentTypes.toString());

    assertSampledChildOf(span, reply.json().getJsonObject("headers").getString("traceparent"));
  }

  @Test
  void aCallersTraceparentIsContinued() throws Exception {
    deploy(api("otel-cont", "Continued API"));
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    String callerSpan = "00f067aa0ba902b7";
    TestGateway.Reply reply = gw.call(HttpMethod.GET, "/otel-cont/x",
        Map.of("traceparent", "00-" + traceId + "-" + callerSpan + "-01", "tracestate", "vendor=abc"), null);
    assertEquals(200, reply.status(), reply.text());

    ReceivedSpan span = only("Continued API");
    assertEquals(traceId, span.traceId());
    assertEquals(callerSpan, span.parentSpanId());
    JsonObject seen = reply.json().getJsonObject("headers");
    assertSampledChildOf(span, seen.getString("traceparent"));
    assertEquals("vendor=abc", seen.getString("tracestate"));
  }

  @Test
  void withDetailedTracingEachHookGetsASpanUnderTheRequest() throws Exception {
    deploy(api("otel-hook", "Hooked API").put("detailed_tracing", true).put("custom_middleware", luaPre("dbg_ok")));
    TestGateway.Reply reply = gw.call(HttpMethod.GET, "/otel-hook/x", Map.of(), null);
    assertEquals(200, reply.status(), reply.text());

    ReceivedSpan server = only("Hooked API");
    ReceivedSpan hook = hookSpan(server);
    assertEquals(server.traceId(), hook.traceId());
    assertEquals("pre", hook.attributes().get("coproxy.hook.type"));
    assertEquals("dbg_ok", hook.attributes().get("coproxy.hook.name"));
    assertEquals("lua", hook.attributes().get("coproxy.hook.driver"));
    assertEquals("ok", hook.attributes().get("coproxy.hook.outcome"));
    assertEquals(0L, hook.statusCode(), "unset status");
    assertSampledChildOf(server, reply.json().getJsonObject("headers").getString("traceparent"));
  }

  @Test
  void withDetailedTracingEachMiddlewareGetsASpanAndOneThatRefusesIsAnError() throws Exception {
    deploy(api("otel-ips", "Listed API").put("detailed_tracing", true).put("enable_ip_whitelisting", true)
        .put("allowed_ips", new JsonArray().add("127.0.0.1")).put("custom_middleware", luaPre("dbg_ok")));
    assertEquals(200, gw.call(HttpMethod.GET, "/otel-ips/x", Map.of(), null).status());
    ReceivedSpan listed = only("Listed API");
    ReceivedSpan allowList = childNamed(listed, "ip_whitelist");
    assertEquals(0L, allowList.statusCode(), "unset status");
    assertEquals("dbg_ok", hookSpanNamed(listed, "dbg_ok").attributes().get("coproxy.hook.name"), "the hook keeps its own span");

    deploy(api("otel-key", "Keyed API").put("detailed_tracing", true).put("use_keyless", false));
    assertEquals(401, gw.call(HttpMethod.GET, "/otel-key/x", Map.of(), null).status());
    ReceivedSpan keyed = only("Keyed API");
    ReceivedSpan auth = childNamed(keyed, "token_auth");
    assertEquals(2L, auth.statusCode(), "STATUS_CODE_ERROR");
    assertEquals(401L, auth.attributes().get("http.response.status_code"));

    // Its own API and name: the collector keeps every test's spans, another test's "Plain API" too.
    deploy(api("otel-undetailed", "Undetailed API").put("enable_ip_whitelisting", true)
        .put("allowed_ips", new JsonArray().add("127.0.0.1")));
    assertEquals(200, gw.call(HttpMethod.GET, "/otel-undetailed/x", Map.of(), null).status());
    ReceivedSpan plain = only("Undetailed API");
    assertTrue(collector.spans.stream().noneMatch(s -> s.parentSpanId().equals(plain.spanId())),
        "no middleware spans without detailed_tracing: " + collector.spans);
  }

  private static ReceivedSpan childNamed(ReceivedSpan parent, String name) {
    Poll.until(WAIT, () -> collector.spans.stream().anyMatch(s -> s.parentSpanId().equals(parent.spanId()) && s.name().equals(name)),
        () -> "a span " + name + " under " + parent + " in " + collector.spans);
    return collector.spans.stream().filter(s -> s.parentSpanId().equals(parent.spanId()) && s.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void aFailingHooksSpanCarriesItsFailureAndTheRequestSpanTheStatus() throws Exception {
    deploy(api("otel-fail", "Failing API").put("detailed_tracing", true).put("custom_middleware", luaPre("dbg_fails")));
    TestGateway.Reply reply = gw.call(HttpMethod.GET, "/otel-fail/x", Map.of(), null);
    assertEquals(500, reply.status(), reply.text());

    ReceivedSpan server = only("Failing API");
    assertEquals(500L, server.attributes().get("http.response.status_code"));
    assertEquals(2L, server.statusCode(), "STATUS_CODE_ERROR");
    ReceivedSpan hook = hookSpan(server);
    assertEquals("dbg_fails", hook.attributes().get("coproxy.hook.name"));
    assertNotEquals("ok", hook.attributes().get("coproxy.hook.outcome"));
    assertEquals(2L, hook.statusCode(), "STATUS_CODE_ERROR");
  }

  private static JsonObject luaResponse(String name) {
    return new JsonObject().put("driver", "lua").put("response", new JsonArray().add(new JsonObject().put("name", name)));
  }

  private static JsonObject grpcPre(String name) {
    return new JsonObject().put("driver", "grpc").put("pre", new JsonArray().add(new JsonObject().put("name", name)));
  }

  private static ReceivedSpan hookSpanNamed(ReceivedSpan server, String hook) {
    Poll.until(WAIT, () -> collector.spans.stream().anyMatch(s -> s.parentSpanId().equals(server.spanId())
        && hook.equals(s.attributes().get("coproxy.hook.name"))), () -> "a span of " + hook + " under " + server + " in " + collector.spans);
    return collector.spans.stream().filter(s -> s.parentSpanId().equals(server.spanId())
        && hook.equals(s.attributes().get("coproxy.hook.name"))).findFirst().orElseThrow();
  }

  @Test
  void aLuaHookReadsTheRequestSpansContextInItsMetadata() throws Exception {
    deploy(api("otel-lua-ctx", "Lua Context API").put("custom_middleware", luaResponse("trace_seen")));
    TestGateway.Reply reply = gw.call(HttpMethod.GET, "/otel-lua-ctx/x",
        Map.of("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "tracestate", "vendor=lua"), null);
    assertEquals(200, reply.status(), reply.text());

    ReceivedSpan server = only("Lua Context API");
    assertEquals("0af7651916cd43dd8448eb211c80319c", server.traceId());
    assertSampledChildOf(server, reply.headers().get("X-Seen-Traceparent"));
    assertEquals("vendor=lua", reply.headers().get("X-Seen-Tracestate"));
  }

  @Test
  void withDetailedTracingTheLuaHooksOwnSpanIsTheParent() throws Exception {
    deploy(api("otel-lua-hook", "Lua Hook Context API").put("detailed_tracing", true).put("custom_middleware", luaResponse("trace_seen")));
    TestGateway.Reply reply = gw.call(HttpMethod.GET, "/otel-lua-hook/x", Map.of(), null);
    assertEquals(200, reply.status(), reply.text());

    ReceivedSpan server = only("Lua Hook Context API");
    assertSampledChildOf(hookSpanNamed(server, "trace_seen"), reply.headers().get("X-Seen-Traceparent"));
    assertEquals("none", reply.headers().get("X-Seen-Tracestate"));
  }

  @Test
  void aGrpcPluginGetsTheContextAsCallMetadata() throws Exception {
    deploy(api("otel-grpc-ctx", "gRPC Context API").put("custom_middleware", grpcPre("testPreHook1")));
    TestGateway.Reply reply = gw.call(HttpMethod.GET, "/otel-grpc-ctx/x", Map.of("tracestate", "vendor=grpc",
        "traceparent", "00-5bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), null);
    assertEquals(200, reply.status(), reply.text());

    ReceivedSpan server = only("gRPC Context API");
    assertEquals("5bf92f3577b34da6a3ce929d0e0e4736", server.traceId());
    assertSampledChildOf(server, plugin.lastTraceparent.get());
    assertEquals("vendor=grpc", plugin.lastTracestate.get());
    // The same context the upstream continues: the request's span.
    assertEquals(plugin.lastTraceparent.get(), reply.json().getJsonObject("headers").getString("traceparent"));
  }

  @Test
  void withDetailedTracingTheGrpcHooksOwnSpanIsTheParent() throws Exception {
    deploy(api("otel-grpc-hook", "gRPC Hook Context API").put("detailed_tracing", true).put("custom_middleware", grpcPre("testPreHook1")));
    TestGateway.Reply reply = gw.call(HttpMethod.GET, "/otel-grpc-hook/x", Map.of(), null);
    assertEquals(200, reply.status(), reply.text());

    ReceivedSpan server = only("gRPC Hook Context API");
    assertSampledChildOf(hookSpanNamed(server, "testPreHook1"), plugin.lastTraceparent.get());
    assertEquals("none", plugin.lastTracestate.get());
  }

  @Test
  void theContextAnAuthHookHandsBackStaysOutOfTheSession() throws Exception {
    deploy(Apis.protectedApi("otel-auth", "/otel-auth/", upstream.url("/")).put("name", "Auth Context API")
        .put("custom_plugin_auth_enabled", true)
        .put("custom_middleware", new JsonObject().put("driver", "lua").put("auth_check", new JsonObject().put("name", "trace_auth"))));
    TestGateway.Reply reply = gw.call(HttpMethod.GET, "/otel-auth/x", Map.of("Authorization", "trace-token"), null);
    assertEquals(200, reply.status(), reply.text());

    ReceivedSpan server = only("Auth Context API");
    TestGateway.Reply key = gw.admin(HttpMethod.GET, "/tyk/keys/trace-token", null);
    assertEquals(200, key.status(), key.text());
    JsonObject meta = key.json().getJsonObject("meta_data");
    assertSampledChildOf(server, meta.getString("seen"));
    assertEquals(null, meta.getValue("traceparent"), meta.encode());
  }

  @Test
  void aPythonHookReadsTheContextOnItsRequest() throws Exception {
    deploy(api("otel-py-ctx", "Python Context API")
        .put("custom_middleware", new JsonObject().put("driver", "python").put("pre", new JsonArray().add(new JsonObject().put("name", "TracePre")))));
    TestGateway.Reply reply = gw.call(HttpMethod.GET, "/otel-py-ctx/x", Map.of(), null);
    assertEquals(200, reply.status(), reply.text());

    ReceivedSpan server = only("Python Context API");
    JsonObject seen = reply.json().getJsonObject("headers");
    assertSampledChildOf(server, seen.getString("x-seen-traceparent"));
    assertEquals(seen.getString("traceparent"), seen.getString("x-seen-traceparent"));
  }

  @Test
  void aLuaPreHookReadsTheContextFromTheTykLibrary() throws Exception {
    deploy(api("otel-lua-pre", "Lua Pre Context API").put("custom_middleware", luaPre("trace_pre")));
    TestGateway.Reply reply = gw.call(HttpMethod.GET, "/otel-lua-pre/x", Map.of(), null);
    assertEquals(200, reply.status(), reply.text());

    ReceivedSpan server = only("Lua Pre Context API");
    JsonObject seen = reply.json().getJsonObject("headers");
    assertSampledChildOf(server, seen.getString("x-seen-traceparent"));
    assertEquals("none", seen.getString("x-seen-tracestate"));
  }

  @Test
  void aClientThatLeavesBeforeItsAnswerEndsItsSpanAsAnErrorAndTheUpstreamCallIsDropped() throws Exception {
    Vertx vertx = gw.vertx;
    AtomicBoolean asked = new AtomicBoolean();
    AtomicBoolean upstreamClosed = new AtomicBoolean();
    // An upstream that takes the request and never answers it.
    HttpServer silent = vertx.createHttpServer().requestHandler(request -> {
      asked.set(true);
      request.connection().closeHandler(v -> upstreamClosed.set(true));
    }).listen(0, "127.0.0.1").await();
    try {
      deploy(Apis.keyless("otel-gone", "/otel-gone/", "http://127.0.0.1:" + silent.actualPort() + "/").put("name", "Gone API"));
      try (Socket client = new Socket("127.0.0.1", gw.port())) {
        client.getOutputStream().write("GET /otel-gone/x HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        client.getOutputStream().flush();
        Poll.until(WAIT, asked::get, () -> "the upstream got the request");
      }

      ReceivedSpan span = only("Gone API");
      assertEquals(2L, span.statusCode(), "STATUS_CODE_ERROR: " + span);
      assertEquals(null, span.attributes().get("http.response.status_code"), span.toString());
      Poll.until(WAIT, upstreamClosed::get, () -> "the upstream call reset when the client left");
    } finally {
      silent.close().await();
    }
  }
}
