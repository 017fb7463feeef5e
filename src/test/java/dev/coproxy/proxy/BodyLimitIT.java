package dev.coproxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.RawHttp;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code max_request_body_size}: a body above it gets 413 and never reaches the upstream whole. */
class BodyLimitIT {

  private static final int LIMIT = 1000;

  private static TestGateway gw;
  private static Upstream upstream;

  @BeforeAll
  static void start() throws Exception {
    gw = TestGateway.start(new JsonObject().put("max_request_body_size", LIMIT), Map.of());
    upstream = Upstream.start(gw.vertx);
    gw.writeApi("limited.json", Apis.keyless("limited", "/limited/", upstream.url("/")));
    assertEquals(1, gw.reload().getInteger("loaded"));
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
  void clear() {
    upstream.received.clear();
  }

  @Test
  void bodyAtTheLimitPasses() throws Exception {
    TestGateway.Reply reply = gw.call(HttpMethod.POST, "/limited/x", Map.of(), "a".repeat(LIMIT));
    assertEquals(200, reply.status(), reply.text());
    assertEquals("a".repeat(LIMIT), reply.json().getString("body"));
  }

  @Test
  void contentLengthAboveTheLimitGives413() throws Exception {
    TestGateway.Reply reply = gw.call(HttpMethod.POST, "/limited/x", Map.of(), "a".repeat(LIMIT + 1));
    assertEquals(413, reply.status(), reply.text());
    assertEquals("application/json", reply.headers().get("content-type"));
    assertEquals("Request is too large", reply.json().getString("error"));
    assertEquals(0, upstream.received.size(), "the upstream got the request");
  }

  @Test
  void chunkedBodyUnderTheLimitPasses() throws Exception {
    try (RawHttp raw = RawHttp.connect(gw.port())) {
      raw.head("POST /limited/x HTTP/1.1", "Host: 127.0.0.1", "Transfer-Encoding: chunked");
      raw.write(chunk(400)).write(chunk(400)).write("0\r\n\r\n");
      RawHttp.Response response = raw.read();
      assertEquals(200, response.status(), response.text());
      assertEquals("b".repeat(800), response.json().getString("body"));
    }
  }

  @Test
  void chunkedBodyAboveTheLimitGives413() throws Exception {
    try (RawHttp raw = RawHttp.connect(gw.port())) {
      raw.head("POST /limited/x HTTP/1.1", "Host: 127.0.0.1", "Transfer-Encoding: chunked");
      raw.write(chunk(600) + chunk(600) + "0\r\n\r\n");
      RawHttp.Response response = raw.read();
      assertEquals(413, response.status(), response.text());
      assertEquals("Request is too large", response.json().getString("error"));
    }
    // A later request on a new connection works, and the refused one never reached the upstream whole.
    TestGateway.Reply reply = gw.call(HttpMethod.POST, "/limited/after", Map.of(), "ok");
    assertEquals(200, reply.status(), reply.text());
    assertEquals(1, upstream.received.size(), upstream.received.toString());
    assertEquals("/after", upstream.received.get(0).getString("uri"));
  }

  @Test
  void requestWithoutBodyIsNotLimited() throws Exception {
    TestGateway.Reply reply = gw.call(HttpMethod.GET, "/limited/x", Map.of(), null);
    assertEquals(200, reply.status(), reply.text());
  }

  private static String chunk(int size) {
    return Integer.toHexString(size) + "\r\n" + "b".repeat(size) + "\r\n";
  }
}
