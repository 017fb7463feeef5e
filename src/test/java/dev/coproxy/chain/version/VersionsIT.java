package dev.coproxy.chain.version;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.Poll;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.TestGateway.Reply;
import dev.coproxy.testing.Upstream;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Versions, path lists, size limits, global headers, hard timeouts, override targets and per-key
 * path rules through a real gateway and real upstreams, with Tyk's statuses and bodies (the cases
 * of Tyk's TestVersioning, TestOldVersioning_*, request size limit and granular access tests).
 */
class VersionsIT {

  private static final AtomicInteger KEYS = new AtomicInteger();
  private static final List<HttpServerRequest> HELD = new CopyOnWriteArrayList<>();
  private static TestGateway gw;
  private static Upstream upstream;
  private static Upstream second;
  private static Upstream slow;

  @BeforeAll
  static void start() throws Exception {
    gw = TestGateway.start(new JsonObject(), Map.of());
    upstream = Upstream.start(gw.vertx);
    second = Upstream.start(gw.vertx);
    slow = Upstream.start(gw.vertx);
    slow.handler(HELD::add); // holds every request until the test answers it
    gw.writeApi("hdr.json", Apis.protectedApi("hdr", "/hdr/", upstream.url("/"))
        .put("definition", new JsonObject().put("location", "header").put("key", "x-api-version"))
        .put("version_data", new JsonObject().put("not_versioned", false).put("versions", new JsonObject()
            .put("v1", extended(new JsonObject()
                .put("white_list", new JsonArray()
                    .add(new JsonObject().put("path", "/mock").put("method_actions", new JsonObject().put("GET", new JsonObject()
                        .put("action", "reply").put("code", 202).put("data", "testbody").put("headers", new JsonObject().put("testheader", "testvalue")))))
                    .add(new JsonObject().put("path", "/allowed").put("method", "")))
                .put("ignored", new JsonArray().add(new JsonObject().put("path", "/ignore")))).put("name", "v1"))
            .put("expired", new JsonObject().put("name", "expired").put("expires", "2006-01-02 15:04"))
            .put("v3", new JsonObject().put("name", "v3").put("expires", "2999-01-02 15:04").put("override_target", second.url("/base"))))));
    gw.writeApi("par.json", Apis.keyless("par", "/par/", upstream.url("/"))
        .put("definition", new JsonObject().put("location", "url-param").put("key", "version").put("strip_versioning_data", true))
        .put("version_data", new JsonObject().put("not_versioned", false).put("default_version", "v1").put("versions", new JsonObject()
            .put("v1", new JsonObject().put("global_headers", new JsonObject().put("x-version", "one"))
                .put("global_headers_remove", new JsonArray().add("x-drop")))
            .put("v2", new JsonObject()))));
    gw.writeApi("url.json", Apis.keyless("url", "/url/", upstream.url("/"))
        .put("definition", new JsonObject().put("location", "url").put("strip_versioning_data", true))
        .put("version_data", new JsonObject().put("not_versioned", false).put("versions", new JsonObject()
            .put("v1", extended(new JsonObject().put("black_list", new JsonArray().add(new JsonObject().put("path", "/Admin"))
                .add(new JsonObject().put("path", "^/secret"))))
                .put("ignore_endpoint_case", true)))));
    gw.writeApi("lim.json", Apis.keyless("lim", "/lim/", upstream.url("/"))
        .put("version_data", new JsonObject().put("not_versioned", true).put("versions", new JsonObject()
            .put("Default", extended(new JsonObject().put("size_limits", new JsonArray()
                .add(new JsonObject().put("path", "/upload").put("method", "POST").put("size_limit", 10))))
                .put("global_size_limit", 50)))));
    gw.writeApi("slow.json", Apis.keyless("slow", "/slow/", slow.url("/"))
        .put("version_data", new JsonObject().put("not_versioned", true).put("versions", new JsonObject()
            .put("Default", extended(new JsonObject().put("hard_timeouts", new JsonArray()
                .add(new JsonObject().put("path", "/held").put("method", "GET").put("duration", "300ms"))))))));
    gw.writeApi("plain.json", Apis.protectedApi("plain", "/plain/", upstream.url("/")));
    JsonObject report = gw.reload();
    assertEquals(6, report.getInteger("loaded"), report.encode());
  }

  @AfterAll
  static void stop() throws Exception {
    HELD.forEach(r -> gw.vertx.runOnContext(v -> r.response().end()));
    for (AutoCloseable c : new AutoCloseable[] {upstream, second, slow, gw}) {
      if (c != null) {
        c.close();
      }
    }
  }

  private static JsonObject extended(JsonObject paths) {
    return new JsonObject().put("use_extended_paths", true).put("extended_paths", paths);
  }

