package dev.coproxy.api;

import dev.coproxy.config.ConfigException;
import dev.coproxy.config.JsonReader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * {@code event_handlers.events} of an API definition (or of the gateway config), parsed once: per
 * event name, its handlers in order. A handler of a kind Coproxy does not run is left out; for an
 * API the key table judges {@code handler_name} (refused unless {@code allow_unimplemented_keys}). A handler that cannot work (a webhook without an http(s)
 * target, an unknown method) is an error naming its key; webhooks with {@code disabled: true} are
 * left out, as in Tyk.
 *
 * @param byEvent handlers per event name
 */
public record EventHandlers(Map<String, List<Handler>> byEvent) {

  /** No handlers. */
  public static final EventHandlers NONE = new EventHandlers(Map.of());

  /** The keys this record reads, as the key table writes them. */
  static final List<String> KEYS = List.of("event_handlers.events.*.*.handler_name",
      "event_handlers.events.*.*.handler_meta.name", "event_handlers.events.*.*.handler_meta.prefix",
      "event_handlers.events.*.*.handler_meta.driver", "event_handlers.events.*.*.handler_meta.disabled",
      "event_handlers.events.*.*.handler_meta.target_path", "event_handlers.events.*.*.handler_meta.method",
      "event_handlers.events.*.*.handler_meta.header_map", "event_handlers.events.*.*.handler_meta.event_timeout");

  private static final Set<String> METHODS = Set.of("GET", "PUT", "POST", "DELETE", "PATCH");

  public EventHandlers {
    Map<String, List<Handler>> copy = new LinkedHashMap<>();
    byEvent.forEach((event, handlers) -> copy.put(event, List.copyOf(handlers)));
    byEvent = Collections.unmodifiableMap(copy);
  }

  /** One configured handler; {@code name} is what events report as {@code handler_name}. */
  public sealed interface Handler permits LogHandler, Webhook, DynamicHandler {
    String name();
  }

  /** {@code eh_log_handler}: logs the event, after {@code prefix}. */
  public record LogHandler(String name, String prefix) implements Handler {
  }

  /**
   * {@code eh_web_hook_handler}.
   *
   * @param targetPath {@code target_path}, an http(s) URL
   * @param method {@code method}, upper case (default POST)
   * @param headers {@code header_map}
   * @param eventTimeoutSeconds {@code event_timeout}: repeats of one event for one key within it are suppressed
   */
  public record Webhook(String name, String targetPath, String method, Map<String, String> headers, long eventTimeoutSeconds)
      implements Handler {
    public Webhook {
      headers = Map.copyOf(headers);
    }
  }

  /**
   * {@code cp_dynamic_handler}: the event goes to a plugin function through the driver's DispatchEvent.
   *
   * @param name {@code name}: the plugin function
   * @param driver {@code driver} (a Coproxy extension); empty means the API's {@code custom_middleware.driver}
   */
  public record DynamicHandler(String name, String driver) implements Handler {
  }

  /** The handlers of an event, in order; empty when none. */
  public List<Handler> of(String event) {
    return byEvent.getOrDefault(event, List.of());
  }

  /**
   * Strict: a handler that cannot work fails the load.
   *
   * @param r a reader of the {@code event_handlers} object
   * @throws ConfigException naming the key that cannot work
   */
  static EventHandlers parse(JsonReader r) {
    return parse(r, e -> {
      throw e;
    }, e -> { });
  }

  /**
   * Lenient, for the gateway config's global handlers: a handler that cannot work, or of a kind
   * Coproxy does not run, is left out and handed to {@code skipped}; the others still load.
   */
  public static EventHandlers parse(JsonObject eventHandlers, Consumer<ConfigException> skipped) {
    try {
      return parse(new JsonReader(eventHandlers, "event_handlers"), skipped, skipped);
    } catch (ConfigException e) {
      skipped.accept(e);
      return NONE;
    }
  }

  private static EventHandlers parse(JsonReader r, Consumer<ConfigException> skipped, Consumer<ConfigException> unsupported) {
    JsonObject events = r.object("events");
    Map<String, List<Handler>> out = new LinkedHashMap<>();
    for (String event : events.fieldNames()) {
      String path = r.path("events") + "." + event;
      if (!(events.getValue(event) instanceof JsonArray list)) {
        skipped.accept(new ConfigException(path, "must be a list of handlers"));
        continue;
      }
      for (int i = 0; i < list.size(); i++) {
        try {
          if (!(list.getValue(i) instanceof JsonObject entry)) {
            throw new ConfigException(path + "[" + i + "]", "must be an object");
          }
          Handler handler = handler(new JsonReader(entry, path + "[" + i + "]"), unsupported);
          if (handler != null) {
            out.computeIfAbsent(event, e -> new ArrayList<>()).add(handler);
          }
        } catch (ConfigException e) {
          skipped.accept(e);
        }
      }
    }
    return new EventHandlers(out);
  }

  private static Handler handler(JsonReader entry, Consumer<ConfigException> unsupported) {
    String kind = entry.string("handler_name", "");
    JsonReader meta = entry.child("handler_meta");
    return switch (kind) {
      case "eh_log_handler" -> new LogHandler(meta.string("name", kind), meta.string("prefix", ""));
      case "cp_dynamic_handler" -> new DynamicHandler(meta.string("name", kind), meta.string("driver", "").trim());
      case "eh_web_hook_handler" -> meta.bool("disabled", false) ? null : webhook(meta, kind);
      default -> {
        unsupported.accept(new ConfigException(entry.path("handler_name"), "\"" + kind + "\" is not a handler Coproxy runs; left out"));
        yield null;
      }
    };
  }

  private static Webhook webhook(JsonReader meta, String kind) {
    String target = meta.string("target_path", "");
    if (!target.startsWith("http://") && !target.startsWith("https://")) {
      throw new ConfigException(meta.path("target_path"), "must be an http(s) URL, got \"" + target + "\"");
    }
    String method = meta.string("method", "").trim().toUpperCase(Locale.ROOT);
    method = method.isEmpty() ? "POST" : method;
    if (!METHODS.contains(method)) {
      throw new ConfigException(meta.path("method"), "must be GET, PUT, POST, DELETE or PATCH, got \"" + method + "\"");
    }
    JsonReader headerMap = meta.child("header_map");
    Map<String, String> headers = new LinkedHashMap<>();
    for (String header : meta.object("header_map").fieldNames()) {
      headers.put(header, headerMap.string(header, ""));
    }
    return new Webhook(meta.string("name", kind), target, method, headers, meta.integer("event_timeout", 0, 0, Long.MAX_VALUE / 1000));
  }
}
