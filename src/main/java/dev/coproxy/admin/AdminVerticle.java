package dev.coproxy.admin;

import dev.coproxy.proxy.ConnectionDeadlines;
import dev.coproxy.proxy.ServerOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.util.concurrent.TimeUnit;

/**
 * Serves the Gateway API on its own port when {@code control_api_port} differs from the traffic
 * port, with the traffic port's TLS and connection limits ({@code http_server_options}).
 */
public final class AdminVerticle extends VerticleBase {

  private final String host;
  private final int port;
  private final ServerOptions serverOptions;
  private final Router router;
  private ConnectionDeadlines deadlines;
  private HttpServer server;

  public AdminVerticle(String host, int port, ServerOptions serverOptions, Router router) {
    this.host = host;
    this.port = port;
    this.serverOptions = serverOptions;
    this.router = router;
  }

  @Override
  public Future<?> start() {
    deadlines = new ConnectionDeadlines(serverOptions.config());
    return vertx.createHttpServer(serverOptions.forPort(host, port))
        .requestHandler(request -> {
          deadlines.request(request);
          router.handle(request);
        })
        .connectionHandler(deadlines::opened)
        .listen()
        .onSuccess(s -> {
          server = s;
          deadlines.start(vertx);
        });
  }

  @Override
  public Future<?> stop() {
    deadlines.stop();
    return Future.succeededFuture();
  }

  public int actualPort() {
    return server.actualPort();
  }

  /** Stops accepting and lets running calls finish. */
  public Future<Void> drain(long timeoutMillis) {
    return server == null ? Future.succeededFuture() : server.shutdown(timeoutMillis, TimeUnit.MILLISECONDS);
  }
}
