package dev.coproxy.proxy;

import static dev.coproxy.proxy.RoutingIT.header;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.RawHttp;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Headers across the proxy: the Host the upstream sees, hop-by-hop headers dropped in both
 * directions while end-to-end ones pass, and X-Forwarded-For.
 */
class HeadersIT {

  private static final List<String> HOP_BY_HOP = List.of("connection", "keep-alive", "proxy-authorization", "te",
      "upgrade", "proxy-connection", "trailer", "proxy-authenticate", "x-hop");

  private static TestGateway gw;
  private static Upstream upstream;

  @BeforeAll
  static void start() throws Exception {
    gw = TestGateway.start(new JsonObject(), Map.of());
    upstream = Upstream.start(gw.vertx);
    gw.writeApi("plain.json", Apis.keyless("plain", "/plain/", upstream.url("/")));
    JsonObject preserve = Apis.keyless("preserve", "/preserve/", upstream.url("/"));
    preserve.getJsonObject("proxy").put("preserve_host_header", true);
    gw.writeApi("preserve.json", preserve);
    assertEquals(2, gw.reload().getInteger("loaded"));
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

  @BeforeEach
  void echoByDefault() {
    upstream.received.clear();
    upstream.echoRequests();
  }

  @Test
  void upstreamSeesTargetHostByDefault() throws Exception {
    JsonObject seen = viaSocket("GET /plain/x HTTP/1.1", "Host: api.example.test:1234");
    assertEquals("127.0.0.1:" + upstream.port(), header(seen.getJsonObject("headers"), "host"));
  }

  @Test
  void preserveHostHeaderPassesTheClientsHost() throws Exception {
    JsonObject seen = viaSocket("GET /preserve/x HTTP/1.1", "Host: api.example.test:1234");
    assertEquals("api.example.test:1234", header(seen.getJsonObject("headers"), "host"));
    assertEquals("/x", seen.getString("uri"));
  }

  @Test
  void hopByHopRequestHeadersAreDroppedAndEndToEndOnesPass() throws Exception {
    JsonObject seen = viaSocket("POST /plain/x HTTP/1.1",
        "Host: 127.0.0.1",
        "Connection: keep-alive, X-Hop",
        "Keep-Alive: timeout=5",
        "Proxy-Authorization: Basic c2VjcmV0OnNlY3JldA==",
        "Proxy-Connection: keep-alive",
        "TE: trailers",
        "Upgrade: example/1",
        "X-Hop: only for the gateway",
        "X-End: for the upstream",
        "Authorization: Bearer abc",
        "Accept: text/plain",
        "Accept: application/json",
        "Content-Type: text/plain",
        "Content-Length: 4",
        "",
        "body");
    JsonObject headers = seen.getJsonObject("headers");
    for (String name : HOP_BY_HOP) {
      assertNull(header(headers, name), name + " reached the upstream: " + headers.encode());
    }
    assertEquals("for the upstream", header(headers, "x-end"));
    assertEquals("Bearer abc", header(headers, "authorization"));
    assertEquals("text/plain, application/json", header(headers, "accept"));
    assertEquals("text/plain", header(headers, "content-type"));
    assertEquals("body", seen.getString("body"));
  }

  @Test
  void hopByHopResponseHeadersAreDroppedAndEndToEndOnesPass() throws Exception {
    upstream.handler(req -> req.response()
        .putHeader("Connection", "X-Hop")
        .putHeader("Keep-Alive", "timeout=5")
        .putHeader("Proxy-Authorization", "Basic c2VjcmV0")
        .putHeader("Proxy-Authenticate", "Basic realm=x")
        .putHeader("TE", "trailers")
        .putHeader("Upgrade", "example/1")
        .putHeader("X-Hop", "only for the gateway")
        .putHeader("X-End", "for the client")
        .putHeader("Set-Cookie", (Iterable<String>) List.of("a=1", "b=2"))
        .putHeader("Content-Type", "text/plain")
        .end("answer"));
    try (RawHttp raw = RawHttp.connect(gw.port())) {
      RawHttp.Response response = raw.head("GET /plain/x HTTP/1.1", "Host: 127.0.0.1").read();
      assertEquals(200, response.status(), response.text());
      for (String name : HOP_BY_HOP) {
        assertEquals(List.of(), response.headers(name), name + " reached the client: " + response.headers());
      }
      assertEquals("for the client", response.header("x-end"));
      assertEquals(List.of("a=1", "b=2"), response.headers("set-cookie"));
      assertEquals("text/plain", response.header("content-type"));
      assertEquals("answer", response.text());
    }
  }

  @Test
  void upstreamStatusAndMessagePass() throws Exception {
    upstream.handler(req -> req.response().setStatusCode(418).setStatusMessage("Short And Stout").end("teapot"));
    try (RawHttp raw = RawHttp.connect(gw.port())) {
      raw.head("GET /plain/tea HTTP/1.1", "Host: 127.0.0.1");
      RawHttp.Response response = raw.read();
      assertEquals(418, response.status());
      assertEquals("teapot", response.text());
    }
  }

  @Test
  void xForwardedForIsCreated() throws Exception {
    TestGateway.Reply reply = gw.call(HttpMethod.GET, "/plain/x", Map.of(), null);
    assertEquals(200, reply.status(), reply.text());
    assertEquals("127.0.0.1", header(reply.json().getJsonObject("headers"), "x-forwarded-for"));
  }

  @Test
  void xForwardedForIsAppendedTo() throws Exception {
    TestGateway.Reply reply = gw.call(HttpMethod.GET, "/plain/x", Map.of("X-Forwarded-For", "203.0.113.7"), null);
    assertEquals(200, reply.status(), reply.text());
    assertEquals("203.0.113.7, 127.0.0.1", header(reply.json().getJsonObject("headers"), "x-forwarded-for"));
  }

  @Test
  void xForwardedForKeepsEveryEarlierHop() throws Exception {
    JsonObject seen = viaSocket("GET /plain/x HTTP/1.1", "Host: 127.0.0.1",
        "X-Forwarded-For: 203.0.113.7, 198.51.100.1", "X-Forwarded-For: 192.0.2.9");
    assertEquals("203.0.113.7, 198.51.100.1, 192.0.2.9, 127.0.0.1", header(seen.getJsonObject("headers"), "x-forwarded-for"));
  }

  /** Sends a request over a plain socket (lines after an empty one are the body) and returns the upstream's echo. */
  private static JsonObject viaSocket(String requestLine, String... lines) throws Exception {
    StringBuilder text = new StringBuilder(requestLine).append("\r\n");
    boolean body = false;
    for (String line : lines) {
      text.append(line);
      if (!body) {
        text.append("\r\n");
      }
      body |= line.isEmpty();
    }
    if (!body) {
      text.append("\r\n");
    }
    try (RawHttp raw = RawHttp.connect(gw.port())) {
      RawHttp.Response response = raw.write(text.toString()).read();
      assertEquals(200, response.status(), response.text());
      return response.json();
    }
  }
}
