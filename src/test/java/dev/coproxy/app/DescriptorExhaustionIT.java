package dev.coproxy.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway in its own JVM under a limit of 1024 file descriptors, held by 1,500 connections
 * that send nothing: accepting fails for lack of descriptors until the header timeout closes the
 * silent ones, then resumes by itself, and {@code /hello} on a fresh connection answers again. The
 * failures to accept are logged, but not once per failure.
 */
class DescriptorExhaustionIT {

  private static final int SILENT = 1500;
  private static final double HEADER_TIMEOUT_SECONDS = 2;

  @TempDir
  Path workDir;

  @Test
  void silentConnectionsBeyondTheDescriptorLimitDoNotStopTheGateway() throws Exception {
    // The JVM raises its own soft limit to the hard one; this one must hold the 1,500 sockets.
    long ownLimit = ((com.sun.management.UnixOperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getMaxFileDescriptorCount();
    assertTrue(ownLimit > SILENT + 500, "the test JVM may open only " + ownLimit + " files: raise ulimit -n");
    int port = freePort();
    Files.createDirectories(workDir.resolve("apps"));
    Path conf = Files.writeString(workDir.resolve("conf.json"), new JsonObject()
        .put("listen_port", port).put("secret", "fd-test").put("app_path", workDir.resolve("apps").toString())
        .put("http_server_options", new JsonObject().put("read_header_timeout", HEADER_TIMEOUT_SECONDS)).encode());
    List<Socket> silent = new ArrayList<>();
    try (GatewayProcess gateway = GatewayProcess.startWrapped(workDir, Map.of(), List.of("prlimit", "--nofile=1024:1024", "--"),
        "--conf", conf.toString())) {
      gateway.awaitReady(Duration.ofSeconds(60));
      String limits = Files.readString(Path.of("/proc", String.valueOf(gateway.pid()), "limits"));
      assertTrue(limits.lines().anyMatch(l -> l.startsWith("Max open files") && l.contains(" 1024 ")), limits);
      assertEquals(200, hello(port), "before the flood");

      int refused = 0;
      for (int i = 0; i < SILENT; i++) {
        Socket socket = new Socket();
        try {
          socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
          silent.add(socket);
        } catch (IOException e) {
          refused++;
          socket.close();
        }
      }
      long flooded = System.nanoTime();
      assertTrue(silent.size() > 1024, "only " + silent.size() + " connections opened (" + refused + " refused)");

      long deadline = flooded + Duration.ofSeconds(60).toNanos();
      int status = 0;
      while (status != 200 && System.nanoTime() < deadline) {
        status = hello(port);
      }
      long millis = (System.nanoTime() - flooded) / 1_000_000;
      System.out.println("DescriptorExhaustionIT: " + silent.size() + " silent connections (" + refused + " refused);"
          + " /hello answered " + millis + " ms after the flood");
      assertEquals(200, status, "no answer within 60 s of the flood:\n" + gateway.output());
      // The limit was reached (else this test proves nothing), and said once, not once per failure.
      long reports = gateway.stderrLines().stream().filter(l -> l.contains("cannot accept connections: too many open files")).count();
      assertEquals(1, reports, gateway.output());
      gateway.stderrLines().stream().filter(l -> l.contains("cannot accept")).forEach(l -> System.out.println("DescriptorExhaustionIT: " + l));
      assertTrue(gateway.stderrLines().stream().noneMatch(l -> l.contains("Too many open files")), gateway.output());
    } finally {
      for (Socket socket : silent) {
        socket.close();
      }
    }
  }

  // One request on a fresh connection; 0 when it fails or takes more than a few seconds.
  private static int hello(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
      socket.setSoTimeout(3000);
      socket.getOutputStream().write("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = socket.getInputStream();
      String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      return answer.startsWith("HTTP/1.1 ") ? Integer.parseInt(answer.substring(9, 12)) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return probe.getLocalPort();
    }
  }
}
