package dev.coproxy.coprocess;

import dev.coproxy.chain.RequestContext;
import dev.coproxy.events.EventSink;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;

/** Fires Tyk's {@code AuthFailure} event for a hook's refusal, with Tyk's key-failure meta. */
final class AuthFailures {

  private final EventSink events;
  private final String authHeader;

  AuthFailures(EventSink events, String authHeader) {
    this.events = events;
    this.authHeader = authHeader;
  }

  /** @param token the key to report; when empty, the request's own auth header is used */
  void fire(RequestContext ctx, String token) {
    String key = token == null || token.isEmpty() ? ctx.headers().get(authHeader) : token;
    SocketAddress remote = ctx.request().remoteAddress();
    JsonObject meta = new JsonObject()
        .put("Message", "Auth Failure")
        .put("OriginatingRequest", "")
        .put("Path", ctx.request().path())
        .put("Origin", remote == null ? "" : remote.hostAddress())
        .put("Key", key == null ? "" : key);
    events.fire("AuthFailure", ctx.api().apiId(), ctx.api().orgId(), meta);
  }
}
