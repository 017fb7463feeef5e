package dev.coproxy.coprocess;

import static dev.coproxy.coprocess.CoprocessFixture.eventually;
import static dev.coproxy.coprocess.CoprocessFixture.hooks;
import static dev.coproxy.coprocess.CoprocessFixture.middleware;
import static dev.coproxy.coprocess.CoprocessFixture.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.coproxy.proto.MiniRequestObject;
import dev.coproxy.proto.ReturnOverrides;
import dev.coproxy.testing.Apis;
import dev.coproxy.testing.TestGateway;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** How a request hook's reply changes the request, and the ReturnOverrides matrix (Tyk sections 5 and 6). */
class ReplyApplyIT {

  private static CoprocessFixture fx;

  @BeforeAll
  static void start() throws Exception {
    fx = CoprocessFixture.start();
  }

  @AfterAll
  static void stop() throws Exception {
    fx.close();
  }

  /** Deploys a keyless API on /<id>/ whose single pre hook is scripted. */
  private static void preApi(String id, java.util.function.UnaryOperator<dev.coproxy.proto.Object> script) throws Exception {
    fx.driver.on(id, script);
    fx.deploy(fx.keyless(id, middleware().put("pre", hooks(id))));
  }

  @Test
  void rawBodyBecomesTheUpstreamBodyWithItsLength() throws Exception {
    preApi("rp-body", request(r -> r.setRawBody(ByteString.copyFromUtf8("replaced-body")).setBody("ignored")));
    TestGateway.Reply reply = fx.call(HttpMethod.POST, "/rp-body/x", Map.of("Content-Type", "text/plain"), "original");
    assertEquals(200, reply.status(), reply.text());
    JsonObject seen = reply.json();
    assertEquals("replaced-body", seen.getString("body"));
    assertEquals("13", seen.getJsonObject("headers").getString("content-length"));
  }

  @Test
  void contentLengthFollowsTheBodyWhateverTheHeadersSay() throws Exception {
    preApi("rp-cl-set", request(r -> r.setRawBody(ByteString.copyFromUtf8("hello")).putSetHeaders("Content-Length", "3")));
    preApi("rp-cl-del", request(r -> r.setRawBody(ByteString.copyFromUtf8("hello")).addDeleteHeaders("Content-Length")));
    for (String id : List.of("rp-cl-set", "rp-cl-del")) {
      TestGateway.Reply reply = fx.call(HttpMethod.POST, "/" + id + "/x", Map.of(), "original");
      assertEquals(200, reply.status(), id + ": " + reply.text());
      assertEquals("hello", reply.json().getString("body"), id);
      assertEquals("5", reply.json().getJsonObject("headers").getString("content-length"), id);
    }
  }

  @Test
  void bodyStringAloneIsIgnored() throws Exception {
    preApi("rp-bodystr", request(r -> r.setBody("changed only in body")));
    JsonObject seen = fx.call(HttpMethod.POST, "/rp-bodystr/x", Map.of(), "original").json();
    assertEquals("original", seen.getString("body"));
    assertEquals("8", seen.getJsonObject("headers").getString("content-length"));
  }

  @Test
  void replyWithoutRawBodyEmptiesTheBody() throws Exception {
    preApi("rp-nobody", o -> dev.coproxy.proto.Object.newBuilder().setRequest(MiniRequestObject.newBuilder()
        .setUrl(o.getRequest().getUrl()).setMethod(o.getRequest().getMethod())
        .setReturnOverrides(ReturnOverrides.newBuilder().setResponseCode(-1))).build());
    TestGateway.Reply reply = fx.call(HttpMethod.POST, "/rp-nobody/x", Map.of(), "original");
    assertEquals(200, reply.status(), reply.text());
    JsonObject seen = reply.json();
    assertEquals("", seen.getString("body"));
    String length = seen.getJsonObject("headers").getString("content-length");
    assertTrue(length == null || length.equals("0"), "content-length " + length);
    assertNull(seen.getJsonObject("headers").getString("transfer-encoding"));
  }

