package dev.coproxy.coprocess.python;

import dev.coproxy.events.EventSink;
import dev.coproxy.session.KeyValueStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The gateway side of {@code from gateway import TykGateway as tyk}: {@code store_data} and
 * {@code get_data} on the gateway's store under {@value #DATA_PREFIX} (the prefix Tyk and the Lua
 * driver use), {@code trigger_event} as a system event, {@code log} and {@code log_error} into the
 * gateway log. Errors loading plugin code are logged once per reload, not once per worker.
 */
final class GatewayCallbacks {

  /** Key prefix of plugin data in the store, as in Tyk. */
  static final String DATA_PREFIX = "coprocess-data:";

  private static final System.Logger PLUGIN_LOG = System.getLogger("dev.coproxy.coprocess.python.plugin");

  private final KeyValueStore store;
  private final EventSink events;
  private final Set<String> loadErrorsLogged = ConcurrentHashMap.newKeySet();

  GatewayCallbacks(KeyValueStore store, EventSink events) {
    this.store = store;
    this.events = events;
  }

  /** Forgets which load errors were logged, so a reload that still fails logs them again. */
  void reloaded() {
    loadErrorsLogged.clear();
  }

  /** Answers a callback that waits ({@code store_data}, {@code get_data}) through {@code reply}. */
  void answer(int worker, JsonObject call, Consumer<Frame> reply) {
    String op = call.getString("op", "");
    String key = DATA_PREFIX + call.getString("key", "");
    Future<JsonObject> answer = switch (op) {
      case "store_data" -> store.put(key, call.getString("value", ""), Math.max(0, call.getLong("ttl", 0L)) * 1000)
          .map(v -> new JsonObject());
      case "get_data" -> store.get(key).map(value -> new JsonObject().put("value", value == null ? "" : value));
      default -> Future.failedFuture("unknown gateway function " + op);
    };
    answer.onComplete(ar -> reply.accept(Frame.of(Frame.ANSWER, ar.succeeded() ? ar.result()
        : new JsonObject().put("error", String.valueOf(ar.cause().getMessage())))));
  }

  /** Handles a notification ({@code log}, {@code trigger_event}); nothing is sent back. */
  void notify(int worker, JsonObject note) {
    switch (note.getString("op", "")) {
      case "trigger_event" -> events.fire(note.getString("name", ""), "", "",
          new JsonObject().put("Message", note.getString("payload", "")).put("OriginatingRequest", ""));
      case "log" -> {
        String message = note.getString("message", "");
        if (note.getBoolean("load_error", false)) {
          if (loadErrorsLogged.add(message)) {
            PLUGIN_LOG.log(Level.ERROR, "python plugin code: " + message);
          }
        } else {
          PLUGIN_LOG.log(level(note.getString("level", "info")), "python (worker " + worker + "): " + message);
        }
      }
      default -> PLUGIN_LOG.log(Level.WARNING, "python worker " + worker + " sent an unknown notification " + note.encode());
    }
  }

  private static Level level(String name) {
    return switch (name) {
      case "debug" -> Level.DEBUG;
      case "error" -> Level.ERROR;
      case "warning" -> Level.WARNING;
      default -> Level.INFO;
    };
  }
}
