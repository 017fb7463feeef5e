package dev.coproxy.events;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;

/** Tyk's event meta objects (capitalised keys, as Go serialises its untagged structs). */
public final class EventMeta {

  private EventMeta() {
  }

  /** AuthFailure, KeyExpired, QuotaExceeded, RatelimitExceeded: Message, Path, Origin, Key. */
  public static JsonObject keyFailure(String message, HttpServerRequest request, String key) {
    SocketAddress remote = request == null ? null : request.remoteAddress();
    return new JsonObject()
        .put("Message", message)
        .put("OriginatingRequest", "")
        .put("Path", request == null ? "" : request.path())
        .put("Origin", remote == null ? "" : remote.hostAddress())
        .put("Key", key == null ? "" : key);
  }

  /** TokenCreated, TokenUpdated, TokenDeleted: Message, Org, Key. */
  public static JsonObject token(String message, String orgId, String key) {
    return new JsonObject().put("Message", message).put("OriginatingRequest", "").put("Org", orgId).put("Key", key);
  }

  /** A system event fired by a plugin or a cluster member: the payload is the message. */
  public static JsonObject system(String payload) {
    return new JsonObject().put("Message", payload).put("OriginatingRequest", "");
  }
}
