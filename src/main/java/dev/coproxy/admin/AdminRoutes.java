package dev.coproxy.admin;

import dev.coproxy.config.GatewayConfig;
import dev.coproxy.coprocess.DriverHealth;
import dev.coproxy.events.EventSink;
import dev.coproxy.policy.LoadedPolicies;
import dev.coproxy.policy.Policies;
import dev.coproxy.policy.PolicyWrites;
import dev.coproxy.routing.ApiRegistry;
import dev.coproxy.routing.ReloadBus;
import dev.coproxy.session.SessionRepository;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The Gateway API router: {@code /hello} (no secret), the metrics path (behind the secret with
 * {@code metrics.require_secret}), and every {@code /tyk/} path behind the
 * {@code x-tyk-authorization} secret. An empty secret refuses every call.
 */
public final class AdminRoutes {

  /** Tyk's Gateway API secret header. */
  public static final String SECRET_HEADER = "x-tyk-authorization";
  private static final String BEARER = "Bearer ";
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
      ReloadBus reloadBus, PrometheusMeterRegistry meters, EventSink events, DriverHealth drivers, LoadedPolicies policies,
      Policies keyPolicies) {
    Router router = Router.router(vertx);
    router.get("/hello").handler(new HealthHandler(registry, sessions.store(), drivers));
    if (config.metrics().enabled()) {
      if (config.metrics().requireSecret()) {
        router.get(config.metrics().path()).handler(rc -> checkScrapeSecret(rc, config.secret()));
      }
      router.get(config.metrics().path()).handler(PrometheusScrapingHandler.create(meters));
    }
    router.route("/tyk/*").handler(rc -> checkSecret(rc, config.secret()));
    router.route("/tyk/*").handler(AdminRoutes::readBodyAsIs);
    router.route("/tyk/*").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY));
    new KeysApi(sessions, config, events, keyPolicies).mount(router);
    new PoliciesApi(policies, new PolicyWrites(vertx, config.policies(), policies, System::currentTimeMillis),
        config.policies().allowUnsafeIds()).mount(router);
    new ApisApi(vertx, registry, reloadBus).mount(router);
    router.route().last().handler(rc -> AdminReply.error(rc, 404, "Not found: " + rc.request().path()));
    router.errorHandler(405, rc -> AdminReply.error(rc, 405, "Method not allowed"));
    router.errorHandler(413, rc -> AdminReply.error(rc, 413, "Request body is larger than " + MAX_BODY + " bytes"));
    router.errorHandler(500, rc -> AdminReply.error(rc, 500, "Internal error: " + (rc.failure() == null ? "" : rc.failure().getMessage())));
    return router;
  }

  /**
   * {@code metrics.require_secret}: the secret in {@code x-tyk-authorization}, or as
   * {@code Authorization: Bearer <secret>}, which every Prometheus can send from a file.
   */
  private static void checkScrapeSecret(RoutingContext rc, String secret) {
    String bearer = rc.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (bearer != null && bearer.regionMatches(true, 0, BEARER, 0, BEARER.length()) && !secret.isEmpty()
        && matches(bearer.substring(BEARER.length()).trim(), secret)) {
      rc.next();
      return;
    }
    checkSecret(rc, secret);
  }

  private static void checkSecret(RoutingContext rc, String secret) {
    if (secret.isEmpty()) {
      AdminReply.error(rc, 403, "Gateway API is disabled: no secret is configured");
      return;
    }
    String given = rc.request().getHeader(SECRET_HEADER);
    if (!matches(given, secret)) {
      AdminReply.error(rc, 403, "Attempted administrative access with invalid or missing key!");
      return;
    }
    rc.next();
  }

  /**
   * Every Gateway API body is JSON, whatever its Content-Type says (as in Tyk; curl's
   * {@code --data} sends {@code application/x-www-form-urlencoded}). Without a form content type the
   * body handler keeps the raw bytes instead of handing them to Netty's form decoder, which fails
   * any body over 1 KiB with {@code TooLongFormFieldException} (a 400 and a stack trace each time).
   */
  private static void readBodyAsIs(RoutingContext rc) {
    rc.request().headers().remove(HttpHeaders.CONTENT_TYPE);
    rc.next();
  }

  private static boolean matches(String given, String secret) {
    return given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), secret.getBytes(StandardCharsets.UTF_8));
  }
}
