package dev.coproxy.coprocess;

import static dev.coproxy.coprocess.CoprocessFixture.hooks;
import static dev.coproxy.coprocess.CoprocessFixture.middleware;
import static dev.coproxy.coprocess.CoprocessFixture.response;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.protobuf.ByteString;
import dev.coproxy.proto.Header;
import dev.coproxy.proto.ReturnOverrides;
import dev.coproxy.testing.Apis;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.vertx.core.http.HttpMethod;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** How a response hook's reply changes the answer (Tyk section 7). */
class ResponseHookIT {

  private static CoprocessFixture fx;
  private static Upstream cookies;

  @BeforeAll
  static void start() throws Exception {
    fx = CoprocessFixture.start();
    cookies = Upstream.start(fx.gw.vertx);
    cookies.handler(req -> req.response()
        .putHeader("X-One", "a")
        .putHeader("Set-Cookie", (Iterable<String>) List.of("c=1", "c=2", "c=3"))
        .putHeader("Content-Type", "text/plain")
        .end("hello"));
  }

  @AfterAll
  static void stop() throws Exception {
    cookies.close();
    fx.close();
  }

  private static TestGateway.Reply callThrough(String id, String... responseHooks) throws Exception {
    fx.deploy(Apis.keyless(id, "/" + id + "/", cookies.url("/")).put("custom_middleware", middleware().put("response", hooks(responseHooks))));
    return fx.call(HttpMethod.GET, "/" + id + "/x");
  }

  @Test
  void echoKeepsTheAnswer() throws Exception {
    TestGateway.Reply reply = callThrough("rh-echo", "rhEcho");
    assertEquals(200, reply.status());
    assertEquals("hello", reply.text());
    assertEquals(List.of("c=1", "c=2", "c=3"), reply.headers().getAll("Set-Cookie"));
    assertEquals("a", reply.headers().get("X-One"));
    assertEquals("5", reply.headers().get("Content-Length"));
  }

  @Test
  void statusAndRawBodyWithItsLength() throws Exception {
    fx.driver.on("rhBody", response(r -> r.setStatusCode(202).setRawBody(ByteString.copyFromUtf8("newbody")).setBody("ignored")));
    TestGateway.Reply reply = callThrough("rh-body", "rhBody");
    assertEquals(202, reply.status());
    assertEquals("newbody", reply.text());
    assertEquals("7", reply.headers().get("Content-Length"));
  }

  @Test
  void changedHeadersMapIsAuthoritativeAndKeepsExtraValues() throws Exception {
    fx.driver.on("rhMap", response(r -> r.putHeaders("Set-Cookie", "c=NEW").removeHeaders("X-One").putHeaders("X-Added", "1")));
    TestGateway.Reply reply = callThrough("rh-map", "rhMap");
    assertEquals(200, reply.status());
    assertEquals(List.of("c=NEW", "c=2", "c=3"), reply.headers().getAll("Set-Cookie"));
    assertNull(reply.headers().get("X-One"));
    assertEquals("1", reply.headers().get("X-Added"));
    assertEquals("hello", reply.text());
  }

  @Test
  void multivalueEditsAreUsedWhenTheMapIsUnchanged() throws Exception {
    fx.driver.on("rhMulti", response(r -> {
      List<Header> kept = r.getMultivalueHeadersList().stream().filter(h -> !h.getKey().equals("X-One")).toList();
      r.clearMultivalueHeaders().addAllMultivalueHeaders(kept)
          .addMultivalueHeaders(Header.newBuilder().setKey("X-Multi").addValues("1").addValues("2"));
    }));
    TestGateway.Reply reply = callThrough("rh-multi", "rhMulti");
    assertEquals(200, reply.status());
    assertEquals(List.of("1", "2"), reply.headers().getAll("X-Multi"));
    assertNull(reply.headers().get("X-One"));
    assertEquals(List.of("c=1", "c=2", "c=3"), reply.headers().getAll("Set-Cookie"));
  }