  @Test
  void deleteHeadersThenSetHeaders() throws Exception {
    preApi("rp-headers", request(r -> r.addDeleteHeaders("x-del").addDeleteHeaders("X-Both")
        .putSetHeaders("X-Replace", "new").putSetHeaders("x-new", "v").putSetHeaders("X-Both", "set")));
    TestGateway.Reply reply = fx.send(HttpMethod.GET, "/rp-headers/x", List.of(Map.entry("X-Del", "1"), Map.entry("X-Keep", "2"),
        Map.entry("X-Replace", "old1"), Map.entry("X-Replace", "old2"), Map.entry("X-Both", "orig")), null);
    assertEquals(200, reply.status(), reply.text());
    JsonObject headers = reply.json().getJsonObject("headers");
    assertFalse(headers.containsKey("x-del"));
    assertEquals("2", headers.getString("x-keep"));
    assertEquals("new", headers.getValue("x-replace"));
    assertEquals("v", headers.getString("x-new"));
    assertEquals("set", headers.getValue("x-both"), "set_headers is applied after delete_headers");
  }

  @Test
  void addAndDeleteParamsGiveTheSortedEncodedQuery() throws Exception {
    preApi("rp-params", request(r -> r.addDeleteParams("b").putAddParams("c", "x y").putAddParams("a", "2~")));
    JsonObject seen = fx.call(HttpMethod.GET, "/rp-params/x?z=0&b=2&b=3&a=1").json();
    assertEquals("a=2~&c=x+y&z=0", seen.getString("query"));
    assertEquals("/x", seen.getString("path"));
  }

  @Test
  void queryEditedOnlyThroughUrlIsDiscarded() throws Exception {
    preApi("rp-urlq", request(r -> r.setUrl("/rp-urlq/x?a=1&z=9")));
    assertEquals("a=1", fx.call(HttpMethod.GET, "/rp-urlq/x?a=1").json().getString("query"));
  }

  @Test
  void unchangedQueryKeepsItsRawForm() throws Exception {
    preApi("rp-rawq", o -> o);
    assertEquals("b=2&a=1&s=%7e&t=a%20b", fx.call(HttpMethod.GET, "/rp-rawq/x?b=2&a=1&s=%7e&t=a%20b").json().getString("query"));
  }

  @Test
  void lenientlyEncodedTargetsSurviveAnEchoingHook() throws Exception {
    preApi("rp-lenient", o -> o);
    for (String query : List.of("f={a}|[b]^c", "q=100%", "q=%zz&r=1")) {
      TestGateway.Reply reply = fx.call(HttpMethod.GET, "/rp-lenient/x?" + query);
      assertEquals(200, reply.status(), query + ": " + reply.text());
      assertEquals(query, reply.json().getString("query"));
    }
    TestGateway.Reply reply = fx.call(HttpMethod.GET, "/rp-lenient/a|b{c}");
    assertEquals(200, reply.status(), reply.text());
    assertEquals("/a|b{c}", reply.json().getString("path"));
  }

  @Test
  void urlPathChangeReachesTheUpstreamWithTheListenPathStripped() throws Exception {
    fx.driver.on("rpPath", request(r -> r.setUrl(r.getUrl().replace("/old", "/new/place"))));
    fx.deploy(Apis.keyless("rp-path", "/rp-path/", fx.upstream.url("/base"))
        .put("custom_middleware", middleware().put("pre", hooks("rpPath"))));
    fx.deploy(Apis.keyless("rp-nostrip", "/rp-nostrip/", fx.upstream.url("/base"))
        .put("proxy", new JsonObject().put("listen_path", "/rp-nostrip/").put("target_url", fx.upstream.url("/base"))
            .put("strip_listen_path", false))
        .put("custom_middleware", middleware().put("pre", hooks("rpPath"))));
    assertEquals("/base/new/place", fx.call(HttpMethod.GET, "/rp-path/old").json().getString("path"));
    JsonObject seen = fx.call(HttpMethod.GET, "/rp-path/old?k=v").json();
    assertEquals("/base/new/place?k=v", seen.getString("uri"));
    assertEquals("/base/rp-nostrip/new/place", fx.call(HttpMethod.GET, "/rp-nostrip/old").json().getString("path"));
  }

