package dev.coproxy.admin;

import dev.coproxy.api.ApiRegistry;
import dev.coproxy.api.ReloadBus;
import dev.coproxy.config.GatewayConfig;
import dev.coproxy.events.EventSink;
import dev.coproxy.session.SessionRepository;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import dev.coproxy.coprocess.DriverHealth;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The Gateway API router: {@code /hello} (no secret), the metrics path, and every {@code /tyk/}
 * path behind the {@code x-tyk-authorization} secret. An empty secret refuses every call.
 */
public final class AdminRoutes {

  /** Tyk's Gateway API secret header. */
  public static final String SECRET_HEADER = "x-tyk-authorization";
  /** Largest Gateway API request body. */
  public static final long MAX_BODY = 10L << 20;

  private AdminRoutes() {
  }

  /** True for the paths the Gateway API serves. */
  public static boolean isAdminPath(GatewayConfig config, String path) {
    return path.startsWith("/tyk/") || path.equals("/tyk") || path.equals("/hello")
        || (config.metrics().enabled() && path.equals(config.metrics().path()));
  }

  /** A router for one event loop; the handlers share the thread-safe collaborators given here. */
  public static Router create(Vertx vertx, GatewayConfig config, SessionRepository sessions, ApiRegistry registry,
      ReloadBus reloadBus, PrometheusMeterRegistry meters, EventSink events, DriverHealth drivers) {
    Router router = Router.router(vertx);
    router.get("/hello").handler(new HealthHandler(registry, sessions.store(), drivers));
    if (config.metrics().enabled()) {
      router.get(config.metrics().path()).handler(PrometheusScrapingHandler.create(meters));
    }
    router.route("/tyk/*").handler(rc -> checkSecret(rc, config.secret()));
    router.route("/tyk/*").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY));
    new KeysApi(sessions, config, events).mount(router);
    new ApisApi(vertx, registry, reloadBus).mount(router);
    router.route().last().handler(rc -> AdminReply.error(rc, 404, "Not found: " + rc.request().path()));
    router.errorHandler(405, rc -> AdminReply.error(rc, 405, "Method not allowed"));
    router.errorHandler(413, rc -> AdminReply.error(rc, 413, "Request body is larger than " + MAX_BODY + " bytes"));
    router.errorHandler(500, rc -> AdminReply.error(rc, 500, "Internal error: " + (rc.failure() == null ? "" : rc.failure().getMessage())));
    return router;
  }

  private static void checkSecret(RoutingContext rc, String secret) {
    if (secret.isEmpty()) {
      AdminReply.error(rc, 403, "Gateway API is disabled: no secret is configured");
      return;
    }
    String given = rc.request().getHeader(SECRET_HEADER);
    if (given == null || !MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), secret.getBytes(StandardCharsets.UTF_8))) {
      AdminReply.error(rc, 403, "Attempted administrative access with invalid or missing key!");
      return;
    }
    rc.next();
  }
}
