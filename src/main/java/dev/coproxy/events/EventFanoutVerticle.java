package dev.coproxy.events;

import dev.coproxy.api.ApiRegistry;
import dev.coproxy.api.ApiTable;
import dev.coproxy.api.LoadedApi;
import dev.coproxy.coprocess.CoprocessAddresses;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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

  /** A configured handler: its kind, its meta, and its state for webhooks. */
  private record Handler(String kind, JsonObject meta, WebhookHandler webhook) {
  }

  private final JsonObject globalConfig;
  private final ApiRegistry registry;
  private final EventQueue queue;
  private final MeterRegistry meters;
  private final Map<String, Counter> counts = new HashMap<>();
  private HttpClient client;
  private Counter webhookFailures;
  private Map<String, List<Handler>> global;
  private ApiTable cachedTable;
  private final Map<String, Map<String, List<Handler>>> byApi = new HashMap<>();
  private long lastDriverLog;

  public EventFanoutVerticle(JsonObject globalConfig, ApiRegistry registry, EventQueue queue, MeterRegistry meters) {
    this.globalConfig = globalConfig;
    this.registry = registry;
    this.queue = queue;
    this.meters = meters;
  }

  @Override
  public Future<?> start() {
    client = vertx.createHttpClient();
    webhookFailures = Counter.builder("coproxy.webhook.failures").description("Webhook deliveries that failed")
        .register(meters);
    global = handlers(globalConfig, "gateway config");
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
    List<Handler> handlers = new ArrayList<>(global.getOrDefault(type, List.of()));
    LoadedApi api = apiId.isEmpty() ? null : registry.current().byId(apiId);
    if (api != null) {
      handlers.addAll(apiHandlers(api).getOrDefault(type, List.of()));
    }
    String key = message.getJsonObject("Meta").getString("Key", "");
    for (Handler handler : handlers) {
      JsonObject payload = new JsonObject().put("message", message)
          .put("handler_name", handler.meta.getString("name", handler.kind)).put("spec", spec);
      switch (handler.kind) {
        case "eh_log_handler" -> LOG.log(Level.INFO, "event " + type + " " + handler.meta.getString("prefix", "")
            + " " + payload.encode());
        case "eh_web_hook_handler" -> handler.webhook.deliver(type, key, payload);
        case "cp_dynamic_handler" -> toDriver(handler, api, payload);
        default -> {
        }
      }
    }
  }

  private void toDriver(Handler handler, LoadedApi api, JsonObject payload) {
    String driver = handler.meta.getString("driver", "");
    if (driver.isEmpty() && api != null) {
      driver = api.definition().raw().getJsonObject("custom_middleware", new JsonObject()).getString("driver", "");
    }
    String name = driver;
    DeliveryOptions options = new DeliveryOptions().setLocalOnly(true).setSendTimeout(10_000);
    if (api != null && !api.definition().pluginDirs().isEmpty()) {
      options.addHeader(CoprocessAddresses.HEADER_PLUGIN_DIRS, CoprocessAddresses.joinDirs(api.definition().pluginDirs()));
    }
    vertx.eventBus().request(CoprocessAddresses.driver(name) + CoprocessAddresses.EVENT_SUFFIX, payload.encode(), options).onFailure(e -> {
          long now = System.currentTimeMillis();
          if (now - lastDriverLog >= 1000) {
            lastDriverLog = now;
            LOG.log(Level.WARNING, "cp_dynamic_handler " + handler.meta.getString("name", "") + ": driver \"" + name
                + "\" did not take the event: " + e.getMessage());
          }
        });
  }

  // Handlers of an API, parsed once per loaded API set.
  private Map<String, List<Handler>> apiHandlers(LoadedApi api) {
    ApiTable table = registry.current();
    if (table != cachedTable) {
      cachedTable = table;
      byApi.clear();
    }
    return byApi.computeIfAbsent(api.definition().apiId(),
        id -> handlers(api.definition().raw().getJsonObject("event_handlers", new JsonObject()), "api " + id));
  }

  private Map<String, List<Handler>> handlers(JsonObject config, String where) {
    Map<String, List<Handler>> out = new HashMap<>();
    Object events = config == null ? null : config.getValue("events");
    if (!(events instanceof JsonObject byEvent)) {
      return out;
    }
    for (String type : byEvent.fieldNames()) {
      if (!(byEvent.getValue(type) instanceof JsonArray list)) {
        continue;
      }
      for (Object item : list) {
        Handler handler = handler(item, where, type);
        if (handler != null) {
          out.computeIfAbsent(type, t -> new ArrayList<>()).add(handler);
        }
      }
    }
    return out;
  }

  private Handler handler(Object item, String where, String type) {
    if (!(item instanceof JsonObject entry)) {
      return null;
    }
    String kind = entry.getString("handler_name", "");
    JsonObject meta = entry.getValue("handler_meta") instanceof JsonObject m ? m : new JsonObject();
    try {
      return switch (kind) {
        case "eh_log_handler", "cp_dynamic_handler" -> new Handler(kind, meta, null);
        case "eh_web_hook_handler" -> {
          String target = meta.getString("target_path", "");
          if (!target.startsWith("http://") && !target.startsWith("https://")) {
            throw new IllegalArgumentException("handler_meta.target_path must be an http(s) URL, got \"" + target + "\"");
          }
          yield new Handler(kind, meta, new WebhookHandler(meta, client, webhookFailures, queue));
        }
        default -> {
          LOG.log(Level.WARNING, where + ": event handler \"" + kind + "\" for " + type + " is not supported and is ignored");
          yield null;
        }
      };
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, where + ": event handler " + kind + " for " + type + " is ignored: " + e.getMessage());
      return null;
    }
  }
}
