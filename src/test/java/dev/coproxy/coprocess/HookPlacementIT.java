package dev.coproxy.coprocess;

import static dev.coproxy.coprocess.CoprocessFixture.hook;
import static dev.coproxy.coprocess.CoprocessFixture.hooks;
import static dev.coproxy.coprocess.CoprocessFixture.middleware;
import static dev.coproxy.coprocess.CoprocessFixture.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.proto.SessionState;
import dev.coproxy.testing.Apis;
import dev.coproxy.testing.ScriptedDriver;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Where each hook kind runs in the chain (Tyk section 3.1), and which hooks run at all. */
class HookPlacementIT {

  private static CoprocessFixture fx;

  @BeforeAll
  static void start() throws Exception {
    fx = CoprocessFixture.start();
  }

  @AfterAll
  static void stop() throws Exception {
    fx.close();
  }

  /** Names of the hooks the driver saw, in call order, among the given ones. */
  private static List<String> order(String... names) {
    List<String> wanted = List.of(names);
    return fx.driver.calls.stream().map(dev.coproxy.proto.Object::getHookName).filter(wanted::contains).toList();
  }

  private static dev.coproxy.proto.Object authorise(dev.coproxy.proto.Object o, String token) {
    return o.toBuilder().setSession(SessionState.newBuilder().putMetadata("token", token)).build();
  }

  @Test
  void preHookRunsBeforeAuthEvenWithoutAKey() throws Exception {
    fx.deploy(fx.protectedApi("pl-nokey", middleware().put("pre", hooks("plNokeyPre"))));
    TestGateway.Reply reply = fx.call(HttpMethod.GET, "/pl-nokey/x");
    assertEquals(401, reply.status(), reply.text());
    assertEquals("Authorization field missing", reply.json().getString("error"));
    assertEquals(1, fx.driver.callsTo("plNokeyPre").size());
  }

