package dev.coproxy.app;

import dev.coproxy.admin.AdminRoutes;
import dev.coproxy.admin.AdminVerticle;
import dev.coproxy.api.KeyPolicy;
import dev.coproxy.bundle.BundleDownloader;
import dev.coproxy.bundle.BundleLoader;
import dev.coproxy.chain.access.ClientAddress;
import dev.coproxy.chain.auth.StandardChain;
import dev.coproxy.config.ConfigException;
import dev.coproxy.config.GatewayConfig;
import dev.coproxy.config.KeyTable;
import dev.coproxy.coprocess.CoprocessChain;
import dev.coproxy.coprocess.DriverHealth;
import dev.coproxy.coprocess.DriverModule;
import dev.coproxy.coprocess.DriverSetup;
import dev.coproxy.coprocess.ObjectCodec;
import dev.coproxy.coprocess.grpc.GrpcModule;
import dev.coproxy.coprocess.lua.LuaModule;
import dev.coproxy.coprocess.python.PythonModule;
import dev.coproxy.events.EventBusSink;
import dev.coproxy.events.EventFanoutVerticle;
import dev.coproxy.events.EventQueue;
import dev.coproxy.events.EventSink;
import dev.coproxy.idextractor.IdExtractorClient;
import dev.coproxy.idextractor.IdExtractorVerticle;
import dev.coproxy.metrics.GatewayMetrics;
import dev.coproxy.policy.LoadedPolicies;
import dev.coproxy.policy.Policies;
import dev.coproxy.proxy.ProxyVerticle;
import dev.coproxy.proxy.ServerOptions;
import dev.coproxy.routing.ApiRegistry;
import dev.coproxy.routing.LoadedApi;
import dev.coproxy.routing.ReloadBus;
import dev.coproxy.session.KeyValueStore;
import dev.coproxy.session.LocalStore;
import dev.coproxy.session.SessionRepository;
import dev.coproxy.tracing.Tracing;
import dev.coproxy.watch.SourceWatcher;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.lang.System.Logger.Level;
import java.net.BindException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Wires one gateway node: the store, sessions, the API registry, the reload bus, the proxy
 * verticles (one per event loop) and, on its own port if configured, the Gateway API.
 */
public final class Gateway {

  private static final System.Logger LOG = System.getLogger(Gateway.class.getName());
  /** The secret of the bundled default config, warned about when still in use. */
  private static final String DEFAULT_SECRET = "change-me";
  /** The language drivers, deployed in this order. */
  private static final List<DriverModule> DRIVERS = List.of(new LuaModule(), new PythonModule(), new GrpcModule());
  /** Wait before the first retry of a bundle download (doubled for each of the next ones). */
  private static final long BUNDLE_RETRY_MILLIS = 250;

  private final Vertx vertx;
  private final GatewayConfig config;
  private final KeyValueStore store;
  private final SessionRepository sessions;
  private final LoadedPolicies policies;
  // What keys use: the loaded policies, or a fixed set a test gave.
  private final Policies keyPolicies;
  private final GatewayMetrics metrics;
  private final ApiRegistry registry;
  private final ReloadBus reloadBus;
  private final PrometheusMeterRegistry meters;
  private final EventQueue eventQueue;
  private final EventSink events;
  // null when opentelemetry is off
  private final Tracing tracing;
  private final DriverHealth driverHealth = new DriverHealth();
  private final List<ProxyVerticle> proxies = new ArrayList<>();
  private AdminVerticle admin;
  /** Watch mode's poller; null unless coprocess_options.watch is on. */
  private SourceWatcher watcher;
  private ServerOptions serverOptions;
  private long sweepTimer;

  // fixedPolicies: what keys use instead of the loaded policies (tests), or null
  private Gateway(Vertx vertx, GatewayConfig config, PrometheusMeterRegistry meters, KeyValueStore store,
      Policies fixedPolicies) {
    this.vertx = vertx;
    this.store = store;
    this.config = config;
    this.meters = meters;
    this.sessions = new SessionRepository(store, config.hashKeys());
    this.metrics = new GatewayMetrics(meters);
    this.tracing = Tracing.from(config.tracing());
    this.eventQueue = new EventQueue(EventQueue.DEFAULT_CAPACITY, meters);
    this.events = new EventBusSink(vertx, eventQueue);
    this.policies = new LoadedPolicies(vertx, config.policies(), store);
    this.keyPolicies = fixedPolicies != null ? fixedPolicies : policies;
    StandardChain standard = new StandardChain(sessions, keyPolicies,
        System::currentTimeMillis, events, new ClientAddress(config.clientAddress()));
    CoprocessChain chains = new CoprocessChain(standard, sessions, vertx, events, meters, config.coprocess(),
        new IdExtractorClient(vertx), config.hashKeyFunction());
    this.registry = new ApiRegistry(vertx, config.appPath(), chains, metrics,
        new BundleLoader(config.bundles(), config.middlewarePath(), new BundleDownloader(vertx,
            config.bundles().insecureSkipVerify(), config.bundles().maxSize(), BUNDLE_RETRY_MILLIS)),
        new KeyPolicy(KeyTable.bundled(), config.allowUnimplementedKeys()), config.enableCustomDomains());
    this.reloadBus = new ReloadBus(vertx, registry);
    // Every reload (the first one at start, /tyk/reload, a group reload from any node) re-reads policies.
    registry.afterReload(policies::reload);
    registry.afterReload(() -> {
      metrics.forgetApisOtherThan(registry.current().all().stream().map(api -> api.definition().apiId()).collect(Collectors.toSet()));
      return Future.succeededFuture();
    });
  }

