package dev.coproxy.proxy;

import dev.coproxy.chain.ChainInterruption;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.Json;
import java.util.Map;

/**
 * Writes error answers in the shape of Tyk's default error template, {@code {"error": "..."}}
 * (with the space after the colon that clients matching Tyk's output look for), as JSON.
 */
public final class HttpErrors {

  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");

  private HttpErrors() {
  }

  /** Sends {@code {"error": message}} with the status, unless a response was already started. */
  public static Future<Void> send(HttpServerResponse response, int status, String message) {
    if (response.headWritten() || response.ended() || response.closed()) {
      return Future.succeededFuture();
    }
    return response.setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
        .end("{\"error\": " + Json.encode(message) + "}");
  }

  /** Sends a chain interruption: the JSON error, or the raw body and headers it carries. */
  public static Future<Void> send(HttpServerResponse response, ChainInterruption stop) {
    if (response.headWritten() || response.ended() || response.closed()) {
      return Future.succeededFuture();
    }
    for (Map.Entry<String, String> header : stop.headers().entrySet()) {
      response.putHeader(header.getKey(), header.getValue());
    }
    if (stop.rawBody() == null) {
      return send(response, stop.status(), stop.getMessage());
    }
    return response.setStatusCode(stop.status()).end(stop.rawBody());
  }
}
