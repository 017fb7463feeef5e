package dev.coproxy.coprocess;

import static dev.coproxy.coprocess.CoprocessFixture.hook;
import static dev.coproxy.coprocess.CoprocessFixture.hooks;
import static dev.coproxy.coprocess.CoprocessFixture.middleware;
import static dev.coproxy.coprocess.CoprocessFixture.request;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.proto.Header;
import dev.coproxy.proto.HookType;
import dev.coproxy.proto.MiniRequestObject;
import dev.coproxy.proto.ResponseObject;
import dev.coproxy.proto.SessionState;
import dev.coproxy.testing.Apis;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The coprocess.Object a plugin receives (Tyk sections 1.5, 4 and 7.1). */
class HookObjectIT {

  private static final String MD5_EMPTY = "d41d8cd98f00b204e9800998ecf8427e";

  private static CoprocessFixture fx;
  private static java.nio.file.Path bundles;

  @BeforeAll
  static void start() throws Exception {
    // Bundles come from a file:// base URL; the middleware path is a fresh directory.
    bundles = java.nio.file.Files.createTempDirectory("coproxy-hookobject-bundles");
    fx = CoprocessFixture.start(new JsonObject(), new JsonObject()
        .put("middleware_path", java.nio.file.Files.createTempDirectory("coproxy-hookobject-mw").toString())
        .put("enable_bundle_downloader", true).put("bundle_base_url", "file://" + bundles));
  }

  @AfterAll
  static void stop() throws Exception {
    fx.close();
  }

  private static dev.coproxy.proto.Object only(String hookName) {
    List<dev.coproxy.proto.Object> calls = fx.driver.callsTo(hookName);
    assertEquals(1, calls.size(), hookName + " calls");
    return calls.get(0);
  }

  @Test
  void requestFieldsOfAPreHook() throws Exception {
    fx.deploy(fx.keyless("ob-req", middleware().put("pre", hooks("obReq"))));
    TestGateway.Reply reply = fx.send(HttpMethod.POST, "/ob-req/some/path?a=1&a=2&b=x%20y",
        List.of(Map.entry("x-api-key", "key-1"), Map.entry("x-multi", "first"), Map.entry("x-multi", "second"),
            Map.entry("content-type", "application/json")),
        Buffer.buffer("{\"k\":\"v\"}"));
    assertEquals(200, reply.status(), reply.text());

    dev.coproxy.proto.Object sent = only("obReq");
    assertEquals(HookType.Pre, sent.getHookType());
    MiniRequestObject request = sent.getRequest();
    Map<String, String> headers = request.getHeadersMap();
    assertEquals("key-1", headers.get("X-Api-Key"));
    assertEquals("first", headers.get("X-Multi"));
    assertEquals("application/json", headers.get("Content-Type"));
    assertEquals("127.0.0.1:" + fx.gw.port(), headers.get("Host"));
    assertTrue(headers.keySet().stream().noneMatch(k -> k.equals("x-api-key") || k.equals("host")), headers.toString());

    assertEquals("/ob-req/some/path?a=1&a=2&b=x%20y", request.getUrl());
    assertEquals("/ob-req/some/path?a=1&a=2&b=x%20y", request.getRequestUri());
    assertEquals(Map.of("a", "1", "b", "x y"), request.getParamsMap());
    assertEquals("POST", request.getMethod());
    assertEquals("http", request.getScheme());
    assertEquals("{\"k\":\"v\"}", request.getBody());
    assertEquals("{\"k\":\"v\"}", request.getRawBody().toStringUtf8());
    assertTrue(request.hasReturnOverrides());
    assertEquals(-1, request.getReturnOverrides().getResponseCode());
    assertTrue(request.getSetHeadersMap().isEmpty() && request.getDeleteHeadersList().isEmpty());
    assertTrue(request.getAddParamsMap().isEmpty() && request.getDeleteParamsList().isEmpty());
    assertTrue(request.getExtendedParamsMap().isEmpty());

    assertFalse(sent.hasSession(), "pre hooks get no session");
    assertTrue(sent.getMetadataMap().isEmpty());
    assertFalse(sent.hasResponse());
    assertEquals(Map.of("APIID", "ob-req", "OrgID", "test-org", "bundle_hash", MD5_EMPTY), sent.getSpecMap());
  }

  @Test
  void binaryMultipartBodyIsOnlyInRawBody() throws Exception {
    byte[] binary = {(byte) 0xff, (byte) 0xfe, 0x00, (byte) 0x80, (byte) 0xc3};
    Buffer body = Buffer.buffer("--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n"
            + "Content-Type: application/octet-stream\r\n\r\n")
        .appendBytes(binary).appendString("\r\n--XyZ--\r\n");
    fx.deploy(fx.keyless("ob-multi", middleware().put("pre", hooks("obMulti"))));
    TestGateway.Reply reply = fx.send(HttpMethod.POST, "/ob-multi/upload",
        List.of(Map.entry("content-type", "multipart/form-data; boundary=XyZ")), body);
    assertEquals(200, reply.status(), reply.text());
    MiniRequestObject request = only("obMulti").getRequest();
    assertEquals("", request.getBody());
    assertArrayEquals(body.getBytes(), request.getRawBody().toByteArray());
    assertEquals(Integer.toString(body.length()), fx.lastUpstream().getJsonObject("headers").getString("content-length"));
  }

