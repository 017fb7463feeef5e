package dev.coproxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.Poll;
import dev.coproxy.testing.RawHttp;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a client sees when the upstream fails (refused, silent, broken mid-answer), and what the
 * upstream sees when the client goes away mid-request. The gateway's upstream timeout is 0.5 s.
 */
class UpstreamFailureIT {

  private static final Duration DEADLINE = Duration.ofSeconds(10);

  private static TestGateway gw;
  private static Upstream upstream;
  /** What the upstream saw of each request, for the tests that replace its handler. */
  private static final List<String> events = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    gw = TestGateway.start(new JsonObject().put("proxy_default_timeout", 0.5), Map.of());
    upstream = Upstream.start(gw.vertx);
    gw.writeApi("up.json", Apis.keyless("up", "/up/", upstream.url("/")));
    gw.writeApi("refused.json", Apis.keyless("refused", "/refused/", "http://127.0.0.1:" + closedPort() + "/"));
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
  void reset() {
    events.clear();
    upstream.echoRequests();
  }

  @Test
  void aClientResettingItsConnectionIsCountedWithoutASevereLogLine() throws Exception {
    List<String> severe = new CopyOnWriteArrayList<>();
    java.util.logging.Handler capture = new java.util.logging.Handler() {
      @Override
      public void publish(java.util.logging.LogRecord record) {
        if (record.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue()) {
          severe.add(record.getLoggerName() + ": " + record.getMessage());
        }
      }

      @Override
      public void flush() {
      }

      @Override
      public void close() {
      }
    };
    java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
    root.addHandler(capture);
    try {
      io.micrometer.core.instrument.Counter errors = gw.meters.get("coproxy.connection.errors").tag("side", "client").counter();
      double before = errors.count();
      RawHttp client = RawHttp.connect(gw.port());
      client.head("GET /up/x HTTP/1.1", "Host: 127.0.0.1");
      assertEquals(200, client.read().status());
      client.reset();
      Poll.until(DEADLINE, "the reset was counted", () -> errors.count() > before);
      assertEquals(List.of(), severe);
      assertEquals(200, gw.call(HttpMethod.GET, "/up/x", Map.of(), null).status());
    } finally {
      root.removeHandler(capture);
    }
  }

  @Test
  void refusedUpstreamGives502Json() throws Exception {
    TestGateway.Reply reply = gw.call(HttpMethod.GET, "/refused/x", Map.of(), null);
    assertEquals(502, reply.status(), reply.text());
    assertEquals("application/json", reply.headers().get("content-type"));
    assertFalse(reply.json().getString("error").isBlank(), reply.text());
    assertEquals(200, gw.call(HttpMethod.GET, "/up/x", Map.of(), null).status(), "gateway still serves other APIs");
  }

  @Test
  void silentUpstreamGives504JsonAndIsLetGo() throws Exception {
    upstream.handler(req -> {
      events.add("request");
      req.connection().closeHandler(v -> events.add("closed"));
    });
    long start = System.nanoTime();
    TestGateway.Reply reply = gw.call(HttpMethod.GET, "/up/silent", Map.of(), null);
    long tookMillis = (System.nanoTime() - start) / 1_000_000;
    assertEquals(504, reply.status(), reply.text());
    assertEquals("application/json", reply.headers().get("content-type"));
    assertFalse(reply.json().getString("error").isBlank(), reply.text());
    assertTrue(tookMillis >= 400, "answered before the timeout: " + tookMillis + " ms");
    assertTrue(tookMillis < 8000, "took " + tookMillis + " ms for a 0.5 s timeout");
    Poll.until(DEADLINE, () -> events.contains("closed"), () -> "upstream connection not closed after the 504: " + events);
  }

  @Test
  void upstreamClosingMidResponseWithContentLengthDoesNotHangTheClient() throws Exception {
    upstream.handler(req -> {
      req.response().putHeader("content-length", "1000000").write(Buffer.buffer(new byte[64 * 1024]));
      gw.vertx.setTimer(50, t -> req.connection().close());
    });
    assertClientSeesBrokenAnswer("/up/broken-length");
  }

  @Test
  void upstreamClosingMidChunkedResponseIsNotPassedOffAsComplete() throws Exception {
    upstream.handler(req -> {
      req.response().setChunked(true).write(Buffer.buffer(new byte[64 * 1024]));
      gw.vertx.setTimer(50, t -> req.connection().close());
    });
    assertClientSeesBrokenAnswer("/up/broken-chunked");
  }

