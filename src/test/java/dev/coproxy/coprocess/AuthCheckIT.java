package dev.coproxy.coprocess;

import static dev.coproxy.coprocess.CoprocessFixture.eventually;
import static dev.coproxy.coprocess.CoprocessFixture.hook;
import static dev.coproxy.coprocess.CoprocessFixture.hooks;
import static dev.coproxy.coprocess.CoprocessFixture.middleware;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.proto.ReturnOverrides;
import dev.coproxy.proto.SessionState;
import dev.coproxy.testing.TestGateway;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code auth_check}: what authorises, what is stored, and what the checks after it see (Tyk section 8). */
class AuthCheckIT {

  private static CoprocessFixture fx;

  @BeforeAll
  static void start() throws Exception {
    fx = CoprocessFixture.start();
  }

  @AfterAll
  static void stop() throws Exception {
    fx.close();
  }

  /** Deploys a custom-auth API on /<id>/ whose auth_check hook (named id) runs the script; plus extra middleware keys. */
  private static void authApi(String id, UnaryOperator<dev.coproxy.proto.Object> script, JsonObject extra) throws Exception {
    fx.driver.on(id, script);
    fx.deploy(fx.protectedApi(id, middleware().put("auth_check", hook(id)).mergeIn(extra)).put("custom_plugin_auth_enabled", true));
  }

  /** A script that authorises with the Authorization header as token and the given session. */
  private static UnaryOperator<dev.coproxy.proto.Object> sessionFromHeader(SessionState.Builder session) {
    return o -> o.toBuilder().setSession(session.clone()
        .putMetadata("token", o.getRequest().getHeadersOrDefault("Authorization", ""))).build();
  }

  private static TestGateway.Reply get(String id, String token) throws Exception {
    return fx.call(HttpMethod.GET, "/" + id + "/x", Map.of("Authorization", token), null);
  }

  private static TestGateway.Reply key(String token) throws Exception {
    return fx.gw.admin(HttpMethod.GET, "/tyk/keys/" + token, null);
  }

  @Test
  void sessionWithTokenAuthorisesAndIsStored() throws Exception {
    authApi("ac-ok", sessionFromHeader(SessionState.newBuilder().setRate(100).setPer(1).setOrgId("plugin-org")
        .putMetadata("user", "ann")), new JsonObject());
    TestGateway.Reply reply = get("ac-ok", "ac-token-1");
    assertEquals(200, reply.status(), reply.text());
    assertEquals("ac-token-1", reply.json().getJsonObject("headers").getString("authorization"));

    TestGateway.Reply stored = key("ac-token-1");
    assertEquals(200, stored.status(), stored.text());
    JsonObject session = stored.json();
    assertEquals("test-org", session.getString("org_id"), "the API's org_id replaces the plugin's");
    assertEquals(100, session.getDouble("rate"));
    assertEquals("ann", session.getJsonObject("meta_data").getString("user"));
    assertEquals("ac-token-1", session.getJsonObject("meta_data").getString("token"));
    assertEquals(404, key("ac-never-seen").status());
  }

  @Test
  void tokenMayComeFromObjectMetadata() throws Exception {
    authApi("ac-objmeta", o -> o.toBuilder().setSession(SessionState.newBuilder().setRate(7).setPer(1))
        .putMetadata("token", "ac-objmeta-token").build(), new JsonObject());
    assertEquals(200, get("ac-objmeta", "anything").status());
    TestGateway.Reply stored = key("ac-objmeta-token");
    assertEquals(200, stored.status(), stored.text());
    assertEquals(7, stored.json().getDouble("rate"));
  }

  @Test
  void noSessionIsForbiddenAndFiresAuthFailure() throws Exception {
    authApi("ac-nosess", o -> o, new JsonObject());
    TestGateway.Reply reply = get("ac-nosess", "ac-bad-1");
    assertEquals(403, reply.status(), reply.text());
    assertEquals(new JsonObject().put("error", "Forbidden"), reply.json());
    eventually(Duration.ofSeconds(5), "AuthFailure", () -> !fx.events("AuthFailure", "ac-nosess").isEmpty());
    assertEquals("ac-bad-1", fx.events("AuthFailure", "ac-nosess").get(0).getJsonObject("meta").getString("Key"));
    assertEquals(404, key("ac-bad-1").status());
  }

  @Test
  void emptyTokenIsForbiddenAndFiresAuthFailure() throws Exception {
    authApi("ac-notoken", o -> o.toBuilder().setSession(SessionState.newBuilder().setRate(1).setPer(1)).build(), new JsonObject());
    TestGateway.Reply reply = get("ac-notoken", "ac-bad-2");
    assertEquals(403, reply.status(), reply.text());
    assertEquals("Forbidden", reply.json().getString("error"));
    eventually(Duration.ofSeconds(5), "AuthFailure", () -> !fx.events("AuthFailure", "ac-notoken").isEmpty());
    assertEquals("ac-bad-2", fx.events("AuthFailure", "ac-notoken").get(0).getJsonObject("meta").getString("Key"));
  }

  @Test
  void quotaIsCarriedOverThoughThePluginReturnsAFreshSessionEachTime() throws Exception {
    authApi("ac-quota", sessionFromHeader(SessionState.newBuilder().setQuotaMax(2).setQuotaRemaining(2).setQuotaRenewalRate(3600)),
        new JsonObject());
    assertEquals(200, get("ac-quota", "ac-quota-token").status());
    assertEquals(200, get("ac-quota", "ac-quota-token").status());
    TestGateway.Reply third = get("ac-quota", "ac-quota-token");
    assertEquals(403, third.status(), third.text());
    assertEquals("Quota exceeded", third.json().getString("error"));
    assertEquals(3, fx.driver.callsTo("ac-quota").size(), "the plugin is called on every request");
    assertEquals(0, key("ac-quota-token").json().getLong("quota_remaining"));
  }

