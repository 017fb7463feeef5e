package dev.coproxy.testing;

import dev.coproxy.app.Gateway;
import dev.coproxy.app.Main;
import dev.coproxy.config.ConfigLoader;
import dev.coproxy.config.GatewayConfig;
import dev.coproxy.coprocess.CoprocessDriver;
import dev.coproxy.coprocess.DriverVerticle;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;

/**
 * A gateway with a no-op in-JVM driver named {@code noop} (it returns every object unchanged), for
 * {@code bench/hooks.py}: it measures what the coprocess path itself costs. Not a test.
 *
 * <p>Usage: {@code BenchGateway <port> <app_path>}
 */
public final class BenchGateway {

  private BenchGateway() {
  }

  public static void main(String[] args) throws Exception {
    JsonObject json = ConfigLoader.bundledDefaults()
        .put("listen_address", "127.0.0.1")
        .put("listen_port", Integer.parseInt(args[0]))
        .put("app_path", args[1])
        .put("secret", "bench-secret")
        .put("coprocess_options", new JsonObject().put("enable_coprocess", true));
    GatewayConfig config = GatewayConfig.from(json, false);
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx = Main.createVertx(config, meters);
    Gateway.start(vertx, config, meters).await(30, TimeUnit.SECONDS);
    // One driver instance per event loop, like the proxy and dispatch verticles.
    vertx.deployVerticle(() -> new DriverVerticle(new Noop()),
        new DeploymentOptions().setInstances(Runtime.getRuntime().availableProcessors())).await(10, TimeUnit.SECONDS);
    System.out.println("bench gateway ready on port " + args[0]);
  }

  private static final class Noop implements CoprocessDriver {

    @Override
    public String name() {
      return "noop";
    }

    @Override
    public Future<dev.coproxy.proto.Object> dispatch(HookCall call) {
      return Future.succeededFuture(call.object());
    }

    @Override
    public Future<Void> dispatchEvent(String payload) {
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> reload() {
      return Future.succeededFuture();
    }
  }
}
