package dev.coproxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.RawHttp;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Which API a request reaches and what request-target its upstream sees: longest listen path at a
 * segment boundary, strip_listen_path, target_url path and query joining, inactive APIs, unmatched
 * paths, and the built-in echo endpoint. Each API's target has its own base path, so the upstream's
 * echo of the request-target tells which API routed it.
 */
class RoutingIT {

  private static TestGateway gw;
  private static Upstream upstream;

  @BeforeAll
  static void start() throws Exception {
    gw = TestGateway.start(new JsonObject(), Map.of());
    upstream = Upstream.start(gw.vertx);
    gw.writeApi("a.json", Apis.keyless("a", "/a/", upstream.url("/A")));
    gw.writeApi("ab.json", Apis.keyless("ab", "/ab/", upstream.url("/AB")));
    gw.writeApi("a-long.json", Apis.keyless("a-long", "/a/long/", upstream.url("/LONG")));
    gw.writeApi("bare.json", Apis.keyless("bare", "/bare", upstream.url("/BARE")));
    JsonObject keep = Apis.keyless("keep", "/keep/", upstream.url("/base"));
    keep.getJsonObject("proxy").put("strip_listen_path", false);
    gw.writeApi("keep.json", keep);
    gw.writeApi("slash.json", Apis.keyless("slash", "/slash/", upstream.url("/base/")));
    gw.writeApi("root.json", Apis.keyless("root", "/root/", upstream.url("")));
    gw.writeApi("query.json", Apis.keyless("query", "/q/", upstream.url("/base?fixed=1")));
    gw.writeApi("off.json", Apis.keyless("off", "/off/", upstream.url("/OFF")).put("active", false));
    JsonObject reload = gw.reload();
    assertEquals(new JsonArray(), reload.getJsonArray("errors"), reload.encode());
    assertEquals(8, reload.getInteger("loaded"), reload.encode());
  }

  @AfterAll
  static void stop() throws Exception {
    if (upstream != null) {
      upstream.close();
    }
    if (gw != null) {
      gw.close();
    }
  }

  @Test
  void longestListenPathWins() throws Exception {
    assertEquals("/LONG/x", upstreamUri("/a/long/x"));
    assertEquals("/A/x", upstreamUri("/a/x"));
  }

  @Test
  void listenPathMatchesOnlyAtSegmentBoundary() throws Exception {
    assertEquals("/AB/x", upstreamUri("/ab/x"));
    assertEquals("/A/longer", upstreamUri("/a/longer"));
    assertNotRouted("/abc/x");
    assertNotRouted("/barex");
  }

  @Test
  void pathWithoutTrailingSlashReachesListenPathWithSlash() throws Exception {
    assertEquals("/A", upstreamUri("/a"));
    assertEquals("/AB", upstreamUri("/ab"));
    assertEquals("/LONG", upstreamUri("/a/long"));
  }

  @Test
  void listenPathWithoutTrailingSlash() throws Exception {
    assertEquals("/BARE", upstreamUri("/bare"));
    assertEquals("/BARE/x/y", upstreamUri("/bare/x/y"));
  }

  @Test
  void stripListenPathOffKeepsTheWholePath() throws Exception {
    assertEquals("/base/keep/x?y=1", upstreamUri("/keep/x?y=1"));
    assertEquals("/base/keep/", upstreamUri("/keep/"));
  }

  @Test
  void targetPathJoinsWithExactlyOneSlash() throws Exception {
    assertEquals("/base/x", upstreamUri("/slash/x"));
    assertEquals("/base/", upstreamUri("/slash/"));
    assertEquals("/A/x/y/", upstreamUri("/a/x/y/"));
  }

  @Test
  void emptyTargetPath() throws Exception {
    assertEquals("/x", upstreamUri("/root/x"));
    assertEquals("/", upstreamUri("/root/"));
    assertEquals("/", upstreamUri("/root"));
  }

  @Test
  void targetQueryAndRequestQueryAreBothKept() throws Exception {
    assertEquals("/base/x?fixed=1&a=2&b=3", upstreamUri("/q/x?a=2&b=3"));
    assertEquals("/base/x?fixed=1", upstreamUri("/q/x"));
    assertEquals("/A/x?a=%20b&c", upstreamUri("/a/x?a=%20b&c"));
  }