  @Test
  void headerSetByPreHookIsSeenByTokenAuth() throws Exception {
    fx.createKey("pl-key-from-pre", new JsonObject().put("org_id", "test-org"));
    fx.driver.on("plSetAuth", request(r -> r.putSetHeaders("Authorization", "pl-key-from-pre")));
    fx.deploy(fx.protectedApi("pl-preauth", middleware().put("pre", hooks("plSetAuth"))));
    TestGateway.Reply reply = fx.call(HttpMethod.GET, "/pl-preauth/x");
    assertEquals(200, reply.status(), reply.text());
    assertEquals("pl-key-from-pre", reply.json().getJsonObject("headers").getString("authorization"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"custom_plugin_auth_enabled", "enable_coprocess_auth"})
  void authCheckReplacesTokenAuth(String flag) throws Exception {
    String id = "pl-auth-" + flag.replace('_', '-');
    String hookName = "plAuth_" + flag;
    fx.driver.on(hookName, o -> authorise(o, "plugin-" + flag));
    fx.deploy(fx.protectedApi(id, middleware().put("auth_check", hook(hookName))).put(flag, true));
    // The key is not stored: token auth would refuse it, the plugin accepts it.
    TestGateway.Reply reply = fx.call(HttpMethod.GET, "/" + id + "/x", Map.of("Authorization", "not-a-stored-key"), null);
    assertEquals(200, reply.status(), reply.text());
    assertEquals(1, fx.driver.callsTo(hookName).size());
  }

  @Test
  void authCheckWithoutCustomAuthFlagIsNotCalled() throws Exception {
    fx.deploy(fx.protectedApi("pl-noflag", middleware().put("auth_check", hook("plAuthNoFlag"))));
    TestGateway.Reply reply = fx.call(HttpMethod.GET, "/pl-noflag/x", Map.of("Authorization", "unknown"), null);
    assertEquals(403, reply.status(), reply.text());
    assertEquals(0, fx.driver.callsTo("plAuthNoFlag").size());
  }

  @Test
  void hooksRunInChainOrderOnProtectedApi() throws Exception {
    fx.driver.on("plOrdAuth", o -> authorise(o, "ord-token"));
    JsonObject cm = middleware()
        .put("pre", hooks("plOrdPre"))
        .put("auth_check", hook("plOrdAuth"))
        .put("post_key_auth", hooks("plOrdPka"))
        .put("post", hooks("plOrdPost"))
        .put("response", hooks("plOrdResp"));
    fx.deploy(fx.protectedApi("pl-order", cm).put("custom_plugin_auth_enabled", true));
    fx.driver.on("plOrdResp", o -> {
      // The upstream has answered by the time the response hook runs.
      assertTrue(fx.upstream.received.stream().anyMatch(r -> r.getString("path").equals("/ordered")));
      return o;
    });
    TestGateway.Reply reply = fx.call(HttpMethod.GET, "/pl-order/ordered", Map.of("Authorization", "x"), null);
    assertEquals(200, reply.status(), reply.text());
    assertEquals(List.of("plOrdPre", "plOrdAuth", "plOrdPka", "plOrdPost", "plOrdResp"),
        order("plOrdPre", "plOrdAuth", "plOrdPka", "plOrdPost", "plOrdResp"));
  }

  @Test
  void postKeyAuthDoesNotRunOnKeylessApisButPostDoes() throws Exception {
    fx.deploy(fx.keyless("pl-keyless", middleware()
        .put("pre", hooks("plKlPre")).put("post_key_auth", hooks("plKlPka")).put("post", hooks("plKlPost"))));
    TestGateway.Reply reply = fx.call(HttpMethod.GET, "/pl-keyless/x");
    assertEquals(200, reply.status(), reply.text());
    assertEquals(List.of("plKlPre", "plKlPost"), order("plKlPre", "plKlPka", "plKlPost"));
  }

  @Test
  void postKeyAuthAndPostRunAfterTokenAuth() throws Exception {
    fx.createKey("pl-token-order", new JsonObject().put("org_id", "test-org"));
    fx.deploy(fx.protectedApi("pl-tokord", middleware()
        .put("pre", hooks("plToPre")).put("post_key_auth", hooks("plToPka")).put("post", hooks("plToPost"))));
    TestGateway.Reply refused = fx.call(HttpMethod.GET, "/pl-tokord/x", Map.of("Authorization", "unknown-key"), null);
    assertEquals(403, refused.status(), refused.text());
    assertEquals(List.of("plToPre"), order("plToPre", "plToPka", "plToPost"));
    TestGateway.Reply reply = fx.call(HttpMethod.GET, "/pl-tokord/x", Map.of("Authorization", "pl-token-order"), null);
    assertEquals(200, reply.status(), reply.text());
    assertEquals(List.of("plToPre", "plToPre", "plToPka", "plToPost"), order("plToPre", "plToPka", "plToPost"));
  }

  @Test
  void sessionChecksRunAfterPostKeyAuth() throws Exception {
    long past = System.currentTimeMillis() / 1000 - 3600;
    fx.createKey("pl-expired", new JsonObject().put("org_id", "test-org").put("expires", past));
    fx.createKey("pl-other-api", new JsonObject().put("org_id", "test-org")
        .put("access_rights", new JsonObject().put("some-other-api", new JsonObject().put("api_id", "some-other-api"))));
    fx.createKey("pl-rate", new JsonObject().put("org_id", "test-org").put("rate", 1).put("per", 60));
    fx.createKey("pl-quota", new JsonObject().put("org_id", "test-org").put("quota_max", 1).put("quota_renewal_rate", 3600));
    fx.deploy(fx.protectedApi("pl-checks", middleware().put("post_key_auth", hooks("plChkPka")).put("post", hooks("plChkPost"))));

    assertRefusedAfterPostKeyAuth("pl-expired", 401, "Key has expired, please renew", 1);
    assertRefusedAfterPostKeyAuth("pl-other-api", 403, "Access to this API has been disallowed", 2);
    assertEquals(200, fx.call(HttpMethod.GET, "/pl-checks/x", Map.of("Authorization", "pl-rate"), null).status());
    assertRefusedAfterPostKeyAuth("pl-rate", 429, "Rate limit exceeded", 4);
    assertEquals(200, fx.call(HttpMethod.GET, "/pl-checks/x", Map.of("Authorization", "pl-quota"), null).status());
    assertRefusedAfterPostKeyAuth("pl-quota", 403, "Quota exceeded", 6);
    assertEquals(2, fx.driver.callsTo("plChkPost").size(), "post hooks only ran for the two accepted calls");
  }

  private static void assertRefusedAfterPostKeyAuth(String key, int status, String error, int pkaCallsSoFar) throws Exception {
    TestGateway.Reply reply = fx.call(HttpMethod.GET, "/pl-checks/x", Map.of("Authorization", key), null);
    assertEquals(status, reply.status(), reply.text());
    assertEquals(error, reply.json().getString("error"));
    assertEquals(pkaCallsSoFar, fx.driver.callsTo("plChkPka").size(), "post_key_auth ran before the check refused " + key);
  }

  @Test
  void hooksOfOneKindRunInDeclarationOrderEachSeeingTheChangesBefore() throws Exception {
    fx.driver.on("plSeq1", request(r -> r.putSetHeaders("X-Step", "1")));
    fx.driver.on("plSeq2", o -> request(r -> r.putSetHeaders("X-Step", o.getRequest().getHeadersOrDefault("X-Step", "none") + ",2")).apply(o));
    fx.driver.on("plSeq3", o -> request(r -> r.putSetHeaders("X-Step", o.getRequest().getHeadersOrDefault("X-Step", "none") + ",3")).apply(o));
    fx.deploy(fx.keyless("pl-seq", middleware().put("pre", hooks("plSeq1", "plSeq2")).put("post", hooks("plSeq3"))));
    TestGateway.Reply reply = fx.call(HttpMethod.GET, "/pl-seq/x");
    assertEquals(200, reply.status(), reply.text());
    assertEquals("1,2,3", reply.json().getJsonObject("headers").getString("x-step"));
    assertEquals(List.of("plSeq1", "plSeq2", "plSeq3"), order("plSeq1", "plSeq2", "plSeq3"));
  }

  @Test
  void disabledEntriesAreNotCalled() throws Exception {
    JsonArray pre = new JsonArray().add(hook("plDisA").put("disabled", true)).add(hook("plDisB"));
    JsonArray response = new JsonArray().add(hook("plDisResp").put("disabled", true));
    fx.deploy(fx.keyless("pl-disabled", middleware().put("pre", pre).put("response", response)));
    assertEquals(200, fx.call(HttpMethod.GET, "/pl-disabled/x").status());
    assertEquals(List.of("plDisB"), order("plDisA", "plDisB", "plDisResp"));
  }

  @Test
  void disabledAuthCheckFallsBackToTokenAuth() throws Exception {
    fx.createKey("pl-disauth-key", new JsonObject().put("org_id", "test-org"));
    fx.deploy(fx.protectedApi("pl-disauth", middleware().put("auth_check", hook("plDisAuth").put("disabled", true)))
        .put("custom_plugin_auth_enabled", true));
    assertEquals(403, fx.call(HttpMethod.GET, "/pl-disauth/x", Map.of("Authorization", "unknown"), null).status());
    assertEquals(200, fx.call(HttpMethod.GET, "/pl-disauth/x", Map.of("Authorization", "pl-disauth-key"), null).status());
    assertEquals(0, fx.driver.callsTo("plDisAuth").size());
  }

  @Test
  void coprocessDisabledLeavesEveryHookOut() throws Exception {
    try (TestGateway gw = TestGateway.start(new JsonObject().put("coprocess_options", new JsonObject().put("enable_coprocess", false)), Map.of());
        Upstream upstream = Upstream.start(gw.vertx)) {
      ScriptedDriver driver = ScriptedDriver.deploy(gw.vertx, CoprocessFixture.DRIVER);
      JsonObject cm = middleware().put("pre", hooks("a")).put("auth_check", hook("b")).put("post_key_auth", hooks("c"))
          .put("post", hooks("d")).put("response", hooks("e"));
      gw.writeApi("off.json", Apis.protectedApi("off", "/off/", upstream.url("/")).put("custom_middleware", cm)
          .put("custom_plugin_auth_enabled", true));
      gw.writeApi("offk.json", Apis.keyless("offk", "/offk/", upstream.url("/")).put("custom_middleware", cm));
      assertEquals(new JsonArray(), gw.reload().getJsonArray("errors"));
      assertEquals(200, gw.admin(HttpMethod.POST, "/tyk/keys/off-key", new JsonObject().put("org_id", "test-org")
          .put("access_rights", new JsonObject().put("off", new JsonObject().put("api_id", "off"))).encode()).status());

      assertEquals(401, gw.call(HttpMethod.GET, "/off/x", Map.of(), null).status());
      assertEquals(403, gw.call(HttpMethod.GET, "/off/x", Map.of("Authorization", "unknown"), null).status());
      assertEquals(200, gw.call(HttpMethod.GET, "/off/x", Map.of("Authorization", "off-key"), null).status());
      assertEquals(200, gw.call(HttpMethod.GET, "/offk/x", Map.of(), null).status());
      assertEquals(List.of(), driver.calls);
    }
  }
}