  @Test
  void urlWithCharactersThatCannotGoOnTheWireIsEscaped() throws Exception {
    preApi("rp-space", request(r -> r.setUrl("/rp-space/hello world/\u00e9#x")));
    TestGateway.Reply reply = fx.call(HttpMethod.GET, "/rp-space/x");
    assertEquals(200, reply.status(), reply.text());
    assertEquals("/hello%20world/%C3%A9%23x", reply.json().getString("path"));
  }

  @Test
  void methodChangeReachesTheUpstream() throws Exception {
    preApi("rp-method", request(r -> r.setMethod("PATCH")));
    JsonObject seen = fx.call(HttpMethod.GET, "/rp-method/x").json();
    assertEquals("PATCH", seen.getString("method"));
  }

  @Test
  void anyTokenIsAMethodAndAnythingElseIsABadReply() throws Exception {
    preApi("rp-purge", request(r -> r.setMethod("PURGE")));
    assertEquals("PURGE", fx.call(HttpMethod.GET, "/rp-purge/x").json().getString("method"));
    preApi("rp-same", request(r -> r.setMethod("GET")));
    assertEquals("GET", fx.call(HttpMethod.GET, "/rp-same/x").json().getString("method"));
    preApi("rp-badmethod", request(r -> r.setMethod("GE T")));
    int upstreamCalls = fx.upstream.received.size();
    TestGateway.Reply reply = fx.call(HttpMethod.GET, "/rp-badmethod/x");
    assertEquals(500, reply.status(), reply.text());
    assertEquals("Middleware error", reply.json().getString("error"));
    assertEquals(upstreamCalls, fx.upstream.received.size(), "nothing is sent upstream");
  }

  static Stream<Arguments> overrideMatrix() {
    String json = "{\"foo\": \"bar\"}";
    return Stream.of(
        // code, response_error, response_body, override_error, status, raw body (null = JSON error with message)
        Arguments.of(1, 200, json, "", false, 200, json, null),
        Arguments.of(2, 200, "", "foobar", false, 200, "foobar", null),
        Arguments.of(3, 400, json, "", false, 400, null, json),
        Arguments.of(4, 400, "", "foobar", false, 400, null, "foobar"),
        Arguments.of(5, 401, json, "", false, 401, null, json),
        Arguments.of(6, 400, json, "", true, 400, json, null),
        Arguments.of(7, 400, "", "foobar", true, 400, "foobar", null),
        Arguments.of(8, 401, json, "", true, 401, json, null),
        // Not in Tyk's table: an error override with neither body nor error.
        Arguments.of(9, 403, "", "", false, 403, null, "Key not authorised"));
  }

  @ParameterizedTest(name = "row {0}: code {1}, override_error {4}")
  @MethodSource("overrideMatrix")
  void returnOverridesMatrix(int row, int code, String error, String body, boolean overrideError,
      int status, String rawBody, String errorMessage) throws Exception {
    String id = "rp-ov" + row;
    preApi(id, request(r -> r.setReturnOverrides(ReturnOverrides.newBuilder().setResponseCode(code)
        .setResponseError(error).setResponseBody(body).setOverrideError(overrideError).putHeaders("X-Foo", "Bar"))));
    int upstreamCalls = fx.upstream.received.size();
    TestGateway.Reply reply = fx.call(HttpMethod.GET, "/" + id + "/x", Map.of("Authorization", "key-" + row), null);
    assertEquals(status, reply.status(), reply.text());
    assertEquals("Bar", reply.headers().get("X-Foo"));
    if (rawBody != null) {
      assertEquals(rawBody, reply.text());
    } else {
      assertEquals("application/json", reply.headers().get("Content-Type"));
      assertEquals(errorMessage, reply.json().getString("error"));
      assertTrue(reply.text().contains("\"error\": \""), reply.text());
    }
    assertEquals(upstreamCalls, fx.upstream.received.size(), "the upstream is not called");

    if (errorMessage != null) {
      eventually(Duration.ofSeconds(5), "AuthFailure event", () -> !fx.events("AuthFailure", id).isEmpty());
      JsonObject event = fx.events("AuthFailure", id).get(0);
      assertEquals("test-org", event.getString("org_id"));
      JsonObject meta = event.getJsonObject("meta");
      assertEquals("key-" + row, meta.getString("Key"));
      assertEquals("/" + id + "/x", meta.getString("Path"));
      assertEquals("127.0.0.1", meta.getString("Origin"));
    } else {
      // An error event for another row proves delivery works; none may come for this one.
      assertEquals(List.of(), fx.events("AuthFailure", id));
    }
  }

