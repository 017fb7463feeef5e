package dev.coproxy.admin;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Gateway API answers in Tyk's shapes: {@code {"status":"error","message":...}} and the like. */
final class AdminReply {

  private static final System.Logger LOG = System.getLogger(AdminReply.class.getName());

  private AdminReply() {
  }

  static void json(RoutingContext rc, int status, Object body) {
    String text = body instanceof JsonObject o ? o.encode() : body instanceof JsonArray a ? a.encode() : String.valueOf(body);
    rc.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(text);
  }

  static void error(RoutingContext rc, int status, String message) {
    json(rc, status, new JsonObject().put("status", "error").put("message", message));
  }

  /** {@code {"key": id, "status": "ok", "action": action}} as Tyk answers key and API changes. */
  static JsonObject ok(String key, String action) {
    return new JsonObject().put("key", key).put("status", "ok").put("action", action);
  }

  /** A Gateway API call that failed inside the gateway: logged once here, answered 500. */
  static void fail(RoutingContext rc, String what, Throwable cause) {
    LOG.log(System.Logger.Level.ERROR, "Gateway API: " + what + " failed", cause);
    error(rc, 500, "Could not " + what + ": " + cause.getMessage());
  }

  /** The request body as a JSON object, or null after answering 400. */
  static JsonObject body(RoutingContext rc) {
    String text = rc.body() == null ? null : rc.body().asString();
    if (text == null || text.isBlank()) {
      error(rc, 400, "Request body is empty: a JSON object is required");
      return null;
    }
    try {
      Object parsed = io.vertx.core.json.Json.decodeValue(text);
      if (parsed instanceof JsonObject o) {
        return o;
      }
      error(rc, 400, "Request body must be a JSON object");
    } catch (RuntimeException e) {
      error(rc, 400, "Request body is not valid JSON: " + firstLine(e.getMessage()));
    }
    return null;
  }

  private static String firstLine(String text) {
    if (text == null) {
      return "";
    }
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }
}