  /**
   * Starts a gateway on a Vert.x instance.
   *
   * @param meters the registry Vert.x's metrics write to; Coproxy's own meters join it
   * @return the running gateway, or a failure ({@link ConfigException} for a config that cannot work)
   */
  public static Future<Gateway> start(Vertx vertx, GatewayConfig config, PrometheusMeterRegistry meters) {
    return start(vertx, config, meters, new LocalStore());
  }

  /**
   * Starts a gateway on a given store: the node's own {@link LocalStore}, or the cluster-wide store
   * of a clustered node ({@code dev.coproxy.cluster.ClusterStore}).
   */
  public static Future<Gateway> start(Vertx vertx, GatewayConfig config, PrometheusMeterRegistry meters, KeyValueStore store) {
    return start(vertx, config, meters, store, null);
  }

  /**
   * Starts a gateway whose keys use the given policies (a fixed set in tests) instead of those its
   * config loads, or the loaded ones when {@code policies} is null; the Gateway API's /tyk/policies
   * shows the loaded ones either way.
   */
  public static Future<Gateway> start(Vertx vertx, GatewayConfig config, PrometheusMeterRegistry meters, KeyValueStore store,
      Policies policies) {
    Gateway gateway = new Gateway(vertx, config, meters, store, policies);
    return gateway.run().map(gateway);
  }

  private Future<Void> run() {
    config.unknownKeys().forEach(key -> LOG.log(Level.WARNING, "config key " + key + " is not known to Coproxy and is ignored"));
    config.keyWarnings().forEach(line -> LOG.log(Level.WARNING, "config key " + line));
    if (!config.inertKeys().isEmpty()) {
      LOG.log(Level.INFO, "config keys with no effect in Coproxy (analytics, dashboard, tuning), ignored: "
          + String.join(", ", config.inertKeys()));
    }
    if (store instanceof LocalStore local) {
      sweepTimer = vertx.setPeriodic(30_000, id -> local.sweep());
    }
    vertx.eventBus().registerDefaultCodec(dev.coproxy.proto.Object.class, new ObjectCodec());
    IdExtractorVerticle.registerCodecs(vertx.eventBus());
    // The certificates are checked first: a bad one stops start-up before any plugin process starts.
    return ServerOptions.load(vertx, config.httpServer())
        .compose(options -> {
          serverOptions = options;
          return vertx.executeBlocking(() -> {
            AppPaths.prepare(config);
            return null;
          });
        })
        .compose(v -> registry.reload())
        .compose(report -> reloadBus.listen())
        .compose(v -> vertx.deployVerticle(new EventFanoutVerticle(config.eventHandlers(), registry::current, eventQueue, meters)))
        .compose(v -> vertx.deployVerticle(() -> new IdExtractorVerticle(sessions),
            new DeploymentOptions().setInstances(Runtime.getRuntime().availableProcessors())))
        .compose(v -> deployDrivers())
        .compose(v -> deployProxies().recover(e -> Future.failedFuture(bindFailure("listen_port", config.listenPort(), e))))
        .compose(v -> config.controlOnTrafficPort() ? Future.<Void>succeededFuture()
            : deployAdmin().<Void>mapEmpty().recover(e -> Future.failedFuture(bindFailure("control_api_port", config.controlApiPort(), e))))
        .compose(v -> watch())
        .onSuccess(v -> {
          LOG.log(Level.INFO, "Coproxy listening on port " + port()
              + (config.controlOnTrafficPort() ? "" : ", Gateway API on port " + controlPort())
              + " with " + registry.current().size() + " APIs");
          if (DEFAULT_SECRET.equals(config.secret())) {
            LOG.log(Level.WARNING, "secret is still the bundled \"" + DEFAULT_SECRET + "\": anyone who can reach the Gateway API"
                + " can manage keys and APIs; set secret (or COPROXY_SECRET)");
          }
        });
  }