  @Test
  void overrideWithAStatusThatCannotBeAFinalAnswerIsABadReply() throws Exception {
    for (int code : new int[] {42, 100, 101, 199, 1000, 123456}) {
      String id = "rp-ovcode" + code;
      preApi(id, request(r -> r.setReturnOverrides(ReturnOverrides.newBuilder().setResponseCode(code).setResponseBody("x"))));
      TestGateway.Reply reply = fx.call(HttpMethod.GET, "/" + id + "/x");
      assertEquals(500, reply.status(), code + ": " + reply.text());
      assertEquals("Middleware error", reply.json().getString("error"));
    }
  }

  @Test
  void invalidHeadersFromAHookAreABadReply() throws Exception {
    preApi("rp-badvalue", request(r -> r.putSetHeaders("X-Bad", "a\r\nInjected: 1")));
    preApi("rp-badname", request(r -> r.putSetHeaders("Bad Name", "v")));
    preApi("rp-badoverride", request(r -> r.setReturnOverrides(ReturnOverrides.newBuilder().setResponseCode(200)
        .setResponseBody("x").putHeaders("X-Bad", "a\nb"))));
    for (String id : List.of("rp-badvalue", "rp-badname", "rp-badoverride")) {
      int upstreamCalls = fx.upstream.received.size();
      TestGateway.Reply reply = fx.call(HttpMethod.GET, "/" + id + "/x");
      assertEquals(500, reply.status(), id + ": " + reply.text());
      assertEquals("Middleware error", reply.json().getString("error"));
      assertEquals(upstreamCalls, fx.upstream.received.size(), "nothing is sent upstream");
    }
  }

  @Test
  void bodilessOverrideStatusesAreAnswered() throws Exception {
    for (int code : new int[] {204, 304}) {
      String id = "rp-ovbodiless" + code;
      preApi(id, request(r -> r.setReturnOverrides(ReturnOverrides.newBuilder().setResponseCode(code).setResponseBody("ignored")
          .putHeaders("X-Foo", "Bar"))));
      TestGateway.Reply reply = fx.call(HttpMethod.GET, "/" + id + "/x");
      assertEquals(code, reply.status());
      assertEquals("", reply.text());
      assertEquals("Bar", reply.headers().get("X-Foo"));
    }
    preApi("rp-ovhead", request(r -> r.setReturnOverrides(ReturnOverrides.newBuilder().setResponseCode(200).setResponseBody("body"))));
    TestGateway.Reply head = fx.call(HttpMethod.HEAD, "/rp-ovhead/x");
    assertEquals(200, head.status());
    assertEquals("", head.text());
  }

  @Test
  void overrideHeadersCannotBreakTheFraming() throws Exception {
    preApi("rp-ovframe", request(r -> r.setReturnOverrides(ReturnOverrides.newBuilder().setResponseCode(200).setResponseBody("hello")
        .putHeaders("Content-Length", "2").putHeaders("Transfer-Encoding", "chunked"))));
    preApi("rp-overrframe", request(r -> r.setReturnOverrides(ReturnOverrides.newBuilder().setResponseCode(403)
        .putHeaders("Content-Length", "2"))));
    for (int i = 0; i < 3; i++) {
      TestGateway.Reply reply = fx.call(HttpMethod.GET, "/rp-ovframe/x");
      assertEquals(200, reply.status());
      assertEquals("hello", reply.text());
      TestGateway.Reply error = fx.call(HttpMethod.GET, "/rp-overrframe/x");
      assertEquals(403, error.status());
      assertEquals("Key not authorised", error.json().getString("error"));
    }
  }

