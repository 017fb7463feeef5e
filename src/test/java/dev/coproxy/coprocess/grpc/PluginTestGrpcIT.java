package dev.coproxy.coprocess.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.app.GatewayProcess;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code coproxy.jar plugin test --driver grpc} against a real gRPC plugin server on loopback. */
class PluginTestGrpcIT {

  private static Vertx vertx;
  private static TestPluginServer server;
  private static Path work;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    server = TestPluginServer.tcp(vertx);
    work = Files.createTempDirectory("coproxy-plugin-test-grpc");
    Files.writeString(work.resolve("request.json"), new JsonObject().put("method", "GET").put("url", "/grpc").encode());
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
    vertx.close().await();
  }

  @Test
  void hookThatSetsAHeaderPrintsTheObject() throws Exception {
    try (GatewayProcess run = plugin("testPreHook1")) {
      assertEquals(0, run.awaitExit(Duration.ofSeconds(120)), run.output());
      assertTrue(run.output().contains("\"Testheader\" : \"testvalue\""), run.output());
      assertTrue(run.output().contains("request.set_headers.Testheader: + \"testvalue\""), run.output());
    }
  }

  @Test
  void hookThatFailsExitsOneWithTheServersStatus() throws Exception {
    try (GatewayProcess run = plugin("status")) {
      assertEquals(1, run.awaitExit(Duration.ofSeconds(120)), run.output());
      assertTrue(run.output().contains("pre hook \"status\" (driver grpc) failed"), run.output());
      assertTrue(run.output().contains("gRPC status INTERNAL"), run.output());
    }
  }

  @Test
  void hookThatNeverAnswersExitsOneAfterTheTimeout() throws Exception {
    try (GatewayProcess run = plugin("hang", "--timeout", "500")) {
      assertEquals(1, run.awaitExit(Duration.ofSeconds(120)), run.output());
      assertTrue(run.output().contains("pre hook \"hang\" (driver grpc) failed [timeout]"), run.output());
    }
  }

  private static GatewayProcess plugin(String hook, String... more) throws Exception {
    List<String> args = new java.util.ArrayList<>(List.of("plugin", "test", "--driver", "grpc", "--server", server.target(),
        "--hook", hook, "--request", "request.json"));
    args.addAll(List.of(more));
    return GatewayProcess.startJar(work, Path.of("target", "coproxy.jar").toAbsolutePath(), List.of(), args.toArray(String[]::new));
  }
}
