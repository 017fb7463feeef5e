package dev.coproxy.events;

import io.vertx.core.json.JsonObject;

/**
 * Where the gateway fires events (AuthFailure, KeyExpired, ...). Firing never waits and never
 * fails a request: delivery to handlers is the event fan-out's job.
 */
public interface EventSink {

  /**
   * Fires an event.
   *
   * @param type Tyk's event name, e.g. {@code AuthFailure}
   * @param apiId the API it concerns, "" for system events
   * @param orgId the API's organisation
   * @param meta Tyk's meta object (capitalised keys: Message, Path, Origin, Key, ...)
   */
  void fire(String type, String apiId, String orgId, JsonObject meta);
}
