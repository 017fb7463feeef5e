package dev.coproxy.coprocess.grpc;

import dev.coproxy.app.Gateway;
import dev.coproxy.app.Main;
import dev.coproxy.config.ConfigLoader;
import dev.coproxy.config.GatewayConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;

/**
 * A gateway whose driver {@code grpc} points at a plugin server on this machine
 * ({@link TestPluginServer#main} in another JVM), for {@code bench/grpc.py}. Not a test.
 *
 * <p>Usage: {@code GrpcBenchGateway <port> <app_path> <plugin_port>}
 */
public final class GrpcBenchGateway {

  private GrpcBenchGateway() {
  }

  public static void main(String[] args) throws Exception {
    JsonObject json = ConfigLoader.bundledDefaults()
        .put("listen_address", "127.0.0.1")
        .put("listen_port", Integer.parseInt(args[0]))
        .put("app_path", args[1])
        .put("secret", "bench-secret")
        .put("coprocess_options", new JsonObject().put("enable_coprocess", true)
            .put("coprocess_grpc_server", args[2].contains("://") ? args[2] : "tcp://127.0.0.1:" + args[2]));
    GatewayConfig config = GatewayConfig.from(json, false);
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx = Main.createVertx(config, meters);
    Gateway.start(vertx, config, meters).await(30, TimeUnit.SECONDS);
    System.out.println("grpc bench gateway ready on port " + args[0]);
  }
}