  // Each driver module in turn: it decides from the config whether it runs.
  private Future<Void> deployDrivers() {
    DriverSetup setup = new DriverSetup(vertx, config, store, events, meters, driverHealth,
        () -> registry.current().all().stream().map(LoadedApi::definition).toList(), registry::afterReload);
    Future<Void> chain = Future.succeededFuture();
    for (DriverModule module : DRIVERS) {
      chain = chain.compose(v -> module.deploy(setup));
    }
    return chain;
  }

  // Watch mode reloads this node as /tyk/reload does, once the first reload and the drivers are in place.
  private Future<Void> watch() {
    if (!config.coprocess().watch()) {
      return Future.succeededFuture();
    }
    watcher = new SourceWatcher(vertx, config.appPath(), config.middlewarePath(), registry::reload);
    return watcher.start();
  }

  // One proxy verticle per event loop, all on one port. Port 0 becomes -1: Vert.x then shares one
  // random port between the instances instead of binding a new one for each. They are one
  // deployment, whose instances Vert.x puts on consecutive event loops: one per loop. (Deployed one
  // by one, the contexts created in between shifted the round robin, and on two cores both
  // instances sat on loop 0 while loop 1 idled.) A port in use fails the deployment once.
  private Future<Void> deployProxies() {
    int port = config.listenPort() == 0 ? -1 : config.listenPort();
    Predicate<String> adminPaths = config.controlOnTrafficPort()
        ? path -> AdminRoutes.isAdminPath(config, path)
        : path -> path.equals("/hello");
    List<ProxyVerticle> deployed = new ArrayList<>();
    Supplier<ProxyVerticle> proxy = () -> {
      ProxyVerticle instance = new ProxyVerticle(vertx, config, serverOptions, port, registry, metrics, adminPaths,
          AdminRoutes.create(vertx, config, sessions, registry, reloadBus, meters, events, driverHealth, policies, keyPolicies),
          tracing);
      deployed.add(instance);
      return instance;
    };
    return vertx.deployVerticle(proxy, new DeploymentOptions().setInstances(Runtime.getRuntime().availableProcessors()))
        .map(id -> {
          proxies.addAll(deployed);
          return null;
        });
  }

  private Future<String> deployAdmin() {
    admin = new AdminVerticle(config.listenAddress(), config.controlApiPort(), serverOptions,
        AdminRoutes.create(vertx, config, sessions, registry, reloadBus, meters, events, driverHealth, policies, keyPolicies));
    return vertx.deployVerticle(admin);
  }

  private static Throwable bindFailure(String key, int port, Throwable e) {
    String message = String.valueOf(e.getMessage());
    if (e instanceof BindException || e.getCause() instanceof BindException || message.contains("already in use")) {
      return new ConfigException(key, "cannot listen on port " + port + ": address already in use");
    }
    return e;
  }

  /** The event-loop threads the traffic port's verticles run on, one per instance. */
  public List<String> proxyEventLoops() {
    return proxies.stream().map(ProxyVerticle::eventLoop).toList();
  }

  /** The traffic port actually bound. */
  public int port() {
    return proxies.get(0).actualPort();
  }

  /** The Gateway API port (the traffic port unless {@code control_api_port} is set). */
  public int controlPort() {
    return admin == null ? port() : admin.actualPort();
  }

  public ApiRegistry registry() {
    return registry;
  }

  public SessionRepository sessions() {
    return sessions;
  }

  /** The live policies (files and Gateway API changes), re-read on every reload. */
  public LoadedPolicies policies() {
    return policies;
  }

  /**
   * Graceful stop: stops accepting, lets in-flight requests finish (up to the configured
   * {@code graceful_shutdown_timeout_duration}), then releases everything.
   */
  public Future<Void> stop() {
    long timeout = config.shutdownTimeoutMillis();
    List<Future<Void>> drains = new ArrayList<>();
    proxies.forEach(p -> drains.add(p.drain(timeout)));
    if (admin != null) {
      drains.add(admin.drain(timeout));
    }
    vertx.cancelTimer(sweepTimer);
    drains.add(watcher == null ? Future.succeededFuture() : watcher.stop());
    // The store hands back what this node holds (a cluster store's unused quota units) before Vert.x leaves.
    return Future.join(drains).transform(ar -> reloadBus.close()).transform(ar -> store.close()).transform(ar -> registry.close())
        .transform(ar -> tracing == null ? Future.<Void>succeededFuture() : tracing.close());
  }
}
