package dev.coproxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.RawHttp;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.vertx.core.json.JsonObject;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Connections cannot hold the gateway: a silent or trickling request head is cut at the header
 * timeout, an idle keep-alive connection at the idle timeout, and a body that does not arrive gets
 * 408, whether the read timeout or the upstream's timeout runs out first; a silent upstream still
 * gets 504. Timings are checked loosely: never earlier than the timeout, and well within a bound.
 */
class ConnectionLimitsIT {

  private static final long HEADER_MILLIS = 2000;
  private static final long IDLE_MILLIS = 2000;
  private static final long READ_MILLIS = 3000;
  private static final long SLACK_MILLIS = 4000;

  /** Short header, idle and read timeouts; the upstream timeout at its default (30 s). */
  private static TestGateway strict;
  /** A 1 s upstream timeout, the connection timeouts at their defaults. */
  private static TestGateway hasty;
  private static Upstream echo;
  private static Upstream silent;

  @BeforeAll
  static void start() throws Exception {
    strict = TestGateway.start(new JsonObject().put("http_server_options", new JsonObject()
        .put("read_header_timeout", HEADER_MILLIS / 1000.0)
        .put("idle_timeout", IDLE_MILLIS / 1000.0)
        .put("read_timeout", READ_MILLIS / 1000.0)), Map.of());
    hasty = TestGateway.start(new JsonObject().put("proxy_default_timeout", 1), Map.of());
    echo = Upstream.start(strict.vertx);
    silent = Upstream.start(strict.vertx);
    silent.handler(request -> { });
    for (TestGateway gw : new TestGateway[] {strict, hasty}) {
      gw.writeApi("echo.json", Apis.keyless("echo", "/echo/", echo.url("/")));
      gw.writeApi("silent.json", Apis.keyless("silent", "/silent/", silent.url("/")));
      assertEquals(2, gw.reload().getInteger("loaded"));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    for (AutoCloseable closeable : new AutoCloseable[] {echo, silent, strict, hasty}) {
      if (closeable != null) {
        closeable.close();
      }
    }
  }

  @Test
  void aSilentConnectionIsClosedAtTheHeaderTimeout() throws Exception {
    Outcome outcome = trickle(strict.port(), "", "", 1000);
    assertEquals("", outcome.answer(), "no answer, only the close");
    assertWithin(outcome.millis(), HEADER_MILLIS);
  }

  @Test
  void aHeadTrickledOneByteAtATimeIsClosedAtTheHeaderTimeout() throws Exception {
    Outcome outcome = trickle(strict.port(), "", "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + "a".repeat(200), 250);
    assertEquals("", outcome.answer(), "no answer, only the close");
    assertWithin(outcome.millis(), HEADER_MILLIS);
    assertTrue(outcome.sent() > HEADER_MILLIS / 250 - 2, "bytes kept coming: " + outcome.sent());
  }

  @Test
  void anIdleKeepAliveConnectionIsClosedAtTheIdleTimeout() throws Exception {
    try (RawHttp raw = RawHttp.connect(strict.port())) {
      raw.head("GET /hello HTTP/1.1", "Host: 127.0.0.1");
      assertEquals(200, raw.read().status());
      raw.head("GET /hello HTTP/1.1", "Host: 127.0.0.1");
      assertEquals(200, raw.read().status(), "the connection is kept alive between requests");
      long idleSince = System.nanoTime();
      assertTrue(raw.closedByPeer(), "the idle connection was not closed");
      assertWithin((System.nanoTime() - idleSince) / 1_000_000, IDLE_MILLIS);
    }
  }

  @Test
  void aBodyTrickledPastTheReadTimeoutGets408() throws Exception {
    String head = "POST /echo/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n";
    Outcome outcome = trickle(strict.port(), head, "b".repeat(100), 250);
    assertTrue(outcome.answer().startsWith("HTTP/1.1 408"), outcome.answer());
    assertTrue(outcome.answer().endsWith("{\"error\": \"" + ConnectionDeadlines.BODY_TIMEOUT + "\"}"), outcome.answer());
    assertWithin(outcome.millis(), READ_MILLIS);
  }

  @Test
  void aBodyThatStallsWhileTheUpstreamWaitsGets408Not504() throws Exception {
    String head = "POST /echo/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n" + "b".repeat(10);
    Outcome outcome = trickle(hasty.port(), head, "", 1000);
    assertTrue(outcome.answer().startsWith("HTTP/1.1 408"), outcome.answer());
    assertTrue(outcome.answer().contains(ConnectionDeadlines.BODY_TIMEOUT), outcome.answer());
  }

  @Test
  void aSilentUpstreamStillGets504() throws Exception {
    TestGateway.Reply reply = hasty.call(io.vertx.core.http.HttpMethod.POST, "/silent/x", Map.of(), "b".repeat(100));
    assertEquals(504, reply.status(), reply.text());
    assertEquals(RequestFailures.TIMEOUT_ERROR, reply.json().getString("error"));
  }

  private static void assertWithin(long millis, long timeout) {
    assertTrue(millis >= timeout - 100, "closed after " + millis + " ms, before the " + timeout + " ms timeout");
    assertTrue(millis <= timeout + SLACK_MILLIS, "closed after " + millis + " ms, long after the " + timeout + " ms timeout");
  }

  /** What the gateway sent back (empty when it only closed), when, and how many drip bytes went out. */
  private record Outcome(String answer, long millis, int sent) {
  }

  // Writes head, then one byte of drip every periodMillis, until the gateway answers or closes.
  private static Outcome trickle(int port, String head, String drip, int periodMillis) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      long start = System.nanoTime();
      OutputStream out = socket.getOutputStream();
      InputStream in = new BufferedInputStream(socket.getInputStream());
      out.write(head.getBytes(StandardCharsets.ISO_8859_1));
      socket.setSoTimeout(periodMillis);
      int sent = 0;
      while (System.nanoTime() - start < Duration.ofSeconds(30).toNanos()) {
        try {
          int first = in.read();
          long millis = (System.nanoTime() - start) / 1_000_000;
          if (first < 0) {
            return new Outcome("", millis, sent);
          }
          socket.setSoTimeout(10_000);
          ByteArrayOutputStream answer = new ByteArrayOutputStream();
          answer.write(first);
          answer.write(in.readAllBytes());
          return new Outcome(answer.toString(StandardCharsets.ISO_8859_1), millis, sent);
        } catch (SocketTimeoutException e) {
          if (sent < drip.length()) {
            try {
              out.write(drip.charAt(sent));
              out.flush();
              sent++;
            } catch (IOException closed) {
              return new Outcome("", (System.nanoTime() - start) / 1_000_000, sent);
            }
          }
        } catch (IOException reset) {
          return new Outcome("", (System.nanoTime() - start) / 1_000_000, sent);
        }
      }
      throw new AssertionError("the gateway neither answered nor closed within 30 s");
    }
  }
}
