package dev.coproxy.testing;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** Serves the files of a directory over HTTP on a free loopback port under {@code /bundles/}, as a bundle server. */
public final class BundleServer implements AutoCloseable {

  /** Request paths received, in order. */
  public final List<String> requests = new CopyOnWriteArrayList<>();
  /** The directory served. */
  public final Path dir;
  private HttpServer server;

  private BundleServer(Path dir) {
    this.dir = dir.toAbsolutePath().normalize();
  }

  public static BundleServer start(Vertx vertx, Path dir) throws Exception {
    BundleServer bundles = new BundleServer(dir);
    bundles.server = vertx.createHttpServer().requestHandler(bundles::serve).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    return bundles;
  }

  private void serve(HttpServerRequest req) {
    requests.add(req.path());
    String name = req.path().startsWith("/bundles/") ? req.path().substring("/bundles/".length()) : "";
    Path file = dir.resolve(name).normalize();
    if (name.isEmpty() || !file.startsWith(dir) || !Files.isRegularFile(file)) {
      req.response().setStatusCode(404).end("not found");
    } else {
      req.response().sendFile(file.toString());
    }
  }

  /** The base URL to use as {@code bundle_base_url}. */
  public String baseUrl() {
    return "http://127.0.0.1:" + server.actualPort() + "/bundles/";
  }

  /** How many requests asked for {@code name}. */
  public long fetches(String name) {
    return requests.stream().filter(p -> p.equals("/bundles/" + name)).count();
  }

  @Override
  public void close() throws Exception {
    server.close().await(10, TimeUnit.SECONDS);
  }
}