  @Test
  void concurrentRequestsKeepTheirOwnChanges() throws Exception {
    fx.driver.onAsync("rp-concurrent", o -> {
      Promise<dev.coproxy.proto.Object> later = Promise.promise();
      String id = o.getRequest().getParamsOrDefault("id", "?");
      // Answer out of order, on a timer, so that calls overlap.
      fx.gw.vertx.setTimer(1 + (Integer.parseInt(id) * 7) % 30, t -> later.complete(request(r -> r.putSetHeaders("X-Id", id)
          .setRawBody(ByteString.copyFromUtf8("body-" + id))).apply(o)));
      return later.future();
    });
    fx.deploy(fx.keyless("rp-concurrent", middleware().put("pre", hooks("rp-concurrent"))));
    Promise<List<JsonObject>> all = Promise.promise();
    fx.gw.vertx.getOrCreateContext().runOnContext(v -> {
      List<io.vertx.core.Future<JsonObject>> calls = new java.util.ArrayList<>();
      for (int i = 0; i < 40; i++) {
        calls.add(fx.gw.client.request(HttpMethod.POST, fx.gw.port(), "127.0.0.1", "/rp-concurrent/x?id=" + i)
            .compose(req -> req.send("original"))
            .compose(resp -> resp.body().map(b -> new JsonObject(b))));
      }
      io.vertx.core.Future.all(calls).map(f -> f.<JsonObject>list()).onComplete(all);
    });
    List<JsonObject> seen = all.future().await(20, java.util.concurrent.TimeUnit.SECONDS);
    for (int i = 0; i < 40; i++) {
      JsonObject one = seen.get(i);
      assertEquals("id=" + i, one.getString("query"));
      assertEquals(String.valueOf(i), one.getJsonObject("headers").getString("x-id"));
      assertEquals("body-" + i, one.getString("body"));
    }
  }

  @Test
  void forwardedForChangedByAHookIsExtended() throws Exception {
    preApi("rp-xff", request(r -> r.putSetHeaders("X-Forwarded-For", "10.0.0.1")));
    preApi("rp-xff-del", request(r -> r.addDeleteHeaders("X-Forwarded-For")));
    assertEquals("10.0.0.1, 127.0.0.1", fx.call(HttpMethod.GET, "/rp-xff/x").json().getJsonObject("headers").getString("x-forwarded-for"));
    assertEquals("127.0.0.1", fx.call(HttpMethod.GET, "/rp-xff-del/x", Map.of("X-Forwarded-For", "6.6.6.6"), null)
        .json().getJsonObject("headers").getString("x-forwarded-for"));
  }

  @Test
  void overrideFromPostHookUsesTheTokenOfTheReplySession() throws Exception {
    fx.driver.on("rpOvTok", o -> o.toBuilder()
        .setRequest(o.getRequest().toBuilder().setReturnOverrides(ReturnOverrides.newBuilder().setResponseCode(403)))
        .setSession(dev.coproxy.proto.SessionState.newBuilder().putMetadata("token", "token-from-plugin")).build());
    fx.deploy(fx.keyless("rp-ovtok", middleware().put("post", hooks("rpOvTok"))));
    TestGateway.Reply reply = fx.call(HttpMethod.GET, "/rp-ovtok/x");
    assertEquals(403, reply.status(), reply.text());
    assertEquals("Key not authorised", reply.json().getString("error"));
    eventually(Duration.ofSeconds(5), "AuthFailure event", () -> !fx.events("AuthFailure", "rp-ovtok").isEmpty());
    assertEquals("token-from-plugin", fx.events("AuthFailure", "rp-ovtok").get(0).getJsonObject("meta").getString("Key"));
  }
}
