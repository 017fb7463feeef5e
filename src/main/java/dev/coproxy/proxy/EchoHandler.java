package dev.coproxy.proxy;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The built-in echo endpoint behind the demo API ({@value #PATH} on the traffic port, only with
 * {@code enable_echo_endpoint}): answers with the method, path, query, headers and body it
 * received, as JSON. Bodies above 1 MiB are refused.
 */
public final class EchoHandler implements Handler<HttpServerRequest> {

  /** Path prefix served by the echo endpoint. */
  public static final String PATH = "/coproxy/echo";
  private static final long MAX_BODY = 1 << 20;
  private static final String TOO_LARGE = "The echo endpoint takes bodies up to 1 MiB";

  /** True for the echo endpoint's own paths: {@value #PATH} and below it, not {@code /coproxy/echoes}. */
  public static boolean serves(String path) {
    return path.startsWith(PATH) && (path.length() == PATH.length() || path.charAt(PATH.length()) == '/');
  }

  @Override
  public void handle(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null && length.matches("\\d{1,18}") && Long.parseLong(length) > MAX_BODY) {
      HttpErrors.send(request.response(), 413, TOO_LARGE);
      return;
    }
    // A chunked body has no announced size: count it while it arrives, and past the limit answer
    // 413 and drop the rest instead of buffering it.
    Buffer body = Buffer.buffer();
    request.handler(chunk -> {
      if (request.response().headWritten()) {
        return;
      }
      if (body.length() + chunk.length() > MAX_BODY) {
        HttpErrors.send(request.response(), 413, TOO_LARGE);
        return;
      }
      body.appendBuffer(chunk);
    });
    request.exceptionHandler(e -> HttpErrors.send(request.response(), 400, "Could not read the request body: " + e.getMessage()));
    request.endHandler(v -> {
      if (!request.response().headWritten()) {
        answer(request, body);
      }
    });
  }

  private static void answer(HttpServerRequest request, Buffer body) {
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
        .put("body", body.toString(StandardCharsets.UTF_8));
    request.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(echo.encodePrettily());
  }
}
