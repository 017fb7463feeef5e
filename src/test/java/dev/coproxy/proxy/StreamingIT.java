package dev.coproxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Multi-megabyte bodies stream through the proxy both ways, byte for byte. */
class StreamingIT {

  private static final int SIZE = 6 * 1024 * 1024 + 123;
  private static final int PIECE = 64 * 1024;
  private static final Buffer DATA = randomBytes(SIZE);
  private static final String DATA_SHA = sha256(DATA.getBytes());

  private static TestGateway gw;
  private static Upstream upstream;

  @BeforeAll
  static void start() throws Exception {
    gw = TestGateway.start(new JsonObject(), Map.of());
    upstream = Upstream.start(gw.vertx);
    gw.writeApi("big.json", Apis.keyless("big", "/big/", upstream.url("/")));
    assertEquals(1, gw.reload().getInteger("loaded"));
    upstream.handler(req -> {
      if (req.path().startsWith("/download")) {
        HttpServerResponse response = req.response().putHeader("content-type", "application/octet-stream");
        if ("chunked".equals(req.query())) {
          response.setChunked(true);
          for (int at = 0; at < SIZE; at += PIECE) {
            response.write(DATA.slice(at, Math.min(SIZE, at + PIECE)));
          }
          response.end();
        } else {
          response.end(DATA);
        }
        return;
      }
      MessageDigest digest = newDigest();
      long[] length = {0};
      req.handler(chunk -> {
        digest.update(chunk.getBytes());
        length[0] += chunk.length();
      });
      req.endHandler(v -> req.response().putHeader("content-type", "application/json").end(new JsonObject()
          .put("length", length[0])
          .put("sha256", HexFormat.of().formatHex(digest.digest()))
          .put("content-length", req.getHeader("content-length"))
          .put("transfer-encoding", req.getHeader("transfer-encoding"))
          .encode()));
    });
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
  void largeRequestBodyWithContentLengthArrivesIntact() throws Exception {
    JsonObject seen = upload(req -> req.send(DATA));
    assertEquals(SIZE, seen.getLong("length"));
    assertEquals(DATA_SHA, seen.getString("sha256"));
    assertEquals(String.valueOf(SIZE), seen.getString("content-length"));
  }

  @Test
  void largeChunkedRequestBodyArrivesIntact() throws Exception {
    JsonObject seen = upload(req -> {
      req.setChunked(true);
      for (int at = 0; at < SIZE; at += PIECE) {
        req.write(DATA.slice(at, Math.min(SIZE, at + PIECE)));
      }
      return req.end().compose(v -> req.response());
    });
    assertEquals(SIZE, seen.getLong("length"));
    assertEquals(DATA_SHA, seen.getString("sha256"));
    assertNull(seen.getString("content-length"));
    assertEquals("chunked", seen.getString("transfer-encoding"));
  }

  @Test
  void largeResponseBodyWithContentLengthArrivesIntact() throws Exception {
    TestGateway.Reply reply = gw.call(HttpMethod.GET, "/big/download", Map.of(), null);
    assertEquals(200, reply.status());
    assertEquals(String.valueOf(SIZE), reply.headers().get("content-length"));
    assertEquals(SIZE, reply.body().length());
    assertEquals(DATA_SHA, sha256(reply.body().getBytes()));
  }

  @Test
  void largeChunkedResponseBodyArrivesIntact() throws Exception {
    TestGateway.Reply reply = gw.call(HttpMethod.GET, "/big/download?chunked", Map.of(), null);
    assertEquals(200, reply.status());
    assertEquals(SIZE, reply.body().length());
    assertEquals(DATA_SHA, sha256(reply.body().getBytes()));
  }

  private static JsonObject upload(java.util.function.Function<HttpClientRequest, Future<io.vertx.core.http.HttpClientResponse>> send)
      throws Exception {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(gw.port())
        .setURI("/big/upload");
    Buffer body = gw.client.request(options)
        .compose(send)
        .compose(resp -> resp.statusCode() == 200 ? resp.body()
            : resp.body().compose(b -> Future.failedFuture("status " + resp.statusCode() + ": " + b)))
        .await(30, TimeUnit.SECONDS);
    return new JsonObject(body);
  }

  private static Buffer randomBytes(int size) {
    byte[] bytes = new byte[size];
    new Random(42).nextBytes(bytes);
    return Buffer.buffer(bytes);
  }

  private static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(newDigest().digest(bytes));
  }
}