  @Test
  void aVersionedApiRefusesMissingUnknownAndExpiredVersions() throws Exception {
    String key = key("hdr", List.of("v1", "expired", "v3"), null);
    assertRefused(403, "Version information not found", "/hdr/x", Map.of("Authorization", key));
    assertRefused(403, "This API version does not seem to exist", "/hdr/x", Map.of("Authorization", key, "x-api-version", "v9"));
    assertRefused(403, "Api Version has expired, please check documentation or contact administrator", "/hdr/x",
        Map.of("Authorization", key, "x-api-version", "expired"));
  }

  @Test
  void aWhiteListAllowsOnlyItsPathsAndRepliesFromTheGateway() throws Exception {
    String key = key("hdr", List.of("v1"), null);
    Map<String, String> v1 = Map.of("Authorization", key, "x-api-version", "v1");
    int before = upstream.received.size();
    Reply mock = get("/hdr/mock", v1);
    assertEquals(202, mock.status());
    assertEquals("testbody", mock.text());
    assertEquals("testvalue", mock.headers().get("testheader"));
    assertEquals(before, upstream.received.size(), "a reply never reaches the upstream");
    assertEquals(200, get("/hdr/allowed/more", v1).status());
    assertRefused(403, "Requested endpoint is forbidden", "/hdr/other", v1);
    assertRefused(403, "Requested endpoint is forbidden", "/hdr/mock", v1, HttpMethod.POST);
    assertRefused(401, "Authorization field missing", "/hdr/allowed", Map.of("x-api-version", "v1"));
  }

  @Test
  void anIgnoredPathSkipsAuth() throws Exception {
    Reply reply = get("/hdr/ignore", Map.of("x-api-version", "v1"));
    assertEquals(200, reply.status(), reply.text());
    assertEquals("/ignore", reply.json().getString("uri"));
    assertEquals(200, get("/hdr/ignore", Map.of("x-api-version", "v1", "Authorization", "no-such-key")).status());
  }

  @Test
  void aKeyMayCallOnlyItsVersions() throws Exception {
    String key = key("hdr", List.of("v3"), null);
    assertRefused(403, "Access to this API has been disallowed", "/hdr/allowed", Map.of("Authorization", key, "x-api-version", "v1"));
    String none = key("hdr", List.of(), null);
    assertRefused(403, "Access to this API has been disallowed", "/hdr/allowed", Map.of("Authorization", none, "x-api-version", "v1"));
  }

  @Test
  void overrideTargetSendsTheVersionToItsOwnUpstreamAndExpiryIsAnnounced() throws Exception {
    String key = key("hdr", List.of("v3"), null);
    int before = upstream.received.size();
    Reply reply = get("/hdr/orders?a=1", Map.of("Authorization", key, "x-api-version", "v3"));
    assertEquals(200, reply.status(), reply.text());
    assertEquals("/base/orders?a=1", reply.json().getString("uri"));
    assertEquals("/base/orders", second.received.get(second.received.size() - 1).getString("path"));
    assertEquals(before, upstream.received.size());
    assertEquals("Wed, 02 Jan 2999 15:04:00 UTC", reply.headers().get("x-tyk-api-expires"));
  }

  @Test
  void aUrlParamVersionIsStrippedAndTheDefaultVersionSetsHeaders() throws Exception {
    Reply v2 = get("/par/x?version=v2&a=1", Map.of("x-drop", "kept"));
    assertEquals(200, v2.status(), v2.text());
    assertEquals("/x?a=1", v2.json().getString("uri"));
    assertEquals("kept", v2.json().getJsonObject("headers").getString("x-drop"), "v2 has no global headers");
    Reply v1 = get("/par/x", Map.of("x-drop", "secret", "x-version", "client"));
    JsonObject seen = v1.json().getJsonObject("headers");
    assertEquals("one", seen.getString("x-version"));
    assertNull(seen.getValue("x-drop"));
    assertRefused(403, "This API version does not seem to exist", "/par/x?version=nope", Map.of());
  }

  @Test
  void aUrlVersionIsStrippedAndIgnoreEndpointCaseApplies() throws Exception {
    Reply reply = get("/url/v1/items/1", Map.of());
    assertEquals(200, reply.status(), reply.text());
    assertEquals("/items/1", reply.json().getString("uri"));
    assertRefused(403, "Requested endpoint is forbidden", "/url/v1/ADMIN", Map.of());
    assertRefused(403, "Requested endpoint is forbidden", "/url/v1/%41dmin", Map.of());
    assertRefused(403, "Requested endpoint is forbidden", "/url/v1/secret", Map.of());
    assertEquals(200, get("/url/v1/items/secret", Map.of()).status(),
        "only the version segment is taken off for matching, not the segment after it as well");
    assertRefused(403, "Version information not found", "/url/", Map.of());
    assertRefused(403, "This API version does not seem to exist", "/url/v2/items", Map.of());
  }

