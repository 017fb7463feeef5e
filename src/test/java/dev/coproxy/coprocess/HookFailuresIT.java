package dev.coproxy.coprocess;

import static dev.coproxy.coprocess.CoprocessFixture.hook;
import static dev.coproxy.coprocess.CoprocessFixture.hooks;
import static dev.coproxy.coprocess.CoprocessFixture.middleware;
import static dev.coproxy.coprocess.CoprocessFixture.request;
import static dev.coproxy.coprocess.CoprocessFixture.response;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.bus.CoprocessAddresses;
import dev.coproxy.proto.MiniRequestObject;
import dev.coproxy.proto.ResponseObject;
import dev.coproxy.testing.TestGateway;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the client sees, and what is counted, when a hook call fails (Tyk section 15, plus deadlines). */
class HookFailuresIT {

  private static CoprocessFixture fx;

  @BeforeAll
  static void start() throws Exception {
    fx = CoprocessFixture.start();
  }

  @AfterAll
  static void stop() throws Exception {
    fx.close();
  }

  private static double failures(String hookName, String reason) throws Exception {
    return fx.metric("coproxy_hook_failures_total", Map.of("hook_name", hookName, "reason", reason));
  }

  private static void assertError(TestGateway.Reply reply, int status, String message) {
    assertEquals(status, reply.status(), reply.text());
    assertEquals(new JsonObject().put("error", message), reply.json());
    assertEquals("application/json", reply.headers().get("Content-Type"));
  }

  @Test
  void driverWithoutAVerticleAnswersInternalServerErrorAndForbiddenForAuth() throws Exception {
    JsonObject cm = new JsonObject().put("driver", "nodriver");
    fx.deploy(fx.keyless("hf-nodrv-pre", cm.copy().put("pre", hooks("hfNoDrvPre"))));
    fx.deploy(fx.protectedApi("hf-nodrv-auth", cm.copy().put("auth_check", hook("hfNoDrvAuth"))).put("custom_plugin_auth_enabled", true));
    fx.deploy(fx.keyless("hf-nodrv-resp", cm.copy().put("response", hooks("hfNoDrvResp"))));
    int upstreamCalls = fx.upstream.received.size();
    assertError(fx.call(HttpMethod.GET, "/hf-nodrv-pre/x"), 500, "Internal Server Error");
    assertError(fx.call(HttpMethod.GET, "/hf-nodrv-auth/x", Map.of("Authorization", "k"), null), 403, "Key not authorised");
    assertEquals(upstreamCalls, fx.upstream.received.size());
    assertError(fx.call(HttpMethod.GET, "/hf-nodrv-resp/x"), 500, "Internal Server Error");
    assertEquals(1, failures("hfNoDrvPre", "unavailable"));
    assertEquals(1, failures("hfNoDrvAuth", "unavailable"));
    assertEquals(1, failures("hfNoDrvResp", "unavailable"));
  }

  @Test
  void failingPluginAnswersPerHookType() throws Exception {
    for (String name : new String[] {"hfFailPre", "hfFailPka", "hfFailPost", "hfFailAuth", "hfFailResp"}) {
      fx.driver.onAsync(name, o -> Future.failedFuture(new IllegalStateException("plugin says no")));
    }
    fx.createKey("hf-fail-key", new JsonObject().put("org_id", "test-org"));
    fx.deploy(fx.keyless("hf-fail-pre", middleware().put("pre", hooks("hfFailPre"))));
    fx.deploy(fx.protectedApi("hf-fail-pka", middleware().put("post_key_auth", hooks("hfFailPka"))));
    fx.deploy(fx.keyless("hf-fail-post", middleware().put("post", hooks("hfFailPost"))));
    fx.deploy(fx.protectedApi("hf-fail-auth", middleware().put("auth_check", hook("hfFailAuth"))).put("custom_plugin_auth_enabled", true));
    fx.deploy(fx.keyless("hf-fail-resp", middleware().put("response", hooks("hfFailResp"))));

    int upstreamCalls = fx.upstream.received.size();
    assertError(fx.call(HttpMethod.GET, "/hf-fail-pre/x"), 500, "Middleware error");
    assertError(fx.call(HttpMethod.GET, "/hf-fail-pka/x", Map.of("Authorization", "hf-fail-key"), null), 500, "Middleware error");
    assertError(fx.call(HttpMethod.GET, "/hf-fail-post/x"), 500, "Middleware error");
    assertError(fx.call(HttpMethod.GET, "/hf-fail-auth/x", Map.of("Authorization", "k"), null), 403, "Key not authorised");
    assertEquals(upstreamCalls, fx.upstream.received.size(), "the upstream is not called after a failed request hook");
    assertError(fx.call(HttpMethod.GET, "/hf-fail-resp/x"), 500, "Middleware error");
    for (String name : new String[] {"hfFailPre", "hfFailPka", "hfFailPost", "hfFailAuth", "hfFailResp"}) {
      assertEquals(1, failures(name, "error"), name);
    }
  }