  @Test
  void upstreamResettingMidResponseDoesNotHangTheClient() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread resetter = new Thread(() -> {
        try (Socket socket = server.accept()) {
          readHead(socket.getInputStream());
          OutputStream out = socket.getOutputStream();
          out.write("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\nContent-Type: text/plain\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          out.write(new byte[32 * 1024]);
          out.flush();
          socket.setSoLinger(true, 0);
        } catch (IOException e) {
          events.add("resetter failed: " + e);
        }
      }, "resetting-upstream");
      resetter.start();
      gw.writeApi("reset.json", Apis.keyless("reset", "/reset/", "http://127.0.0.1:" + server.getLocalPort() + "/"));
      gw.reload();
      try {
        assertClientSeesBrokenAnswer("/reset/x");
      } finally {
        resetter.join(DEADLINE.toMillis());
        java.nio.file.Files.delete(gw.appPath.resolve("reset.json"));
        gw.reload();
      }
    }
  }

  @Test
  void clientLeavingMidBodyClosesTheUpstreamRequest() throws Exception {
    upstream.handler(UpstreamFailureIT::record);
    try (RawHttp raw = RawHttp.connect(gw.port())) {
      raw.head("POST /up/upload HTTP/1.1", "Host: 127.0.0.1", "Content-Length: 100000");
      raw.write(new byte[1000]);
      Poll.until(DEADLINE, () -> events.contains("data"), () -> "upstream got no body: " + events);
    }
    Poll.until(DEADLINE, () -> events.contains("failed") || events.contains("closed"),
        () -> "upstream request still open after the client left: " + events);
    assertFalse(events.stream().anyMatch(e -> e.startsWith("ended")), "upstream saw a complete request: " + events);
  }

  @Test
  void clientLeavingMidChunkedBodyIsNotPassedOffAsComplete() throws Exception {
    upstream.handler(UpstreamFailureIT::record);
    try (RawHttp raw = RawHttp.connect(gw.port())) {
      raw.head("POST /up/upload HTTP/1.1", "Host: 127.0.0.1", "Transfer-Encoding: chunked");
      raw.write("3e8\r\n" + "c".repeat(1000) + "\r\n");
      Poll.until(DEADLINE, () -> events.contains("data"), () -> "upstream got no body: " + events);
    }
    Poll.until(DEADLINE, () -> events.contains("failed") || events.contains("closed") || events.stream().anyMatch(e -> e.startsWith("ended")),
        () -> "upstream request still open after the client left: " + events);
    assertFalse(events.stream().anyMatch(e -> e.startsWith("ended")), "upstream saw a complete request: " + events);
  }

  @Test
  void malformedChunkedBodyIsNotPassedOffAsComplete() throws Exception {
    upstream.handler(UpstreamFailureIT::record);
    try (RawHttp raw = RawHttp.connect(gw.port())) {
      raw.head("POST /up/upload HTTP/1.1", "Host: 127.0.0.1", "Transfer-Encoding: chunked");
      raw.write("3e8\r\n" + "c".repeat(1000) + "\r\n");
      Poll.until(DEADLINE, () -> events.contains("data"), () -> "upstream got no body: " + events);
      raw.write("not a chunk size\r\n" + "c".repeat(100) + "\r\n0\r\n\r\n");
      Poll.until(DEADLINE, () -> events.contains("failed") || events.contains("closed") || events.stream().anyMatch(e -> e.startsWith("ended")),
          () -> "upstream request still open after a malformed chunk: " + events);
      assertFalse(events.stream().anyMatch(e -> e.startsWith("ended")), "upstream saw a complete request: " + events);
    }
  }

  @Test
  void clientLeavingWhileUpstreamThinksClosesTheUpstreamRequest() throws Exception {
    upstream.handler(req -> {
      events.add("request");
      req.connection().closeHandler(v -> events.add("closed"));
    });
    try (RawHttp raw = RawHttp.connect(gw.port())) {
      raw.head("GET /up/think HTTP/1.1", "Host: 127.0.0.1");
      Poll.until(DEADLINE, () -> events.contains("request"), () -> "upstream got no request: " + events);
    }
    Poll.until(DEADLINE, () -> events.contains("closed"), () -> "upstream request still open after the client left: " + events);
  }

  private static void record(HttpServerRequest req) {
    events.add("request");
    req.handler(chunk -> events.add("data"));
    req.exceptionHandler(e -> events.add("failed"));
    req.endHandler(v -> events.add("ended"));
    req.connection().closeHandler(v -> events.add("closed"));
  }

  /** The client's request must fail (connection closed) within the deadline, not hang and not look complete. */
  private static void assertClientSeesBrokenAnswer(String uri) throws Exception {
    RequestOptions options = new RequestOptions().setHost("127.0.0.1").setPort(gw.port()).setURI(uri);
    int[] status = {0};
    try {
      Buffer body = gw.client.request(options)
          .compose(req -> req.send())
          .compose(resp -> {
            status[0] = resp.statusCode();
            return resp.body();
          })
          .await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
      fail("the client got a complete answer (status " + status[0] + ", " + body.length() + " bytes) from a broken upstream");
    } catch (TimeoutException e) {
      fail("the client was still waiting after " + DEADLINE.toSeconds() + " s (status " + status[0] + ")");
    } catch (RuntimeException expected) {
      // the connection was closed under the client: it knows the answer is broken
    }
  }

  private static void readHead(InputStream in) throws IOException {
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4) {
      int c = in.read();
      if (c < 0) {
        return;
      }
      matched = c == end[matched] ? matched + 1 : (c == '\r' ? 1 : 0);
    }
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
