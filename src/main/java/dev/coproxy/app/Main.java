package dev.coproxy.app;

import dev.coproxy.bundle.BundleCommand;
import dev.coproxy.cluster.ClusterMembership;
import dev.coproxy.config.ConfigException;
import dev.coproxy.config.ConfigLoader;
import dev.coproxy.config.GatewayConfig;
import dev.coproxy.coprocess.DriverModule;
import dev.coproxy.coprocess.grpc.GrpcDriver;
import dev.coproxy.coprocess.grpc.GrpcModule;
import dev.coproxy.coprocess.lua.LuaDriver;
import dev.coproxy.coprocess.lua.LuaModule;
import dev.coproxy.coprocess.python.PythonDriver;
import dev.coproxy.coprocess.python.PythonModule;
import dev.coproxy.metrics.UnmeteredClients;
import dev.coproxy.plugintest.PluginSdkCommand;
import dev.coproxy.plugintest.PluginTestCommand;
import dev.coproxy.session.KeyValueStore;
import dev.coproxy.session.LocalStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code java -jar coproxy.jar [--conf FILE] [--cluster]}: loads the configuration, starts the
 * gateway, and drains in-flight requests on SIGTERM. A configuration that cannot work ends the
 * process with status 2 and one line naming the key. {@code coproxy.jar bundle build ...} builds a
 * plugin bundle instead ({@link BundleCommand}); {@code coproxy.jar plugin test ...} runs one hook
 * without a gateway ({@link PluginTestCommand}); {@code coproxy.jar plugin sdk --out DIR} writes Tyk's
 * Python modules for a plugin's own unit tests ({@link PluginSdkCommand}).
 */
public final class Main {

  private static final int CLUSTER_JOIN_SECONDS = 120;
  private static final String USAGE = "usage: java -jar coproxy.jar [--conf FILE] [--cluster]\n"
      + "       java -jar coproxy.jar bundle build [-m manifest.json] [-o bundle.zip] [-k private.pem] [-y]\n"
      + "       java -jar coproxy.jar plugin test --driver python|lua|grpc (--plugins DIR_OR_BUNDLE | --server TARGET) --hook NAME ...\n"
      + "       java -jar coproxy.jar plugin sdk --out DIR";

