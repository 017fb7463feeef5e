package dev.coproxy.events;

import dev.coproxy.api.ApiCatalog;
import dev.coproxy.api.ApiDefinition;
import dev.coproxy.api.EventHandlers;
import dev.coproxy.api.EventHandlers.DynamicHandler;
import dev.coproxy.api.EventHandlers.Handler;
import dev.coproxy.api.EventHandlers.LogHandler;
import dev.coproxy.api.EventHandlers.Webhook;
import dev.coproxy.bus.CoprocessAddresses;
import dev.coproxy.bus.EventAddresses;
import dev.coproxy.log.RateLimitedLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Delivers gateway events: takes them from {@link EventAddresses#FIRE} (and system events from
 * {@link EventAddresses#TRIGGER}), counts them ({@code coproxy_events_total{event}}), publishes each
 * on {@link EventAddresses#EVENTS} as JSON, and hands it to the global handlers of the gateway config
 * and the handlers of its API ({@code event_handlers.events}): {@code eh_log_handler},
 * {@code eh_web_hook_handler} and {@code cp_dynamic_handler} (through the driver's DispatchEvent).
 * Nothing here can slow or fail a request: it all happens after the request has moved on.
 */
public final class EventFanoutVerticle extends VerticleBase {

  private static final System.Logger LOG = System.getLogger(EventFanoutVerticle.class.getName());
  private static final DateTimeFormatter GO_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSSSSS xx z");

  private final JsonObject globalConfig;
  private final Supplier<? extends ApiCatalog> apis;
  private final EventQueue queue;
  private final MeterRegistry meters;
  private final Map<String, Counter> counts = new HashMap<>();
  private HttpClient client;
  private Counter webhookFailures;
  private EventHandlers global;
  // Webhook state (suppression, deliveries under way) per configured webhook: the global ones for
  // the life of the verticle, the APIs' ones for one loaded API set.
  private final Map<Webhook, WebhookHandler> globalWebhooks = new IdentityHashMap<>();
  private final Map<Webhook, WebhookHandler> apiWebhooks = new IdentityHashMap<>();
  private ApiCatalog cachedApis;
  private final RateLimitedLog driverLog = RateLimitedLog.perSecond(LOG);

  public EventFanoutVerticle(JsonObject globalConfig, Supplier<? extends ApiCatalog> apis, EventQueue queue, MeterRegistry meters) {
    this.globalConfig = globalConfig;
    this.apis = apis;
    this.queue = queue;
    this.meters = meters;
  }

  @Override
  public Future<?> start() {
    client = vertx.createHttpClient();
    webhookFailures = Counter.builder("coproxy.webhook.failures").description("Webhook deliveries that failed")
        .register(meters);
    global = EventHandlers.parse(globalConfig, e -> LOG.log(Level.WARNING, "gateway config: event handler left out: " + e.getMessage()));
    MessageConsumer<JsonObject> fired = vertx.eventBus().localConsumer(EventAddresses.FIRE, m -> {
      queue.taken();
      fan(m.body());
    });
    MessageConsumer<JsonObject> triggered = vertx.eventBus().consumer(EventAddresses.TRIGGER, m -> trigger(m.body()));
    return Future.all(fired.completion(), triggered.completion());
  }

  @Override
  public Future<?> stop() {
    return client.close();
  }

  private void trigger(JsonObject message) {
    if (message == null || message.getString("event", "").isEmpty()) {
      LOG.log(Level.WARNING, EventAddresses.TRIGGER + ": a message without \"event\" was ignored");
      return;
    }
    Object payload = message.getValue("payload");
    String text = payload == null ? "" : payload instanceof String s ? s : io.vertx.core.json.Json.encode(payload);
    fan(new JsonObject().put("event", message.getString("event")).put("api_id", "").put("org_id", "")
        .put("meta", EventMeta.system(text)).put("timestamp", System.currentTimeMillis()));
  }

  private void fan(JsonObject event) {
    String type = event.getString("event", "");
    String apiId = event.getString("api_id", "");
    counts.computeIfAbsent(type, t -> Counter.builder("coproxy.events").description("Events fired, by name")
        .tag("event", t).register(meters)).increment();
    JsonObject message = new JsonObject()
        .put("Type", type)
        .put("Meta", event.getJsonObject("meta", new JsonObject()))
        .put("TimeStamp", GO_TIME.format(ZonedDateTime.now()));
    JsonObject spec = new JsonObject().put("APIID", apiId).put("OrgID", event.getString("org_id", ""));
    vertx.eventBus().publish(EventAddresses.EVENTS, new JsonObject().put("message", message).put("spec", spec));
    ApiDefinition api = apiId.isEmpty() ? null : apis.get().definition(apiId);
    String key = message.getJsonObject("Meta").getString("Key", "");
    for (Handler handler : global.of(type)) {
      handle(handler, type, key, message, spec, null, globalWebhooks);
    }
    if (api != null) {
      for (Handler handler : api.eventHandlers().of(type)) {
        handle(handler, type, key, message, spec, api, apiWebhooks());
      }
    }
  }

  private void handle(Handler handler, String type, String key, JsonObject message, JsonObject spec, ApiDefinition api,
      Map<Webhook, WebhookHandler> webhooks) {
    JsonObject payload = new JsonObject().put("message", message).put("handler_name", handler.name()).put("spec", spec);
    if (handler instanceof LogHandler log) {
      LOG.log(Level.INFO, "event " + type + " " + log.prefix() + " " + payload.encode());
    } else if (handler instanceof Webhook webhook) {
      webhooks.computeIfAbsent(webhook, w -> new WebhookHandler(w, client, webhookFailures, queue)).deliver(type, key, payload);
    } else if (handler instanceof DynamicHandler dynamic) {
      toDriver(dynamic, api, payload);
    }
  }

  private void toDriver(DynamicHandler handler, ApiDefinition api, JsonObject payload) {
    String driver = handler.driver();
    if (driver.isEmpty() && api != null) {
      driver = api.customMiddleware().driver();
    }
    String name = driver;
    DeliveryOptions options = new DeliveryOptions().setLocalOnly(true).setSendTimeout(10_000);
    if (api != null && !api.pluginDirs().isEmpty()) {
      options.addHeader(CoprocessAddresses.HEADER_PLUGIN_DIRS, CoprocessAddresses.joinDirs(api.pluginDirs()));
    }
    vertx.eventBus().request(CoprocessAddresses.driver(name) + CoprocessAddresses.EVENT_SUFFIX, payload.encode(), options)
        .onFailure(e -> driverLog.log(Level.WARNING, () -> "cp_dynamic_handler " + handler.name() + ": driver \"" + name
            + "\" did not take the event: " + e.getMessage()));
  }

  // The APIs' webhook state is dropped when a reload swaps the API set.
  private Map<Webhook, WebhookHandler> apiWebhooks() {
    ApiCatalog current = apis.get();
    if (current != cachedApis) {
      cachedApis = current;
      apiWebhooks.clear();
    }
    return apiWebhooks;
  }
}
