package dev.coproxy.cluster;

import dev.coproxy.app.GatewayProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.net.http.HttpResponse;
import java.net.http.HttpRequest;
import java.net.http.HttpClient;
import java.net.URI;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;

/**
 * Real clustered gateway nodes: the fat jar in separate JVMs on loopback, each with its own free
 * HTTP and Hazelcast port, a cluster name of their own, and one shared app_path and middleware_path.
 * All nodes start at once; {@link #awaitReady} waits for every one.
 */
final class ClusterNodes implements AutoCloseable {

  static final String SECRET = "cluster-secret";
  /** Quick start, little CPU: nodes of a test cluster serve a handful of requests. */
  private static final List<String> JVM_FLAGS = List.of("-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

  final String clusterName = "coproxy-it-" + UUID.randomUUID().toString().substring(0, 8);
  final Path appPath;
  final Path middlewarePath;
  final List<Integer> hazelcastPorts = new ArrayList<>();
  final List<Integer> httpPorts = new ArrayList<>();
  final List<GatewayProcess> processes = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();

  private ClusterNodes(Path root) throws IOException {
    this.appPath = Files.createDirectories(root.resolve("apps"));
    this.middlewarePath = Files.createDirectories(root.resolve("middleware"));
  }

  /** Starts {@code count} nodes from {@code target/coproxy.jar} (built by {@code package}). */
  static ClusterNodes start(Path root, int count) throws IOException {
    return start(root, count, (node, config) -> config);
  }

  /** Like {@link #start(Path, int)}, each node's config passed through {@code perNode} first. */
  static ClusterNodes start(Path root, int count, BiFunction<Integer, JsonObject, JsonObject> perNode) throws IOException {
    Path jar = Path.of("target", "coproxy.jar");
    if (!Files.isRegularFile(jar)) {
      throw new AssertionError(jar.toAbsolutePath() + " is missing: run mvn package (failsafe runs after it)");
    }
    ClusterNodes nodes = new ClusterNodes(root);
    for (int i = 0; i < count; i++) {
      nodes.hazelcastPorts.add(freePort());
      nodes.httpPorts.add(freePort());
    }
    for (int i = 0; i < count; i++) {
      Path dir = Files.createDirectories(root.resolve("node" + i));
      Path conf = dir.resolve("conf.json");
      Files.writeString(conf, perNode.apply(i, nodes.config(i)).encodePrettily());
      nodes.processes.add(GatewayProcess.startJar(dir, jar, JVM_FLAGS, "--conf", conf.toString(), "--cluster"));
    }
    return nodes;
  }

  /** The {@code cluster} section a member (a node or a test's own Vert.x) uses. */
  JsonObject clusterSection(int hazelcastPort) {
    JsonArray members = new JsonArray();
    hazelcastPorts.forEach(p -> members.add("127.0.0.1:" + p));
    return new JsonObject().put("name", clusterName).put("host", "127.0.0.1").put("port", hazelcastPort)
        .put("members", members).put("bus_host", "127.0.0.1");
  }

  private JsonObject config(int node) {
    return new JsonObject()
        .put("listen_address", "127.0.0.1")
        .put("listen_port", httpPorts.get(node))
        .put("secret", SECRET)
        .put("allow_master_keys", true) // the keys shared across nodes have no access_rights
        .put("app_path", appPath.toString())
        .put("middleware_path", middlewarePath.toString())
        .put("graceful_shutdown_timeout_duration", 1)
        .put("coprocess_options", new JsonObject().put("enable_coprocess", true).put("lua_instances", 1))
        .put("cluster", clusterSection(hazelcastPorts.get(node)));
  }

  /** Waits for every node in parallel. */
  void awaitReady(Duration timeout) {
    CompletableFuture.allOf(processes.stream()
        .map(p -> CompletableFuture.runAsync(() -> p.awaitReady(timeout))).toArray(CompletableFuture[]::new)).join();
  }

  String url(int node, String path) {
    return "http://127.0.0.1:" + httpPorts.get(node) + path;
  }

  /** A traffic request to one node. */
  HttpResponse<String> get(int node, String path, Map<String, String> headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(node, path))).timeout(Duration.ofSeconds(20)).GET();
    headers.forEach(request::header);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A Gateway API request to one node, with the secret. */
  HttpResponse<String> admin(int node, String method, String path, String body) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(url(node, path))).timeout(Duration.ofSeconds(20))
        .header("x-tyk-authorization", SECRET)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    for (GatewayProcess process : processes) {
      process.close();
    }
  }
}
