package dev.coproxy.coprocess;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Supplier;

/**
 * The health of the configured drivers, for {@code /hello}: each driver the gateway starts adds a
 * check that names its problem (a gRPC plugin server that cannot be reached, no usable Python
 * interpreter or no ready worker, Lua scripts that do not compile), or null when it is fine.
 * Checks only read state the drivers keep anyway, so {@code /hello} stays cheap.
 */
public final class DriverHealth {

  private final Map<String, Supplier<String>> checks = new ConcurrentSkipListMap<>();

  /** Adds (or replaces) the check of a driver. */
  public void add(String driver, Supplier<String> problem) {
    checks.put(driver, problem);
  }

  /**
   * One component per driver in Tyk's health shape ({@code status} pass or warn, {@code output}
   * saying what is wrong); empty when no driver is configured.
   */
  public Map<String, JsonObject> components() {
    String now = Instant.now().toString();
    Map<String, JsonObject> out = new java.util.LinkedHashMap<>();
    checks.forEach((driver, check) -> {
      String problem;
      try {
        problem = check.get();
      } catch (RuntimeException e) {
        problem = "health check failed: " + e.getMessage();
      }
      JsonObject component = new JsonObject().put("status", problem == null ? "pass" : "warn")
          .put("componentType", "coprocess").put("time", now);
      if (problem != null) {
        component.put("output", problem);
      }
      out.put("driver_" + driver, component);
    });
    return out;
  }
}