  @Test
  void rawBodyOnlyLeavesBodyEmpty() throws Exception {
    fx.deploy(fx.keyless("ob-rawonly", middleware()
        .put("pre", new JsonArray().add(hook("obRawOnly").put("raw_body_only", true)))));
    TestGateway.Reply reply = fx.call(HttpMethod.POST, "/ob-rawonly/x", Map.of("Content-Type", "application/json"), "{\"a\":1}");
    assertEquals(200, reply.status(), reply.text());
    MiniRequestObject request = only("obRawOnly").getRequest();
    assertEquals("", request.getBody());
    assertEquals("{\"a\":1}", request.getRawBody().toStringUtf8());
  }

  @Test
  void specCarriesBundleHashAndConfigData() throws Exception {
    JsonObject config = new JsonObject().put("foo", "bar").put("n", 1);
    dev.coproxy.testing.Bundles.build(bundles, "bundle-1.zip", middleware().put("pre", hooks("obSpec")), Map.of(), null);
    fx.deploy(fx.keyless("ob-spec", new JsonObject()).put("custom_middleware_bundle", "bundle-1.zip").put("config_data", config));
    fx.deploy(fx.keyless("ob-spec-off", middleware().put("pre", hooks("obSpecOff")))
        .put("config_data", config).put("config_data_disabled", true));
    fx.deploy(fx.keyless("ob-spec-empty", middleware().put("pre", hooks("obSpecEmpty"))).put("config_data", new JsonObject()));
    assertEquals(200, fx.call(HttpMethod.GET, "/ob-spec/x").status());
    assertEquals(200, fx.call(HttpMethod.GET, "/ob-spec-off/x").status());
    assertEquals(200, fx.call(HttpMethod.GET, "/ob-spec-empty/x").status());

    Map<String, String> spec = only("obSpec").getSpecMap();
    assertEquals("ob-spec", spec.get("APIID"));
    assertEquals("test-org", spec.get("OrgID"));
    assertEquals(md5("bundle-1.zip"), spec.get("bundle_hash"));
    assertEquals(config, new JsonObject(spec.get("config_data")));
    assertFalse(only("obSpecOff").getSpecMap().containsKey("config_data"));
    assertFalse(only("obSpecEmpty").getSpecMap().containsKey("config_data"));
    assertEquals(MD5_EMPTY, only("obSpecEmpty").getSpecMap().get("bundle_hash"));
  }

  @Test
  void sessionAndMetadataFollowTheFieldMatrix() throws Exception {
    JsonObject meta = new JsonObject().put("testkey", new JsonObject().put("nestedkey", "nestedvalue")).put("stringkey", "testvalue");
    fx.createKey("ob-session-key", new JsonObject().put("org_id", "test-org").put("rate", 100).put("per", 1).put("meta_data", meta));
    fx.deploy(fx.protectedApi("ob-sess", middleware()
        .put("pre", hooks("obSessPre")).put("post_key_auth", hooks("obSessPka"))
        .put("post", hooks("obSessPost")).put("response", hooks("obSessResp"))));
    fx.deploy(fx.keyless("ob-sess-kl", middleware().put("post", hooks("obSessKlPost")).put("response", hooks("obSessKlResp"))));
    fx.driver.on("obSessAuth", o -> o.toBuilder().setSession(SessionState.newBuilder().putMetadata("token", "ob-auth-token")).build());
    fx.deploy(fx.protectedApi("ob-sess-auth", middleware().put("auth_check", hook("obSessAuth"))).put("custom_plugin_auth_enabled", true));

    assertEquals(200, fx.call(HttpMethod.GET, "/ob-sess/x", Map.of("Authorization", "ob-session-key"), null).status());
    assertEquals(200, fx.call(HttpMethod.GET, "/ob-sess-kl/x").status());
    assertEquals(200, fx.call(HttpMethod.GET, "/ob-sess-auth/x", Map.of("Authorization", "whatever"), null).status());

    assertFalse(only("obSessPre").hasSession());
    assertTrue(only("obSessPre").getMetadataMap().isEmpty());
    assertFalse(only("obSessAuth").hasSession(), "auth_check gets no session");
    assertTrue(only("obSessAuth").getMetadataMap().isEmpty());
    assertEquals(HookType.CustomKeyCheck, only("obSessAuth").getHookType());

    for (String name : List.of("obSessPka", "obSessPost", "obSessResp")) {
      dev.coproxy.proto.Object sent = only(name);
      assertTrue(sent.hasSession(), name + " gets the session");
      Map<String, String> sessionMeta = sent.getSession().getMetadataMap();
      assertEquals("{\"nestedkey\":\"nestedvalue\"}", sessionMeta.get("testkey"), name);
      assertEquals("testvalue", sessionMeta.get("stringkey"), name);
      assertEquals(sessionMeta, sent.getMetadataMap(), name + ": metadata is a copy of the session's");
      assertEquals(100, sent.getSession().getRate(), name);
      assertTrue(sent.getSession().hasBasicAuthData() && sent.getSession().hasJwtData() && sent.getSession().hasMonitor());
    }
    assertEquals(HookType.PostKeyAuth, only("obSessPka").getHookType());
    assertEquals(HookType.Post, only("obSessPost").getHookType());

    assertFalse(only("obSessKlPost").hasSession(), "post on a keyless API gets no session");
    assertTrue(only("obSessKlPost").getMetadataMap().isEmpty());
    dev.coproxy.proto.Object keylessResponse = only("obSessKlResp");
    assertTrue(keylessResponse.hasSession(), "response hooks always get a session");
    assertEquals(SessionState.getDefaultInstance(), keylessResponse.getSession());
    assertTrue(keylessResponse.getMetadataMap().isEmpty());
  }

