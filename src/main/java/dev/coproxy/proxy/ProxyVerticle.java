package dev.coproxy.proxy;

import dev.coproxy.chain.RequestContext;
import dev.coproxy.config.GatewayConfig;
import dev.coproxy.metrics.GatewayMetrics;
import dev.coproxy.tracing.Tracing;
import dev.coproxy.routing.ApiRegistry;
import dev.coproxy.routing.LoadedApi;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import java.lang.System.Logger.Level;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The traffic port: one instance per event loop. Each request is routed to the API with the
 * longest matching listen path (for its host first, with {@code enable_custom_domains}) and handed to the {@link RequestPipeline} (chain, upstream, response
 * chain). Paths are cleaned first; when the Gateway API shares this port, its paths go to the admin
 * handler.
 */
public final class ProxyVerticle extends VerticleBase {

  private static final System.Logger LOG = System.getLogger(ProxyVerticle.class.getName());

  private final GatewayConfig config;
  private final ServerOptions serverOptions;
  private final int port;
  private final ApiRegistry registry;
  private final GatewayMetrics metrics;
  private final Predicate<String> adminPaths;
  private final Handler<HttpServerRequest> admin;
  // Null unless enable_echo_endpoint: then /coproxy/echo is a path like any other.
  private final EchoHandler echo;
  private final PathCleaner paths;
  private HttpServer server;
  private final HttpClient client;
  private RequestPipeline pipeline;
  private final Tracing tracing;
  private ConnectionDeadlines deadlines;
  private String loop;

  /**
   * @param serverOptions TLS and connection limits ({@code http_server_options})
   * @param port the port to listen on (the config's, or the one the first instance picked)
   * @param adminPaths which paths belong to {@code admin}
   * @param admin the Gateway API handler for this event loop
   * @param tracing the gateway's tracer ({@code opentelemetry}), or null when tracing is off
   */
  public ProxyVerticle(Vertx vertx, GatewayConfig config, ServerOptions serverOptions, int port, ApiRegistry registry,
      GatewayMetrics metrics, Predicate<String> adminPaths, Handler<HttpServerRequest> admin, Tracing tracing) {
    this.tracing = tracing;
    this.config = config;
    this.serverOptions = serverOptions;
    this.port = port;
    this.registry = registry;
    this.metrics = metrics;
    this.adminPaths = adminPaths;
    this.admin = admin;
    this.paths = new PathCleaner(config.httpServer().skipUrlCleaning());
    this.echo = config.exposure().echoEndpoint() ? new EchoHandler() : null;
    // Made here, before the deployment creates the instances' contexts: the client's pool cleaner
    // takes an event-loop context of its own, and taken during start() it shifted Vert.x's round
    // robin, so that two instances could land on one loop.
    this.client = vertx.httpClientBuilder()
        .with(new HttpClientOptions().setKeepAlive(true).setPipelining(false).setName("upstream"))
        .with(new PoolOptions().setHttp1MaxSize(config.upstreamPoolSize()))
        .withConnectHandler(new ConnectionErrors(metrics.registry(), "upstream")::watch)
        .build();
  }

  @Override
  public Future<?> start() {
    loop = Thread.currentThread().getName();
    pipeline = new RequestPipeline(new UpstreamForwarder(client, config.proxyTimeoutMillis(), config.maxRequestBodySize()),
        new RequestFailures(), config.maxRequestBodySize(), tracing);
    deadlines = new ConnectionDeadlines(serverOptions.config());
    ConnectionErrors errors = new ConnectionErrors(metrics.registry(), "client");
    return vertx.createHttpServer(serverOptions.forPort(config.listenAddress(), port))
        .requestHandler(this::handle)
        .connectionHandler(connection -> {
          errors.watch(connection);
          deadlines.opened(connection);
        })
        .listen()
        .onSuccess(s -> {
          server = s;
          deadlines.start(vertx);
        })
        .onFailure(e -> client.close());
  }

  /** The event-loop thread this instance runs on. */
  public String eventLoop() {
    return loop;
  }

  /** The port actually bound (useful when the config asked for port 0). */
  public int actualPort() {
    return server.actualPort();
  }

  /** Stops accepting and waits up to {@code timeoutMillis} for in-flight requests to finish. */
  public Future<Void> drain(long timeoutMillis) {
    return server == null ? Future.succeededFuture() : server.shutdown(timeoutMillis, TimeUnit.MILLISECONDS);
  }

  @Override
  public Future<?> stop() {
    deadlines.stop();
    return client.close();
  }

  private void handle(HttpServerRequest request) {
    deadlines.request(request);
    try {
      route(request);
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "request " + request.method() + " " + request.path() + " failed unexpectedly", e);
      HttpErrors.send(request.response(), 500, "Internal Server Error");
    }
  }

  private void route(HttpServerRequest request) {
    String path = cleanPath(request);
    if (path == null) {
      return;
    }
    if (adminPaths.test(path)) {
      admin.handle(request);
      return;
    }
    if (echo != null && EchoHandler.serves(path)) {
      echo.handle(request);
      return;
    }
    LoadedApi api = registry.current().match(request.authority(), path);
    if (api == null) {
      metrics.unmatched().request(404);
      HttpErrors.send(request.response(), 404, "No API is listening on " + path);
      return;
    }
    pipeline.run(new RequestContext(request, api.definition(), System.nanoTime()), api);
  }

  /**
   * The request's path when it is clean, so that routing, the chain and the upstream all see this
   * one string; null when the client was answered instead: 301 to the clean path (query kept), as
   * Tyk's router does, or 400 for a path that is not served at all.
   */
  private String cleanPath(HttpServerRequest request) {
    String raw = request.path();
    String query = request.query();
    String clean;
    try {
      clean = paths.clean(raw);
      if (query != null && PathCleaner.hasControl(query)) {
        throw new PathRefused("The request query holds a control character");
      }
    } catch (PathRefused refused) {
      metrics.unmatched().request(400);
      HttpErrors.send(request.response(), 400, refused.getMessage());
      return null;
    }
    // The cleaner hands back the very string it was given when there was nothing to clean.
    if (clean == raw) {
      return raw;
    }
    metrics.unmatched().request(301);
    request.response().setStatusCode(301)
        .putHeader(HttpHeaders.LOCATION, query == null ? clean : clean + "?" + query)
        .end();
    return null;
  }
}