  @Test
  void hookThatNeverAnswersTimesOutAtItsDeadline() throws Exception {
    fx.driver.onAsync("hfHang", o -> Promise.<dev.coproxy.proto.Object>promise().future());
    fx.driver.onAsync("hfHangAuth", o -> Promise.<dev.coproxy.proto.Object>promise().future());
    fx.deploy(fx.keyless("hf-hang", middleware().put("pre", new JsonArray().add(hook("hfHang").put("timeout_ms", 200)))));
    fx.deploy(fx.protectedApi("hf-hang-auth", middleware().put("auth_check", hook("hfHangAuth").put("timeout_ms", 200)))
        .put("custom_plugin_auth_enabled", true));

    long start = System.nanoTime();
    assertError(fx.call(HttpMethod.GET, "/hf-hang/x"), 500, "Middleware error");
    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    // Never before the hook's 200 ms, and before the 5 s default that would apply if timeout_ms were ignored.
    assertTrue(elapsedMillis >= 150 && elapsedMillis < 4500, "answered after " + elapsedMillis + " ms");
    assertError(fx.call(HttpMethod.GET, "/hf-hang-auth/x", Map.of("Authorization", "k"), null), 403, "Key not authorised");
    assertEquals(1, failures("hfHang", "timeout"));
    assertEquals(1, failures("hfHangAuth", "timeout"));
  }

  @Test
  void globalHookTimeoutApplies() throws Exception {
    try (CoprocessFixture slow = CoprocessFixture.start(new JsonObject().put("hook_timeout_ms", 200))) {
      slow.driver.onAsync("hfGlobalHang", o -> Promise.<dev.coproxy.proto.Object>promise().future());
      slow.deploy(slow.keyless("hf-global", middleware().put("post", hooks("hfGlobalHang"))));
      long start = System.nanoTime();
      TestGateway.Reply reply = slow.call(HttpMethod.GET, "/hf-global/x");
      long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertEquals(500, reply.status(), reply.text());
      assertEquals("Middleware error", reply.json().getString("error"));
      // Before the 5 s default that would apply if hook_timeout_ms were ignored.
      assertTrue(elapsedMillis >= 150 && elapsedMillis < 4500, "answered after " + elapsedMillis + " ms");
      assertEquals(1, slow.metric("coproxy_hook_failures_total", Map.of("hook_name", "hfGlobalHang", "reason", "timeout",
          "api_id", "hf-global", "hook_type", "post", "driver", CoprocessFixture.DRIVER)));
    }
  }

  @Test
  void repliesThatCannotBeAppliedAreBadReplies() throws Exception {
    fx.driver.on("hfNoRequest", o -> o.toBuilder().clearRequest().build());
    fx.driver.on("hfEmptyUrl", request(r -> r.setUrl("")));
    fx.driver.on("hfRelativeUrl", request(r -> r.setUrl("no-slash")));
    fx.driver.on("hfNoResponse", o -> o.toBuilder().clearResponse().build());
    fx.driver.on("hfZeroStatus", response(r -> r.setStatusCode(0)));
    fx.driver.on("hfInfoStatus", response(r -> r.setStatusCode(100)));
    fx.driver.on("hfAuthNoRequest", o -> dev.coproxy.proto.Object.newBuilder()
        .setSession(dev.coproxy.proto.SessionState.newBuilder().putMetadata("token", "t")).build());
    fx.deploy(fx.keyless("hf-bad-req", middleware().put("pre", hooks("hfNoRequest"))));
    fx.deploy(fx.keyless("hf-bad-url", middleware().put("pre", hooks("hfEmptyUrl"))));
    fx.deploy(fx.keyless("hf-bad-rel", middleware().put("post", hooks("hfRelativeUrl"))));
    fx.deploy(fx.keyless("hf-bad-resp", middleware().put("response", hooks("hfNoResponse"))));
    fx.deploy(fx.keyless("hf-bad-status", middleware().put("response", hooks("hfZeroStatus"))));
    fx.deploy(fx.keyless("hf-info-status", middleware().put("response", hooks("hfInfoStatus"))));
    fx.deploy(fx.protectedApi("hf-bad-auth", middleware().put("auth_check", hook("hfAuthNoRequest"))).put("custom_plugin_auth_enabled", true));

    assertError(fx.call(HttpMethod.GET, "/hf-bad-req/x"), 500, "Middleware error");
    assertError(fx.call(HttpMethod.GET, "/hf-bad-url/x"), 500, "Middleware error");
    assertError(fx.call(HttpMethod.GET, "/hf-bad-rel/x"), 500, "Middleware error");
    assertError(fx.call(HttpMethod.GET, "/hf-bad-resp/x"), 500, "Middleware error");
    assertError(fx.call(HttpMethod.GET, "/hf-bad-status/x"), 500, "Middleware error");
    assertError(fx.call(HttpMethod.GET, "/hf-info-status/x"), 500, "Middleware error");
    assertError(fx.call(HttpMethod.GET, "/hf-bad-auth/x", Map.of("Authorization", "t"), null), 500, "Middleware error");
    for (String name : new String[] {"hfNoRequest", "hfEmptyUrl", "hfRelativeUrl", "hfNoResponse", "hfZeroStatus", "hfInfoStatus", "hfAuthNoRequest"}) {
      assertEquals(1, failures(name, "bad_reply"), name);
    }
  }