  @Test
  void twoResponseHooksAreChained() throws Exception {
    fx.driver.on("rhFirst", response(r -> r.setRawBody(ByteString.copyFromUtf8("one")).putHeaders("X-First", "1")));
    fx.driver.on("rhSecond", o -> response(r -> r.setRawBody(ByteString.copyFromUtf8(o.getResponse().getRawBody().toStringUtf8() + "-two"))
        .putHeaders("X-Second", o.getResponse().getHeadersOrDefault("X-First", "missing"))).apply(o));
    TestGateway.Reply reply = callThrough("rh-chain", "rhFirst", "rhSecond");
    assertEquals(200, reply.status());
    assertEquals("one-two", reply.text());
    assertEquals("7", reply.headers().get("Content-Length"));
    assertEquals("1", reply.headers().get("X-First"));
    assertEquals("1", reply.headers().get("X-Second"));
    assertEquals("3", fx.driver.callsTo("rhSecond").get(0).getResponse().getHeadersOrDefault("Content-Length", ""),
        "the second hook sees the first one's body length");
  }

  @Test
  void requestOverridesAndSessionInTheReplyAreIgnored() throws Exception {
    fx.driver.on("rhIgnored", o -> o.toBuilder()
        .setRequest(o.getRequest().toBuilder().setReturnOverrides(ReturnOverrides.newBuilder().setResponseCode(403)))
        .putMetadata("token", "x").build());
    TestGateway.Reply reply = callThrough("rh-ignored", "rhIgnored");
    assertEquals(200, reply.status());
    assertEquals("hello", reply.text());
    assertFalse(fx.events.stream().anyMatch(e -> "rh-ignored".equals(e.getString("api_id"))));
  }

  @Test
  void invalidHeadersFromAResponseHookAreABadReply() throws Exception {
    fx.driver.on("rhBadMap", response(r -> r.putHeaders("X-Bad", "a\r\nInjected: 1")));
    fx.driver.on("rhBadMulti", response(r -> r.addMultivalueHeaders(Header.newBuilder().setKey("Bad Name").addValues("v"))));
    for (String name : List.of("rhBadMap", "rhBadMulti")) {
      TestGateway.Reply reply = callThrough("rh-" + name.toLowerCase(), name);
      assertEquals(500, reply.status(), name + ": " + reply.text());
      assertEquals("Middleware error", reply.json().getString("error"));
      assertEquals(1, fx.metric("coproxy_hook_failures_total", Map.of("hook_name", name, "reason", "bad_reply")), name);
    }
  }

  @Test
  void bodilessStatusesPassThroughAResponseHook() throws Exception {
    try (Upstream bodiless = Upstream.start(fx.gw.vertx)) {
      bodiless.handler(req -> req.response().setStatusCode(Integer.parseInt(req.path().substring(1))).putHeader("X-Status", "kept").end());
      fx.deploy(Apis.keyless("rh-bodiless", "/rh-bodiless/", bodiless.url("/")).put("custom_middleware", middleware()
          .put("response", hooks("rhBodiless"))));
      for (int status : new int[] {204, 304}) {
        TestGateway.Reply reply = fx.call(HttpMethod.GET, "/rh-bodiless/" + status);
        assertEquals(status, reply.status());
        assertEquals("", reply.text());
        assertEquals("kept", reply.headers().get("X-Status"));
      }
      assertEquals(204, fx.driver.callsTo("rhBodiless").get(0).getResponse().getStatusCode());
      assertNull(fx.call(HttpMethod.GET, "/rh-bodiless/204").headers().get("Content-Length"), "no Content-Length on a 204");
    }
  }

  @Test
  void responseHooksRunOnProtectedApisWithTheSession() throws Exception {
    fx.createKey("rh-protected-key", new io.vertx.core.json.JsonObject().put("org_id", "test-org")
        .put("meta_data", new io.vertx.core.json.JsonObject().put("user", "ann")));
    fx.driver.on("rhProt", o -> response(r -> r.putHeaders("X-User", o.getSession().getMetadataOrDefault("user", "none"))).apply(o));
    fx.deploy(Apis.protectedApi("rh-prot", "/rh-prot/", cookies.url("/"))
        .put("custom_middleware", middleware().put("response", hooks("rhProt"))));
    TestGateway.Reply reply = fx.call(HttpMethod.GET, "/rh-prot/x", Map.of("Authorization", "rh-protected-key"), null);
    assertEquals(200, reply.status(), reply.text());
    assertEquals("ann", reply.headers().get("X-User"));
  }
}