  @Test
  void responseHookGetsTheUpstreamResponseAndTheRequestAsProxied() throws Exception {
    try (Upstream custom = Upstream.start(fx.gw.vertx)) {
      custom.handler(req -> req.response().setStatusCode(201)
          .putHeader("X-One", "a")
          .putHeader("Set-Cookie", (Iterable<String>) List.of("a=1", "b=2"))
          .putHeader("Content-Type", "text/plain")
          .end("hello"));
      fx.driver.on("obRespPre", request(r -> r.putSetHeaders("X-Pre", "yes")));
      fx.deploy(Apis.keyless("ob-resp", "/ob-resp/", custom.url("/"))
          .put("custom_middleware", middleware().put("pre", hooks("obRespPre")).put("response", hooks("obResp"))));
      TestGateway.Reply reply = fx.call(HttpMethod.GET, "/ob-resp/x?q=1");
      assertEquals(201, reply.status(), reply.text());
      assertEquals("hello", reply.text());

      dev.coproxy.proto.Object sent = only("obResp");
      assertEquals(HookType.Response, sent.getHookType());
      ResponseObject response = sent.getResponse();
      assertEquals(201, response.getStatusCode());
      assertEquals("hello", response.getRawBody().toStringUtf8());
      assertEquals("hello", response.getBody());
      assertEquals("a", response.getHeadersMap().get("X-One"));
      assertEquals("a=1", response.getHeadersMap().get("Set-Cookie"));
      assertEquals("5", response.getHeadersMap().get("Content-Length"));
      Header cookies = response.getMultivalueHeadersList().stream().filter(h -> h.getKey().equals("Set-Cookie")).findFirst().orElseThrow();
      assertEquals(List.of("a=1", "b=2"), cookies.getValuesList());
      assertEquals(response.getHeadersMap().keySet(),
          response.getMultivalueHeadersList().stream().map(Header::getKey).collect(java.util.stream.Collectors.toSet()));
      assertEquals("yes", sent.getRequest().getHeadersMap().get("X-Pre"), "the request as it was proxied");
      assertEquals("/ob-resp/x?q=1", sent.getRequest().getUrl());
      assertEquals(Map.of("APIID", "ob-resp", "OrgID", "test-org", "bundle_hash", MD5_EMPTY), sent.getSpecMap());
    }
  }

  @Test
  void responseHookRawBodyOnlyAndBinaryResponseLeaveBodyEmpty() throws Exception {
    try (Upstream custom = Upstream.start(fx.gw.vertx)) {
      byte[] binary = {(byte) 0xff, 0x01, (byte) 0xfe};
      custom.handler(req -> req.response().end(Buffer.buffer(req.path().endsWith("bin") ? binary : "text".getBytes(StandardCharsets.UTF_8))));
      fx.deploy(Apis.keyless("ob-resp-raw", "/ob-resp-raw/", custom.url("/")).put("custom_middleware", middleware()
          .put("response", new JsonArray().add(hook("obRespRawOnly").put("raw_body_only", true)))));
      fx.deploy(Apis.keyless("ob-resp-bin", "/ob-resp-bin/", custom.url("/")).put("custom_middleware", middleware()
          .put("response", hooks("obRespBin"))));
      assertEquals("text", fx.call(HttpMethod.GET, "/ob-resp-raw/text").text());
      assertArrayEquals(binary, fx.call(HttpMethod.GET, "/ob-resp-bin/bin").body().getBytes());
      assertEquals("", only("obRespRawOnly").getResponse().getBody());
      assertEquals("text", only("obRespRawOnly").getResponse().getRawBody().toStringUtf8());
      assertEquals("", only("obRespBin").getResponse().getBody());
      assertArrayEquals(binary, only("obRespBin").getResponse().getRawBody().toByteArray());
    }
  }

  private static String md5(String text) throws Exception {
    return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)));
  }
}
