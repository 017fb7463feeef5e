package dev.coproxy.events;

import dev.coproxy.api.EventHandlers.Webhook;
import dev.coproxy.log.RateLimitedLog;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.util.HashMap;
import java.util.Map;

/**
 * Tyk's {@code eh_web_hook_handler}, as its definition parsed it ({@link Webhook}): sends the
 * event to {@code target_path} with {@code method} and {@code header_map}; repeats of the same event for the same key within {@code event_timeout}
 * seconds are suppressed. Each delivery is tried once, with a request timeout; failures are logged
 * (at most once a second) and counted. At most {@value #MAX_IN_FLIGHT} deliveries per handler are
 * under way: past that, events for this handler are dropped, so a slow or dead target only loses
 * its own deliveries. Runs on the fan-out's event loop.
 */
final class WebhookHandler {

  static final int MAX_IN_FLIGHT = 64;
  private static final System.Logger LOG = System.getLogger(WebhookHandler.class.getName());
  private static final long REQUEST_TIMEOUT_MILLIS = 5000;

  private final String target;
  private final HttpMethod method;
  private final Map<String, String> headers;
  private final long suppressMillis;
  private final HttpClient client;
  private final Counter failures;
  private final EventQueue queue;
  private final Map<String, Long> lastSent = new HashMap<>();
  private int inFlight;
  private final RateLimitedLog log = RateLimitedLog.perSecond(LOG);

  WebhookHandler(Webhook config, HttpClient client, Counter failures, EventQueue queue) {
    this.target = config.targetPath();
    this.method = HttpMethod.valueOf(config.method());
    this.headers = config.headers();
    this.suppressMillis = config.eventTimeoutSeconds() * 1000;
    this.client = client;
    this.failures = failures;
    this.queue = queue;
  }

  void deliver(String type, String key, JsonObject payload) {
    long now = System.currentTimeMillis();
    if (suppressMillis > 0) {
      String repeat = type + "\u0000" + key;
      Long last = lastSent.get(repeat);
      if (last != null && now - last < suppressMillis) {
        return;
      }
      lastSent.put(repeat, now);
      if (lastSent.size() > 10_000) {
        lastSent.values().removeIf(t -> now - t >= suppressMillis);
      }
    }
    if (inFlight >= MAX_IN_FLIGHT) {
      queue.dropped();
      return;
    }
    inFlight++;
    RequestOptions options = new RequestOptions().setMethod(method).setAbsoluteURI(target)
        .setTimeout(REQUEST_TIMEOUT_MILLIS).putHeader("Content-Type", "application/json");
    headers.forEach(options::putHeader);
    client.request(options)
        .compose(request -> request.send(payload.encode()))
        .compose(response -> response.body().map(body -> response.statusCode()))
        .onComplete(ar -> {
          inFlight--;
          if (ar.failed() || ar.result() >= 400) {
            failures.increment();
            logFailure(ar.failed() ? ar.cause().getMessage() : "status " + ar.result());
          }
        });
  }

  private void logFailure(String reason) {
    log.log(Level.WARNING, () -> "webhook " + method + " " + target + " failed: " + reason);
  }
}
