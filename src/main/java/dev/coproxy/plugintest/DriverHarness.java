package dev.coproxy.plugintest;

import dev.coproxy.bus.CoprocessAddresses;
import dev.coproxy.config.ConfigLoader;
import dev.coproxy.config.GatewayConfig;
import dev.coproxy.coprocess.DriverCalls;
import dev.coproxy.coprocess.DriverHealth;
import dev.coproxy.coprocess.DriverModule;
import dev.coproxy.coprocess.DriverSetup;
import dev.coproxy.coprocess.ObjectCodec;
import dev.coproxy.session.LocalStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;

/**
 * One driver as the gateway runs it, without the gateway: a Vert.x with the chosen
 * {@link DriverModule} deployed from a minimal configuration (coprocess on, the plugin folder
 * as {@code middleware_path}, the plugin server as {@code coprocess_grpc_server}). A hook call goes
 * the gateway's way ({@link DriverCalls}, driver verticle, driver), so what passes here passes there.
 */
final class DriverHarness {

  private final Vertx vertx;
  private final String driver;
  private final List<String> pluginDirs;
  private final long timeoutMillis;

  private DriverHarness(Vertx vertx, String driver, List<String> pluginDirs, long timeoutMillis) {
    this.vertx = vertx;
    this.driver = driver;
    this.pluginDirs = pluginDirs;
    this.timeoutMillis = timeoutMillis;
  }

  /**
   * Deploys {@code module} (the driver named {@code driver}).
   *
   * @param middlewarePath the gateway's {@code middleware_path} for the run
   * @param pluginDirs the API's bundle directories (empty: the driver's default folder)
   * @param grpcServer {@code coprocess_grpc_server}, empty for the other drivers
   */
  static Future<DriverHarness> start(Vertx vertx, String driver, DriverModule module, Path middlewarePath, List<String> pluginDirs,
      String grpcServer, long timeoutMillis) {
    JsonObject conf = ConfigLoader.bundledDefaults()
        .put("middleware_path", middlewarePath.toString())
        .put("metrics", new JsonObject().put("enabled", false))
        .put("coprocess_options", new JsonObject().put("enable_coprocess", true).put("coprocess_grpc_server", grpcServer)
            .put("hook_timeout_ms", timeoutMillis).put("python_workers", 1).put("lua_instances", 1));
    GatewayConfig config = GatewayConfig.from(conf, false);
    DriverSetup setup = new DriverSetup(vertx, config, new LocalStore(), (type, apiId, orgId, meta) -> { },
        new SimpleMeterRegistry(), new DriverHealth(), List::of, task -> { });
    vertx.eventBus().registerDefaultCodec(dev.coproxy.proto.Object.class, new ObjectCodec());
    return module.deploy(setup)
        .map(v -> new DriverHarness(vertx, driver, pluginDirs, timeoutMillis));
  }

  /** Sends one hook call with the gateway's headers; fails as the gateway's hook call fails. */
  Future<dev.coproxy.proto.Object> call(dev.coproxy.proto.Object object) {
    DeliveryOptions options = new DeliveryOptions()
        .setSendTimeout(timeoutMillis)
        .addHeader(CoprocessAddresses.HEADER_API_ID, object.getSpecOrDefault("APIID", "plugin-test"))
        .addHeader(CoprocessAddresses.HEADER_DEADLINE, Long.toString(System.currentTimeMillis() + timeoutMillis))
        .addHeader(CoprocessAddresses.HEADER_CALL_ID, "plugin-test-1");
    if (!pluginDirs.isEmpty()) {
      options.addHeader(CoprocessAddresses.HEADER_PLUGIN_DIRS, CoprocessAddresses.joinDirs(pluginDirs));
    }
    return DriverCalls.send(vertx, DriverCalls.address(vertx, driver), driver, object, options);
  }
}