  @Test
  void driverReplyingBytesThatAreNotAnObjectIsABadReply() throws Exception {
    byte[] junk = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
        (byte) 0xff, (byte) 0xff, (byte) 0xff};
    fx.gw.vertx.eventBus().localConsumer(CoprocessAddresses.driver("junk"), m -> m.reply(Buffer.buffer(junk)))
        .completion().await(10, TimeUnit.SECONDS);
    fx.gw.vertx.eventBus().localConsumer(CoprocessAddresses.driver("text"), m -> m.reply("not an object"))
        .completion().await(10, TimeUnit.SECONDS);
    fx.gw.vertx.eventBus().localConsumer(CoprocessAddresses.driver("bytes"), m -> m.reply(
        ((dev.coproxy.proto.Object) m.body()).toBuilder().setRequest(((dev.coproxy.proto.Object) m.body()).getRequest().toBuilder()
            .putSetHeaders("X-Via", "bytes")).build().toByteArray())).completion().await(10, TimeUnit.SECONDS);
    fx.deploy(fx.keyless("hf-junk", new JsonObject().put("driver", "junk").put("pre", hooks("hfJunk"))));
    fx.deploy(fx.keyless("hf-text", new JsonObject().put("driver", "text").put("pre", hooks("hfText"))));
    fx.deploy(fx.keyless("hf-bytes", new JsonObject().put("driver", "bytes").put("pre", hooks("hfBytes"))));
    assertError(fx.call(HttpMethod.GET, "/hf-junk/x"), 500, "Middleware error");
    assertError(fx.call(HttpMethod.GET, "/hf-text/x"), 500, "Middleware error");
    assertEquals(1, failures("hfJunk", "bad_reply"));
    assertEquals(1, failures("hfText", "bad_reply"));
    // A driver may answer with the protobuf bytes of an Object.
    TestGateway.Reply viaBytes = fx.call(HttpMethod.GET, "/hf-bytes/x");
    assertEquals(200, viaBytes.status(), viaBytes.text());
    assertEquals("bytes", viaBytes.json().getJsonObject("headers").getString("x-via"));
  }

  @Test
  void scriptThatThrowsAnswers500AndTheGatewayKeepsServing() throws Exception {
    fx.driver.on("hfThrow", o -> {
      throw new IllegalStateException("bug in the plugin");
    });
    fx.deploy(fx.keyless("hf-throw", middleware().put("pre", hooks("hfThrow"))));
    assertError(fx.call(HttpMethod.GET, "/hf-throw/x"), 500, "Middleware error");
    assertError(fx.call(HttpMethod.GET, "/hf-throw/x"), 500, "Middleware error");
    fx.driver.on("hfThrow", o -> o);
    assertEquals(200, fx.call(HttpMethod.GET, "/hf-throw/x").status());
    assertEquals(2, failures("hfThrow", "error"));
  }

  @Test
  void hookDurationIsMeasuredForEveryCall() throws Exception {
    fx.deploy(fx.keyless("hf-timed", middleware().put("pre", hooks("hfTimed")).put("response", hooks("hfTimedResp"))));
    Map<String, String> pre = Map.of("hook_name", "hfTimed", "api_id", "hf-timed", "hook_type", "pre", "driver", CoprocessFixture.DRIVER);
    double before = fx.metric("coproxy_hook_duration_seconds_count", pre);
    for (int i = 0; i < 3; i++) {
      assertEquals(200, fx.call(HttpMethod.GET, "/hf-timed/x").status());
    }
    assertEquals(before + 3, fx.metric("coproxy_hook_duration_seconds_count", pre));
    assertEquals(3, fx.metric("coproxy_hook_duration_seconds_count", Map.of("hook_name", "hfTimedResp", "hook_type", "response")));
    assertTrue(fx.metric("coproxy_hook_duration_seconds_sum", pre) > 0);
    assertEquals(0, failures("hfTimed", "error") + failures("hfTimed", "timeout") + failures("hfTimed", "bad_reply"));
  }

  @Test
  void sessionlessReplyToRequestHookIsFine() throws Exception {
    fx.driver.on("hfMinimal", o -> dev.coproxy.proto.Object.newBuilder().setRequest(MiniRequestObject.newBuilder()
        .setUrl(o.getRequest().getUrl()).setMethod("GET")
        .setReturnOverrides(dev.coproxy.proto.ReturnOverrides.newBuilder().setResponseCode(-1))).build());
    fx.driver.on("hfMinimalResp", o -> dev.coproxy.proto.Object.newBuilder()
        .setResponse(ResponseObject.newBuilder().setStatusCode(200)).build());
    fx.deploy(fx.keyless("hf-minimal", middleware().put("pre", hooks("hfMinimal")).put("response", hooks("hfMinimalResp"))));
    TestGateway.Reply reply = fx.call(HttpMethod.GET, "/hf-minimal/x");
    assertEquals(200, reply.status(), reply.text());
    assertEquals("", reply.text());
  }
}
