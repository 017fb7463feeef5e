package dev.coproxy.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.SelfSignedCertificate;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The downloader against real servers on loopback: retries, 4xx, size limit, self-signed https, file://. */
class BundleDownloaderIT {

  private static final byte[] BODY = "zip bytes".getBytes(StandardCharsets.UTF_8);
  private static Vertx vertx;
  private static HttpServer http;
  private static HttpServer https;
  private static final AtomicInteger flaky = new AtomicInteger();
  private static final AtomicInteger missing = new AtomicInteger();
  private static final AtomicInteger big = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    http = vertx.createHttpServer().requestHandler(req -> {
      switch (req.path()) {
        case "/flaky" -> req.response().setStatusCode(flaky.incrementAndGet() < 3 ? 503 : 200).end(io.vertx.core.buffer.Buffer.buffer(BODY));
        case "/missing" -> {
          missing.incrementAndGet();
          req.response().setStatusCode(404).end();
        }
        case "/big" -> {
          big.incrementAndGet();
          req.response().end("x".repeat(5000));
        }
        case "/moved" -> req.response().setStatusCode(302).putHeader("Location", "/b.zip").end();
        default -> req.response().end(io.vertx.core.buffer.Buffer.buffer(BODY));
      }
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    SelfSignedCertificate cert = SelfSignedCertificate.create("localhost");
    https = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setKeyCertOptions(cert.keyCertOptions()))
        .requestHandler(req -> req.response().end(io.vertx.core.buffer.Buffer.buffer(BODY)))
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static String url(HttpServer server, String scheme, String path) {
    return scheme + "://127.0.0.1:" + server.actualPort() + path;
  }

  private static byte[] get(BundleDownloader downloader, String url) throws Exception {
    return downloader.fetch(url).await(60, TimeUnit.SECONDS).getBytes();
  }

  @Test
  void followsRedirectsAndRefusesALargeBundleAtOnce() throws Exception {
    BundleDownloader downloader = new BundleDownloader(vertx, false, 1000, 1);
    assertArrayEquals(BODY, get(downloader, url(http, "http", "/moved")));
    int before = big.get();
    BundleException e = assertThrows(BundleException.class, () -> get(downloader, url(http, "http", "/big")));
    assertEquals("bundle " + url(http, "http", "/big") + " is larger than 1000 bytes (bundle_max_size)", e.getMessage());
    assertEquals(before + 1, big.get(), "not retried");
  }

  @Test
  void retriesServerErrorsButNotMissingBundles() throws Exception {
    BundleDownloader downloader = new BundleDownloader(vertx, false, 1000, 1);
    assertArrayEquals(BODY, get(downloader, url(http, "http", "/flaky")));
    assertEquals(3, flaky.get());
    BundleException e = assertThrows(BundleException.class, () -> get(downloader, url(http, "http", "/missing")));
    assertTrue(e.getMessage().contains("HTTP Error, got status code 404"), e.getMessage());
    assertEquals(1, missing.get());
    assertTrue(assertThrows(BundleException.class, () -> get(downloader, url(http, "http", "/big"))).getMessage().contains("bundle_max_size"));
    assertTrue(assertThrows(BundleException.class, () -> get(downloader, "ftp://127.0.0.1/x.zip")).getMessage().contains("Unknown URL scheme"));
  }

  @Test
  void httpsChecksCertificatesUnlessToldNotTo() throws Exception {
    assertArrayEquals(BODY, get(new BundleDownloader(vertx, true, 1000, 1), url(https, "https", "/b.zip")));
    BundleException e = assertThrows(BundleException.class, () -> get(new BundleDownloader(vertx, false, 1000, 1), url(https, "https", "/b.zip")));
    assertTrue(e.getMessage().contains("failed after 5 attempts"), e.getMessage());
  }

  @Test
  void readsFileUrls() throws Exception {
    Path file = Files.write(Files.createTempDirectory("coproxy-file-url").resolve("b.zip"), BODY);
    assertArrayEquals(BODY, get(new BundleDownloader(vertx, false, 1000, 1), "file://" + file));
    assertTrue(assertThrows(BundleException.class, () -> get(new BundleDownloader(vertx, false, 1000, 1), "file://" + file + ".nope"))
        .getMessage().contains("does not exist"));
  }
}