  private Main() {
  }

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("bundle")) {
      int status = new BundleCommand(System.out, System.err, System.in).run(java.util.Arrays.copyOfRange(args, 1, args.length));
      System.exit(status);
    }
    if (args.length > 1 && args[0].equals("plugin") && args[1].equals("sdk")) {
      System.exit(new PluginSdkCommand(System.out, System.err).run(java.util.Arrays.copyOfRange(args, 1, args.length)));
    }
    if (args.length > 0 && args[0].equals("plugin")) {
      Map<String, DriverModule> drivers = Map.of(LuaDriver.NAME, new LuaModule(), PythonDriver.NAME, new PythonModule(), GrpcDriver.NAME, new GrpcModule());
      System.exit(new PluginTestCommand(System.out, System.err, drivers).run(java.util.Arrays.copyOfRange(args, 1, args.length)));
    }
    System.setProperty("java.util.logging.manager", GatewayLogManager.class.getName());
    System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tF %1$tT %4$s [%3$s] %5$s%6$s%n");
    System.setProperty("vertx.disableFileCPResolving", "true");
    AcceptFailureLog.install();
    Path overlay = null;
    boolean clusterFlag = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--conf" -> {
          if (i + 1 >= args.length) {
            exit(2, "coproxy: --conf needs a file\n" + USAGE);
          }
          overlay = Path.of(args[++i]);
        }
        case "--cluster" -> clusterFlag = true;
        case "--help", "-h" -> exit(0, USAGE);
        default -> exit(2, "coproxy: unknown argument " + args[i] + "\n" + USAGE);
      }
    }
    GatewayConfig config = loadConfig(overlay);
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx;
    KeyValueStore store;
    if (clusterFlag || config.cluster().enabled()) {
      ClusterMembership membership = joinCluster(config, meters);
      vertx = membership.vertx();
      store = membership.store();
    } else {
      vertx = createVertx(config, meters);
      store = new LocalStore();
    }
    Gateway gateway;
    try {
      gateway = Gateway.start(vertx, config, meters, store).await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      vertx.close();
      Throwable cause = e instanceof ConfigException ? e : e.getCause() instanceof ConfigException ? e.getCause() : e;
      exit(cause instanceof ConfigException ? 2 : 1, "coproxy: cannot start: " + cause.getMessage());
      return;
    }
    Gateway running = gateway;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(running, vertx, config), "coproxy-shutdown"));
  }

  /** A Vert.x instance with the native transport when available and Micrometer metrics into {@code meters}. */
  public static Vertx createVertx(GatewayConfig config, PrometheusMeterRegistry meters) {
    return createVertx(config, meters, options -> { });
  }

  /** The same Vert.x, with {@code tuning} applied to its options first (tests tighten the blocked-thread checker). */
  public static Vertx createVertx(GatewayConfig config, PrometheusMeterRegistry meters, Consumer<VertxOptions> tuning) {
    VertxOptions options = options(config);
    tuning.accept(options);
    return builder(options, config, meters).build();
  }

  // Clustered: a node that cannot start its Hazelcast member or join says why in one line.
  private static ClusterMembership joinCluster(GatewayConfig config, PrometheusMeterRegistry meters) {
    VertxOptions options = options(config);
    ClusterMembership.configureBus(options.getEventBusOptions(), config.cluster());
    try {
      ClusterMembership membership = ClusterMembership.join(builder(options, config, meters), config.cluster()).await(CLUSTER_JOIN_SECONDS, TimeUnit.SECONDS);
      System.getLogger(Main.class.getName()).log(Level.INFO, "joined cluster \"" + config.cluster().name() + "\" with "
          + membership.members() + " member(s)");
      return membership;
    } catch (ConfigException e) {
      exit(2, "coproxy: invalid configuration: " + e.getMessage());
    } catch (Exception e) {
      Throwable cause = e;
      while (cause.getCause() != null && cause.getCause() != cause) {
        cause = cause.getCause();
      }
      exit(1, "coproxy: cannot join the cluster: " + (e instanceof java.util.concurrent.TimeoutException
          ? "no answer within " + CLUSTER_JOIN_SECONDS + " s" : cause.getClass().getSimpleName() + ": " + cause.getMessage()));
    }
    return null;
  }

  private static VertxOptions options(GatewayConfig config) {
    // One event loop per core: the proxy, hook dispatch and driver verticles share them, so a hook's
    // hops more often stay on the loop they started on.
    VertxOptions options = new VertxOptions().setEventLoopPoolSize(Runtime.getRuntime().availableProcessors());
    if (config.metrics().enabled()) {
      options.setMetricsOptions(metricsOptions());
    }
    return options;
  }

  /**
   * Vert.x's metrics options when metrics are on. HTTP server and client metrics only: the
   * per-connection, per-pool and per-message domains cost a meter lookup on the hot path and say
   * little about a gateway. The HTTP ones are Coproxy's own meters (see UnmeteredClients).
   */
  public static MicrometerMetricsOptions metricsOptions() {
    MicrometerMetricsOptions metrics = new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)
        .setMeterCacheEnabled(true)
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true));
    for (MetricsDomain domain : List.of(MetricsDomain.NET_SERVER, MetricsDomain.NET_CLIENT, MetricsDomain.DATAGRAM_SOCKET,
        MetricsDomain.EVENT_BUS, MetricsDomain.NAMED_POOLS, MetricsDomain.VERTICLES)) {
      metrics.addDisabledMetricsCategory(domain);
    }
    return metrics;
  }

  private static VertxBuilder builder(VertxOptions options, GatewayConfig config, PrometheusMeterRegistry meters) {
    VertxBuilder builder = Vertx.builder().with(options).withTransport(BatchedHttp2Writes.overBestTransport());
    return config.metrics().enabled() ? builder.withMetrics(new UnmeteredClients(new MicrometerMetricsFactory(meters), meters)) : builder;
  }

  private static GatewayConfig loadConfig(Path overlay) {
    Vertx bootstrap = Vertx.vertx();
    try {
      return new ConfigLoader(bootstrap, System.getenv()).load(overlay).await(30, TimeUnit.SECONDS);
    } catch (ConfigException e) {
      exit(2, "coproxy: invalid configuration: " + e.getMessage());
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      exit(2, "coproxy: invalid configuration: " + cause.getMessage());
    } finally {
      bootstrap.close();
    }
    return null;
  }

  private static void stop(Gateway gateway, Vertx vertx, GatewayConfig config) {
    System.Logger log = System.getLogger(Main.class.getName());
    log.log(Level.INFO, "stopping: draining in-flight requests (up to " + config.shutdownTimeoutMillis() + " ms)");
    try {
      gateway.stop().eventually(vertx::close).toCompletionStage().toCompletableFuture()
          .get(config.shutdownTimeoutMillis() + 5000, TimeUnit.MILLISECONDS);
      log.log(Level.INFO, "stopped");
    } catch (Exception e) {
      log.log(Level.WARNING, "shutdown did not finish cleanly: " + e);
    }
  }

  private static void exit(int status, String message) {
    (status == 0 ? System.out : System.err).println(message);
    System.exit(status);
  }
}
