package dev.coproxy.coprocess;

import dev.coproxy.api.ApiDefinition;
import dev.coproxy.config.GatewayConfig;
import dev.coproxy.events.EventSink;
import dev.coproxy.session.KeyValueStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Collection;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What a {@link DriverModule} gets from the gateway.
 *
 * @param apis the API definitions loaded now (a reload changes them)
 * @param afterReload registers a task the gateway runs after each reload, before it answers
 */
public record DriverSetup(
    Vertx vertx,
    GatewayConfig config,
    KeyValueStore store,
    EventSink events,
    MeterRegistry meters,
    DriverHealth health,
    Supplier<Collection<ApiDefinition>> apis,
    Consumer<Supplier<Future<?>>> afterReload) {

  /** One instance per event loop, as the proxies are deployed: every hop stays on its request's loop. */
  public DeploymentOptions perEventLoop() {
    return new DeploymentOptions().setInstances(Runtime.getRuntime().availableProcessors());
  }

  /** Whether {@code coprocess_options.enable_coprocess} is on. */
  public boolean coprocessEnabled() {
    return config.coprocess().enableCoprocess();
  }
}