  @Test
  void encodedPathIsForwardedAsSent() throws Exception {
    assertEquals("/A/x%2Fy/%C3%A9", upstreamUri("/a/x%2Fy/%C3%A9"));
  }

  @Test
  void inactiveApiIsNotRouted() throws Exception {
    int before = upstream.received.size();
    assertNotRouted("/off/x");
    assertEquals(before, upstream.received.size(), "the inactive API's upstream was called");
  }

  @Test
  void unmatchedPathGives404Json() throws Exception {
    assertNotRouted("/nothing/here");
    assertNotRouted("/");
  }

  @Test
  void echoEndpointAnswersWhatItReceived() throws Exception {
    TestGateway.Reply reply = gw.call(HttpMethod.POST, "/coproxy/echo/sub?x=1&y=2", Map.of("X-Test", "hello"), "ping");
    assertEquals(200, reply.status(), reply.text());
    assertEquals("application/json", reply.headers().get("content-type"));
    JsonObject echo = reply.json();
    assertEquals("POST", echo.getString("method"));
    assertEquals("/coproxy/echo/sub", echo.getString("path"));
    assertEquals("x=1&y=2", echo.getString("query"));
    assertEquals("ping", echo.getString("body"));
    assertEquals("hello", header(echo.getJsonObject("headers"), "x-test"));
  }

  @Test
  void echoEndpointIsOnlyItsOwnPath() throws Exception {
    assertNotRouted("/coproxy/echoes");
  }

  @Test
  void echoEndpointRefusesChunkedBodyAboveOneMebibyte() throws Exception {
    try (RawHttp raw = RawHttp.connect(gw.port())) {
      raw.head("POST /coproxy/echo HTTP/1.1", "Host: 127.0.0.1", "Transfer-Encoding: chunked");
      byte[] chunk = new byte[64 * 1024];
      String size = Integer.toHexString(chunk.length) + "\r\n";
      RawHttp.Response response = null;
      try {
        for (int i = 0; i < 20; i++) {
          raw.write(size).write(chunk).write("\r\n");
        }
        raw.write("0\r\n\r\n");
      } catch (java.io.IOException closedEarly) {
        // the gateway may answer and close before the whole body is written
      }
      response = raw.read();
      assertEquals(413, response.status(), response.text());
      assertTrue(response.json().getString("error").contains("1 MiB"), response.text());
    }
  }

  @Test
  void apiCanTargetTheEchoEndpoint() throws Exception {
    gw.writeApi("demo.json", Apis.keyless("demo", "/demo/", "http://127.0.0.1:" + gw.port() + "/coproxy/echo"));
    try {
      gw.reload();
      TestGateway.Reply reply = gw.call(HttpMethod.GET, "/demo/hi?z=9", Map.of(), null);
      assertEquals(200, reply.status(), reply.text());
      assertEquals("/coproxy/echo/hi", reply.json().getString("path"));
      assertEquals("z=9", reply.json().getString("query"));
    } finally {
      java.nio.file.Files.delete(gw.appPath.resolve("demo.json"));
      gw.reload();
    }
  }

  private static String upstreamUri(String uri) throws Exception {
    TestGateway.Reply reply = gw.call(HttpMethod.GET, uri, Map.of(), null);
    assertEquals(200, reply.status(), uri + " -> " + reply.text());
    return reply.json().getString("uri");
  }

  private static void assertNotRouted(String uri) throws Exception {
    TestGateway.Reply reply = gw.call(HttpMethod.GET, uri, Map.of(), null);
    assertEquals(404, reply.status(), uri + " -> " + reply.text());
    assertEquals("application/json", reply.headers().get("content-type"), uri);
    String error = reply.json().getString("error");
    assertTrue(error != null && !error.isBlank(), uri + " -> " + reply.text());
  }

  static String header(JsonObject headers, String name) {
    for (String key : headers.fieldNames()) {
      if (key.equalsIgnoreCase(name)) {
        Object value = headers.getValue(key);
        return value instanceof JsonArray list ? String.join(", ", list.getList()) : String.valueOf(value);
      }
    }
    return null;
  }
}
