package dev.coproxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.Poll;
import dev.coproxy.testing.RawHttp;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
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
    gw = TestGateway.start(new JsonObject().put("max_request_body_size", LIMIT)
        .put("http_server_options", new JsonObject().put("enable_http2", true)), Map.of());
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

  @Test
  void overHttp2ARefusedBodyLeavesTheOtherRequestsOnTheConnectionAlone() throws Exception {
    // The upstream holds the first request until the refusal is in: both are on the connection at once.
    AtomicReference<Runnable> answerSlow = new AtomicReference<>();
    // (The refused body may reach the upstream too, streamed until the limit: the gateway resets it.)
    upstream.handler(req -> {
      if (req.path().endsWith("/slow")) {
        Context context = Vertx.currentContext();
        answerSlow.set(() -> context.runOnContext(v -> req.response().end("slow answer")));
      }
    });
    HttpClient h2 = gw.vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false).setDefaultHost("127.0.0.1").setDefaultPort(gw.port()));
    try {
      Future<String> slow = h2.request(new RequestOptions().setURI("/limited/slow"))
          .compose(req -> req.send())
          .compose(resp -> resp.body().map(body -> resp.statusCode() + " " + body));
      Poll.until(Duration.ofSeconds(10), () -> answerSlow.get() != null, () -> "the slow request never reached the upstream");
      String refused = h2.request(new RequestOptions().setMethod(HttpMethod.POST).setURI("/limited/big"))
          .compose(req -> {
            req.setChunked(true);
            req.write(Buffer.buffer(new byte[600]));
            req.write(Buffer.buffer(new byte[600]));
            req.end();
            return req.response();
          })
          .compose(resp -> resp.body().map(body -> resp.version() + " " + resp.statusCode()))
          .await(10, TimeUnit.SECONDS);
      assertEquals("HTTP_2 413", refused);
      assertFalse(slow.isComplete(), "the slow request is still in flight");
      answerSlow.get().run();
      assertEquals("200 slow answer", slow.await(10, TimeUnit.SECONDS), "the other request on the connection failed");
    } finally {
      upstream.echoRequests();
      h2.close();
    }
  }

  private static String chunk(int size) {
    return Integer.toHexString(size) + "\r\n" + "b".repeat(size) + "\r\n";
  }
}
