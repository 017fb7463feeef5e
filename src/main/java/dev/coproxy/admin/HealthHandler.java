package dev.coproxy.admin;

import dev.coproxy.coprocess.DriverHealth;
import dev.coproxy.routing.ApiRegistry;
import dev.coproxy.session.KeyValueStore;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;

/**
 * {@code GET /hello} in Tyk's shape: {@code {"status": "pass", "version", "description",
 * "details": {...}}}. A clustered node adds its {@code cluster} component, and each configured
 * driver its {@code driver_<name>} component; when any of them warns, the status is {@code warn}.
 */
final class HealthHandler implements Handler<RoutingContext> {

  /** The version reported by the health check. */
  static final String VERSION = "0.1.0";

  private final ApiRegistry registry;
  private final KeyValueStore store;
  private final DriverHealth drivers;

  HealthHandler(ApiRegistry registry, KeyValueStore store, DriverHealth drivers) {
    this.registry = registry;
    this.store = store;
    this.drivers = drivers;
  }

  @Override
  public void handle(RoutingContext rc) {
    String now = Instant.now().toString();
    JsonObject details = new JsonObject()
        .put("apis", new JsonObject().put("status", "pass").put("componentType", "system")
            .put("observedValue", registry.current().size()).put("time", now));
    // A clustered node reports its cluster; any component that warns makes the whole answer warn.
    JsonObject cluster = store.health();
    String status = "pass";
    if (cluster != null) {
      details.put("cluster", cluster);
      status = cluster.getString("status", "pass");
    }
    for (var driver : drivers.components().entrySet()) {
      details.put(driver.getKey(), driver.getValue());
      if ("warn".equals(driver.getValue().getString("status"))) {
        status = "warn";
      }
    }
    JsonObject health = new JsonObject()
        .put("status", status)
        .put("version", VERSION)
        .put("description", "Coproxy API gateway")
        .put("details", details);
    AdminReply.json(rc, 200, health);
  }
}
