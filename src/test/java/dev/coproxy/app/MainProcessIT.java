package dev.coproxy.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.Poll;
import dev.coproxy.testing.Upstream;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java ... dev.coproxy.app.Main} as a user runs it: configuration from the environment and
 * {@code --conf}, the default app_path seeded with the demo APIs, start-up refused with status 2 and
 * one line for a configuration that cannot work, and a graceful stop on SIGTERM.
 */
class MainProcessIT {

  private static final Duration START = Duration.ofSeconds(60);
  private static final Duration EXIT = Duration.ofSeconds(30);

  private static HttpClient http;

  @TempDir
  Path workDir;

  @BeforeAll
  static void client() {
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterAll
  static void noClient() {
    http = null;
  }

  @Test
  void environmentPortAndDefaultAppPathWithDemoApis() throws Exception {
    int port = freePort();
    try (GatewayProcess gateway = GatewayProcess.start(workDir, Map.of("COPROXY_LISTEN_PORT", String.valueOf(port)))) {
      gateway.awaitReady(START);
      assertTrue(gateway.logged(GatewayProcess.READY + " " + port), gateway.output());
      HttpResponse<String> hello = get(port, "/hello");
      assertEquals(200, hello.statusCode(), hello.body());
      assertEquals("pass", new JsonObject(hello.body()).getString("status"), hello.body());
      for (String demo : AppPaths.DEMO_APIS) {
        Path file = workDir.resolve("apps").resolve(demo);
        assertTrue(Files.isRegularFile(file), file + " was not created");
        assertFalse(new JsonObject(Files.readString(file)).getString("api_id").isBlank());
      }
      HttpResponse<String> unmatched = get(port, "/no-such-api/");
      assertEquals(404, unmatched.statusCode(), unmatched.body());
    }
  }

  @Test
  void confOverlayWithOwnAppPath() throws Exception {
    int port = freePort();
    Path apps = Files.createDirectory(workDir.resolve("my-apis"));
    Files.writeString(apps.resolve("echo.json"),
        Apis.keyless("echo", "/via/", "http://127.0.0.1:" + port + "/coproxy/echo").encode());
    Path conf = Files.writeString(workDir.resolve("coproxy.json"),
        new JsonObject().put("listen_port", port).put("app_path", apps.toString())
            // A --conf file does not inherit the demo's echo endpoint: it asks for it.
            .put("enable_echo_endpoint", true)
            .put("coprocess_options", new JsonObject().put("typo", 1)).encode());
    try (GatewayProcess gateway = GatewayProcess.start(workDir, Map.of(), "--conf", conf.toString())) {
      gateway.awaitReady(START);
      assertTrue(gateway.logged("coprocess_options.typo"), "no warning about the unknown key:\n" + gateway.output());
      HttpResponse<String> reply = get(port, "/via/hello?x=1");
      assertEquals(200, reply.statusCode(), reply.body());
      JsonObject echo = new JsonObject(reply.body());
      assertEquals("GET", echo.getString("method"));
      assertEquals("/coproxy/echo/hello", echo.getString("path"));
      assertEquals("x=1", echo.getString("query"));
      assertFalse(Files.exists(workDir.resolve("apps")), "the default app_path was created although --conf set another");
    }
  }

  @Test
  void badEnvironmentValueStopsStartUp() throws Exception {
    assertRefused("listen_port", Map.of("COPROXY_LISTEN_PORT", "abc"));
  }

  @Test
  void badOverlayValueStopsStartUp() throws Exception {
    Path conf = Files.writeString(workDir.resolve("coproxy.json"), new JsonObject().put("listen_port", 70000).encode());
    assertRefused("listen_port", Map.of(), "--conf", conf.toString());
  }

  @Test
  void malformedOverlayStopsStartUp() throws Exception {
    Path conf = Files.writeString(workDir.resolve("coproxy.json"), "{ \"listen_port\": ");
    assertRefused("--conf", Map.of(), "--conf", conf.toString());
  }

  @Test
  void aTykConfKeyWhoseAbsenceWouldOpenAccessStopsStartUp() throws Exception {
    Path conf = Files.writeString(workDir.resolve("coproxy.json"), new JsonObject().put("listen_port", freePort())
        .put("security", new JsonObject().put("control_api_use_mutual_tls", true)).encode());
    assertRefused("security.control_api_use_mutual_tls", Map.of(), "--conf", conf.toString());
  }

  @Test
  void missingOverlayStopsStartUp() throws Exception {
    assertRefused("--conf", Map.of(), "--conf", workDir.resolve("nowhere.json").toString());
  }

  @Test
  void missingAppPathStopsStartUp() throws Exception {
    Path conf = Files.writeString(workDir.resolve("coproxy.json"), new JsonObject()
        .put("listen_port", freePort()).put("app_path", workDir.resolve("missing").toString()).encode());
    assertRefused("app_path", Map.of(), "--conf", conf.toString());
  }

  @Test
  void missingCertificateFileStopsStartUp() throws Exception {
    Path conf = Files.writeString(workDir.resolve("coproxy.json"), new JsonObject().put("listen_port", freePort())
        .put("http_server_options", new JsonObject().put("use_ssl", true).put("certificates", new io.vertx.core.json.JsonArray()
            .add(new JsonObject().put("cert_file", workDir.resolve("none.crt").toString()).put("key_file", workDir.resolve("none.key").toString()))))
        .encode());
    assertRefused("http_server_options.certificates[0].cert_file: cannot read", Map.of(), "--conf", conf.toString());
  }

  @Test
  void fileThatIsNoCertificateStopsStartUp() throws Exception {
    Path garbage = Files.writeString(workDir.resolve("garbage.pem"), "not a certificate\n");
    Path conf = Files.writeString(workDir.resolve("coproxy.json"), new JsonObject().put("listen_port", freePort())
        .put("http_server_options", new JsonObject().put("use_ssl", true).put("certificates", new io.vertx.core.json.JsonArray()
            .add(new JsonObject().put("cert_file", garbage.toString()).put("key_file", garbage.toString()))))
        .encode());
    assertRefused("http_server_options.certificates[0].cert_file: cannot read", Map.of(), "--conf", conf.toString());
  }

  @Test
  void sslWithoutCertificateStopsStartUp() throws Exception {
    Path conf = Files.writeString(workDir.resolve("coproxy.json"), new JsonObject().put("listen_port", freePort())
        .put("http_server_options", new JsonObject().put("use_ssl", true)).encode());
    assertRefused("http_server_options.certificates", Map.of(), "--conf", conf.toString());
  }

  @Test
  void portInUseStopsStartUp() throws Exception {
    // The configuration itself is valid, so start-up logs its progress until the bind fails: the
    // refusal is the one line from coproxy, without a stack trace.
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        GatewayProcess gateway = GatewayProcess.start(workDir, Map.of("COPROXY_LISTEN_PORT", String.valueOf(taken.getLocalPort()),
            "COPROXY_LISTEN_ADDRESS", "127.0.0.1"))) {
      assertEquals(2, gateway.awaitExit(EXIT), gateway.output());
      List<String> refusals = gateway.stderrLines().stream().filter(l -> l.startsWith("coproxy:")).toList();
      assertEquals(1, refusals.size(), gateway.output());
      assertTrue(refusals.get(0).contains("listen_port") && refusals.get(0).contains(String.valueOf(taken.getLocalPort())),
          refusals.get(0));
      assertFalse(gateway.logged("Exception"), gateway.output());
      assertFalse(gateway.logged(GatewayProcess.READY), gateway.output());
    }
  }

