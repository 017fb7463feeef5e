package dev.coproxy.testing;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A real upstream on 127.0.0.1 and a free port. By default it answers every request with a JSON
 * echo of what it received (method, uri, path, query, headers, body) and records it; a test can
 * replace the handler.
 */
public final class Upstream implements AutoCloseable {

  public final List<JsonObject> received = new CopyOnWriteArrayList<>();
  private final HttpServer server;
  private volatile Handler<HttpServerRequest> handler = this::echo;

  private Upstream(Vertx vertx) throws Exception {
    this.server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
        .requestHandler(req -> handler.handle(req))
        .listen().await(10, TimeUnit.SECONDS);
  }

  public static Upstream start(Vertx vertx) throws Exception {
    return new Upstream(vertx);
  }

  public int port() {
    return server.actualPort();
  }

  /** {@code http://127.0.0.1:<port>} plus the given path. */
  public String url(String path) {
    return "http://127.0.0.1:" + port() + path;
  }

  /** Replaces how requests are answered (recording stops unless the handler records). */
  public void handler(Handler<HttpServerRequest> handler) {
    this.handler = handler;
  }

  /** Goes back to answering with the JSON echo (and recording). */
  public void echoRequests() {
    this.handler = this::echo;
  }

  private void echo(HttpServerRequest req) {
    req.body().onSuccess(body -> {
      JsonObject headers = new JsonObject();
      for (String name : req.headers().names()) {
        List<String> values = req.headers().getAll(name);
        headers.put(name.toLowerCase(), values.size() == 1 ? values.get(0) : new JsonArray(values));
      }
      JsonObject seen = new JsonObject()
          .put("method", req.method().name())
          .put("uri", req.uri())
          .put("path", req.path())
          .put("query", req.query())
          .put("headers", headers)
          .put("body", body.toString());
      received.add(seen);
      req.response().putHeader("content-type", "application/json").end(seen.encode());
    });
  }

  @Override
  public void close() throws Exception {
    server.close().await(10, TimeUnit.SECONDS);
  }
}
