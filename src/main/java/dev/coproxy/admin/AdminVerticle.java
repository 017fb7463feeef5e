package dev.coproxy.admin;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.util.concurrent.TimeUnit;

/** Serves the Gateway API on its own port when {@code control_api_port} differs from the traffic port. */
public final class AdminVerticle extends VerticleBase {

  private final String host;
  private final int port;
  private final Router router;
  private HttpServer server;

  public AdminVerticle(String host, int port, Router router) {
    this.host = host;
    this.port = port;
    this.router = router;
  }

  @Override
  public Future<?> start() {
    HttpServerOptions options = new HttpServerOptions().setPort(port);
    if (!host.isEmpty()) {
      options.setHost(host);
    }
    return vertx.createHttpServer(options).requestHandler(router).listen().onSuccess(s -> server = s);
  }

  public int actualPort() {
    return server.actualPort();
  }

  /** Stops accepting and lets running calls finish. */
  public Future<Void> drain(long timeoutMillis) {
    return server == null ? Future.succeededFuture() : server.shutdown(timeoutMillis, TimeUnit.MILLISECONDS);
  }
}