  @Test
  void sigtermLetsTheRequestInFlightFinish() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (Upstream upstream = Upstream.start(vertx)) {
      // The upstream answers only once the gateway has begun to drain: the request is in flight then.
      AtomicReference<Runnable> answer = new AtomicReference<>();
      upstream.handler(req -> {
        Context context = Vertx.currentContext();
        answer.set(() -> context.runOnContext(v -> req.response().putHeader("content-type", "text/plain").end("slow answer")));
      });
      int port = freePort();
      Path apps = Files.createDirectory(workDir.resolve("apis"));
      Files.writeString(apps.resolve("slow.json"), Apis.keyless("slow", "/slow/", upstream.url("/")).encode());
      Path conf = Files.writeString(workDir.resolve("coproxy.json"),
          new JsonObject().put("listen_port", port).put("app_path", apps.toString()).encode());
      try (GatewayProcess gateway = GatewayProcess.start(workDir, Map.of(), "--conf", conf.toString())) {
        gateway.awaitReady(START);
        CompletableFuture<HttpResponse<String>> inFlight = http.sendAsync(request(port, "/slow/x"), HttpResponse.BodyHandlers.ofString());
        Poll.until(Duration.ofSeconds(20), () -> answer.get() != null, () -> "the request never reached the upstream:\n" + gateway.output());

        gateway.terminate();
        // Draining starts by closing the listener (the process's output is closed once it is signalled).
        Poll.until(Duration.ofSeconds(20), () -> refusesConnections(port), () -> "still accepting connections after SIGTERM");
        assertFalse(inFlight.isDone(), "the request is still in flight while the gateway drains");
        answer.get().run();

        HttpResponse<String> reply = inFlight.get(20, TimeUnit.SECONDS);
        assertEquals(200, reply.statusCode(), reply.body());
        assertEquals("slow answer", reply.body());
        gateway.awaitExit(EXIT);
        assertFalse(gateway.isAlive());
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** The process must exit with status 2 and exactly one stderr line, which names the key. */
  private void assertRefused(String key, Map<String, String> environment, String... args) throws Exception {
    try (GatewayProcess gateway = GatewayProcess.start(workDir, environment, args)) {
      int status = gateway.awaitExit(EXIT);
      assertEquals(2, status, gateway.output());
      List<String> lines = gateway.stderrLines();
      assertEquals(1, lines.size(), "expected one line on stderr:\n" + gateway.output());
      assertTrue(lines.get(0).contains(key), "the line does not name " + key + ": " + lines.get(0));
      assertFalse(gateway.logged(GatewayProcess.READY), gateway.output());
    }
  }

  private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
    return http.send(request(port, path), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpRequest request(int port, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20)).build();
  }

  private static boolean refusesConnections(int port) {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