  @Test
  void sizeLimitsAnswer400OverTheLimitAnd411WithoutALength() throws Exception {
    assertEquals(200, gw.call(HttpMethod.POST, "/lim/upload", Map.of(), "12345").status());
    assertRefused(400, "Request is too large", "/lim/upload", Map.of(), HttpMethod.POST, "x".repeat(11));
    assertRefused(400, "Request is too large", "/lim/%75pload", Map.of(), HttpMethod.POST, "x".repeat(11));
    assertEquals(200, gw.call(HttpMethod.POST, "/lim/other", Map.of(), "x".repeat(50)).status(), "the global limit is 50");
    assertRefused(400, "Request is too large", "/lim/other", Map.of(), HttpMethod.POST, "x".repeat(51));
    assertEquals(200, gw.call(HttpMethod.PUT, "/lim/upload", Map.of(), "x".repeat(40)).status(), "size_limits name one method");
    Reply chunked = chunked("/lim/upload", "abc");
    assertEquals(411, chunked.status(), chunked.text());
    assertEquals(new JsonObject().put("error", "Content length is required for this request"), chunked.json());
    assertEquals(200, get("/lim/upload", Map.of()).status(), "GET is not checked");
  }

  @Test
  void aHardTimeoutAnswers504WhileTheUpstreamHoldsTheRequest() throws Exception {
    Reply reply = get("/slow/held", Map.of());
    assertEquals(504, reply.status(), reply.text());
    assertEquals(new JsonObject().put("error", "Upstream service reached hard timeout."), reply.json());
    Poll.until(Duration.ofSeconds(10), "the upstream got the request", () -> !HELD.isEmpty());
    HELD.forEach(r -> gw.vertx.runOnContext(v -> r.response().end("late")));
  }

  @Test
  void allowedUrlsLimitAKeyToItsPathsAndMethods() throws Exception {
    JsonArray urls = new JsonArray().add(new JsonObject().put("url", "/plain/users/{id}").put("methods", new JsonArray().add("GET")));
    String key = key("plain", List.of("Default"), urls);
    Map<String, String> auth = Map.of("Authorization", key);
    assertEquals(200, get("/plain/users/7", auth).status());
    assertRefused(403, "Access to this resource has been disallowed", "/plain/users/7", auth, HttpMethod.POST);
    assertRefused(403, "Access to this resource has been disallowed", "/plain/orders", auth);
    assertEquals(200, get("/plain/%75sers/7", auth).status(), "matched on the decoded path, as Tyk does");
    String broken = key("plain", List.of(), new JsonArray().add(new JsonObject().put("url", "[").put("methods", new JsonArray().add("GET"))));
    assertRefused(403, "Access to this resource has been disallowed", "/plain/users/7", Map.of("Authorization", broken));
    assertEquals(200, get("/plain/users/7", Map.of("Authorization", key("plain", List.of(), null))).status(),
        "versions do not matter on a not-versioned API");
  }

  private static String key(String apiId, List<String> versions, JsonArray allowedUrls) throws Exception {
    JsonObject right = new JsonObject().put("api_id", apiId).put("api_name", apiId).put("versions", new JsonArray(versions));
    if (allowedUrls != null) {
      right.put("allowed_urls", allowedUrls);
    }
    String key = "vkey-" + KEYS.incrementAndGet() + "-" + System.nanoTime();
    Reply reply = gw.admin(HttpMethod.POST, "/tyk/keys/" + key,
        new JsonObject().put("org_id", "test-org").put("access_rights", new JsonObject().put(apiId, right)).encode());
    assertEquals(200, reply.status(), reply.text());
    return key;
  }

  private static Reply get(String uri, Map<String, String> headers) throws Exception {
    return gw.call(HttpMethod.GET, uri, headers, null);
  }

  private static void assertRefused(int status, String message, String uri, Map<String, String> headers) throws Exception {
    assertRefused(status, message, uri, headers, HttpMethod.GET, null);
  }

  private static void assertRefused(int status, String message, String uri, Map<String, String> headers, HttpMethod method) throws Exception {
    assertRefused(status, message, uri, headers, method, null);
  }

  /** Calls and checks the refusal, and that no upstream saw the request. */
  private static void assertRefused(int status, String message, String uri, Map<String, String> headers, HttpMethod method, String body)
      throws Exception {
    int before = upstream.received.size() + second.received.size();
    Reply reply = gw.call(method, uri, headers, body);
    assertEquals(status, reply.status(), reply.text());
    assertEquals(new JsonObject().put("error", message), reply.json());
    assertEquals(before, upstream.received.size() + second.received.size(), "a refused request reached an upstream");
  }

  // A POST with a chunked body (no Content-Length).
  private static Reply chunked(String uri, String body) throws Exception {
    Promise<Reply> reply = Promise.promise();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(gw.port()).setURI(uri);
    gw.vertx.getOrCreateContext().runOnContext(v -> gw.client.request(options).compose(req -> {
      req.setChunked(true);
      return req.send(Buffer.buffer(body));
    }).compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b))).onComplete(reply));
    return reply.future().await(20, TimeUnit.SECONDS);
  }
}
