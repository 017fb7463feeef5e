package dev.coproxy.events;

import dev.coproxy.bus.EventAddresses;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

/**
 * Fires events by sending them (fire-and-forget, local only) to {@link EventAddresses#FIRE}, where
 * {@link EventFanoutVerticle} takes them; bounded by an {@link EventQueue}.
 */
public final class EventBusSink implements EventSink {

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final Vertx vertx;
  private final EventQueue queue;

  public EventBusSink(Vertx vertx, EventQueue queue) {
    this.vertx = vertx;
    this.queue = queue;
  }

  @Override
  public void fire(String type, String apiId, String orgId, JsonObject meta) {
    if (!queue.offer()) {
      return;
    }
    JsonObject event = new JsonObject()
        .put("event", type)
        .put("api_id", apiId)
        .put("org_id", orgId)
        .put("meta", meta)
        .put("timestamp", System.currentTimeMillis());
    vertx.eventBus().send(EventAddresses.FIRE, event, LOCAL);
  }
}
