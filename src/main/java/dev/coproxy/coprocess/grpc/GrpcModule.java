package dev.coproxy.coprocess.grpc;

import dev.coproxy.config.ConfigException;
import dev.coproxy.config.GatewayConfig;
import dev.coproxy.coprocess.DriverModule;
import dev.coproxy.coprocess.DriverSetup;
import dev.coproxy.coprocess.DriverVerticle;
import io.vertx.core.Future;

/**
 * Driver {@code grpc}, when {@code coprocess_grpc_server} is set: it connects before traffic is
 * accepted. A driver verticle on every event loop shares it, and each loop has its own connection,
 * so a hook call is sent and answered on the loop of its request.
 */
public final class GrpcModule implements DriverModule {

  @Override
  public Future<Void> deploy(DriverSetup setup) {
    GatewayConfig.CoprocessOptions options = setup.config().coprocess();
    if (!options.enableCoprocess() || options.grpcServer().isBlank()) {
      return Future.succeededFuture();
    }
    GrpcDriver driver;
    try {
      driver = new GrpcDriver(setup.vertx(), options, setup.meters());
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new ConfigException("coprocess_options.coprocess_grpc_server", e.getMessage()));
    }
    setup.health().add(GrpcDriver.NAME, () -> driver.connected() ? null : "gRPC plugin server " + options.grpcServer() + " is unreachable");
    return setup.vertx().deployVerticle(DriverVerticle.perEventLoop(driver), setup.perEventLoop())
        .compose(id -> driver.connect());
  }
}