  @Test
  void sessionChecksActOnTheAdoptedSession() throws Exception {
    long past = System.currentTimeMillis() / 1000 - 60;
    authApi("ac-expired", sessionFromHeader(SessionState.newBuilder().setExpires(past)), new JsonObject());
    authApi("ac-inactive", sessionFromHeader(SessionState.newBuilder().setIsInactive(true)), new JsonObject());
    authApi("ac-rights", sessionFromHeader(SessionState.newBuilder()
        .putAccessRights("elsewhere", dev.coproxy.proto.AccessDefinition.newBuilder().setApiId("elsewhere").build())), new JsonObject());
    assertEquals(401, get("ac-expired", "t-exp").status());
    assertEquals(403, get("ac-inactive", "t-inact").status());
    TestGateway.Reply denied = get("ac-rights", "t-rights");
    assertEquals(403, denied.status());
    assertEquals("Access to this API has been disallowed", denied.json().getString("error"));
  }

  @Test
  void sessionLifetimeMakesTheStoredKeyExpire() throws Exception {
    authApi("ac-life", sessionFromHeader(SessionState.newBuilder().setSessionLifetime(1)), new JsonObject());
    assertEquals(200, get("ac-life", "ac-life-token").status());
    assertEquals(200, key("ac-life-token").status());
    eventually(Duration.ofSeconds(5), "the key to expire", () -> statusOf("ac-life-token") == 404);

    fx.driver.on("ac-apilife", sessionFromHeader(SessionState.newBuilder()));
    fx.deploy(fx.protectedApi("ac-apilife", middleware().put("auth_check", hook("ac-apilife")))
        .put("custom_plugin_auth_enabled", true).put("session_lifetime", 1));
    assertEquals(200, get("ac-apilife", "ac-apilife-token").status());
    assertEquals(200, key("ac-apilife-token").status());
    eventually(Duration.ofSeconds(5), "the key to expire (API session_lifetime)", () -> statusOf("ac-apilife-token") == 404);
  }

  private static int statusOf(String token) {
    try {
      return key(token).status();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void overrideFromAuthCheckAnswersTheRequest() throws Exception {
    authApi("ac-override", o -> o.toBuilder().setRequest(o.getRequest().toBuilder().setReturnOverrides(
        ReturnOverrides.newBuilder().setResponseCode(401).setResponseError("token rejected by plugin").putHeaders("X-Why", "bad")))
        .setSession(SessionState.newBuilder().putMetadata("token", "ac-ov-token")).build(), new JsonObject());
    int upstreamCalls = fx.upstream.received.size();
    TestGateway.Reply reply = get("ac-override", "whatever");
    assertEquals(401, reply.status(), reply.text());
    assertEquals("token rejected by plugin", reply.json().getString("error"));
    assertEquals("bad", reply.headers().get("X-Why"));
    assertEquals(upstreamCalls, fx.upstream.received.size());
    eventually(Duration.ofSeconds(5), "AuthFailure", () -> !fx.events("AuthFailure", "ac-override").isEmpty());
    assertEquals("ac-ov-token", fx.events("AuthFailure", "ac-override").get(0).getJsonObject("meta").getString("Key"));
    assertEquals(404, key("ac-ov-token").status(), "a refused session is not stored");

    authApi("ac-direct", o -> o.toBuilder().setRequest(o.getRequest().toBuilder().setReturnOverrides(
        ReturnOverrides.newBuilder().setResponseCode(200).setResponseBody("served by the plugin"))).build(), new JsonObject());
    TestGateway.Reply direct = get("ac-direct", "whatever");
    assertEquals(200, direct.status());
    assertEquals("served by the plugin", direct.text());
    assertEquals(upstreamCalls, fx.upstream.received.size());
  }

  @Test
  void sessionChangesFromLaterHooksAreNotStored() throws Exception {
    UnaryOperator<dev.coproxy.proto.Object> tamper = o -> o.toBuilder().setSession(o.getSession().toBuilder()
        .setRate(5).putMetadata("user", "mallory")).build();
    fx.driver.on("acTamperPka", tamper);
    fx.driver.on("acTamperPost", tamper);
    authApi("ac-tamper", sessionFromHeader(SessionState.newBuilder().setRate(100).setPer(1).putMetadata("user", "ann")),
        new JsonObject().put("post_key_auth", hooks("acTamperPka")).put("post", hooks("acTamperPost")));
    assertEquals(200, get("ac-tamper", "ac-tamper-token").status());
    assertEquals(200, get("ac-tamper", "ac-tamper-token").status());
    assertEquals("ann", fx.driver.callsTo("acTamperPost").get(1).getSession().getMetadataOrThrow("user"),
        "post sees the session as auth_check stored it, not as post_key_auth returned it");
    JsonObject stored = key("ac-tamper-token").json();
    assertEquals(100, stored.getDouble("rate"));
    assertEquals("ann", stored.getJsonObject("meta_data").getString("user"));
    assertTrue(fx.driver.callsTo("acTamperPka").stream().allMatch(o -> o.getSession().getRate() == 100));
  }
}
