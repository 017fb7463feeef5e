package dev.coproxy.proxy;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The built-in echo endpoint behind the demo API ({@value #PATH} on the traffic port): answers
 * with the method, path, query, headers and body it received, as JSON. Bodies above 1 MiB are refused.
 */
public final class EchoHandler implements Handler<HttpServerRequest> {

  /** Path prefix served by the echo endpoint. */
  public static final String PATH = "/coproxy/echo";
  private static final long MAX_BODY = 1 << 20;

  /** True for the echo endpoint's own paths: {@value #PATH} and below it, not {@code /coproxy/echoes}. */
  public static boolean serves(String path) {
    return path.startsWith(PATH) && (path.length() == PATH.length() || path.charAt(PATH.length()) == '/');
  }

  @Override
  public void handle(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null && length.matches("\\d{1,18}") && Long.parseLong(length) > MAX_BODY) {
      HttpErrors.send(request.response(), 413, "The echo endpoint takes bodies up to 1 MiB");
      return;
    }
    request.body().onComplete(ar -> {
      if (ar.failed()) {
        HttpErrors.send(request.response(), 400, "Could not read the request body: " + ar.cause().getMessage());
        return;
      }
      JsonObject headers = new JsonObject();
      for (String name : request.headers().names()) {
        List<String> values = request.headers().getAll(name);
        headers.put(name, values.size() == 1 ? values.get(0) : new JsonArray(values));
      }
      JsonObject echo = new JsonObject()
          .put("method", request.method().name())
          .put("path", request.path())
          .put("query", request.query() == null ? "" : request.query())
          .put("headers", headers)
          .put("body", ar.result().toString(StandardCharsets.UTF_8));
      request.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(echo.encodePrettily());
    });
  }
}
