package dev.coproxy.admin;

import dev.coproxy.api.ApiRegistry;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;

/**
 * {@code GET /hello} in Tyk's shape: {@code {"status": "pass", "version", "description",
 * "details": {...}}}. Later drivers and the cluster add their components to the details.
 */
final class HealthHandler implements Handler<RoutingContext> {

  /** The version reported by the health check. */
  static final String VERSION = "0.1.0";

  private final ApiRegistry registry;

  HealthHandler(ApiRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void handle(RoutingContext rc) {
    String now = Instant.now().toString();
    JsonObject details = new JsonObject()
        .put("apis", new JsonObject().put("status", "pass").put("componentType", "system")
            .put("observedValue", registry.current().size()).put("time", now));
    JsonObject health = new JsonObject()
        .put("status", "pass")
        .put("version", VERSION)
        .put("description", "Coproxy API gateway")
        .put("details", details);
    AdminReply.json(rc, 200, health);
  }
}
