package dev.coproxy.routing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.util.UUID;

/**
 * Reload over the event bus: a message on {@value #ADDRESS} reloads the APIs of every gateway that
 * receives it (every node, once the bus is clustered). A gateway ignores its own group reloads,
 * which it has already done before publishing. A JSON body with {@code "refresh_bundles": true}
 * fetches plugin bundles again even when they are on disk.
 */
public final class ReloadBus {

  /** Publish any message here to reload every node. */
  public static final String ADDRESS = "coproxy.reload";
  /** Header naming the gateway that published a group reload. */
  public static final String ORIGIN_HEADER = "origin";
  /** Body key asking for plugin bundles to be fetched again. */
  public static final String REFRESH_BUNDLES = "refresh_bundles";

  private static final System.Logger LOG = System.getLogger(ReloadBus.class.getName());

  private final Vertx vertx;
  private final ApiRegistry registry;
  private final String nodeId = UUID.randomUUID().toString();
  private MessageConsumer<Object> consumer;

  public ReloadBus(Vertx vertx, ApiRegistry registry) {
    this.vertx = vertx;
    this.registry = registry;
  }

  /** Starts listening for reload messages. */
  public Future<Void> listen() {
    consumer = vertx.eventBus().consumer(ADDRESS, message -> {
      if (nodeId.equals(message.headers().get(ORIGIN_HEADER))) {
        return;
      }
      registry.reload(refreshRequested(message.body())).onComplete(ar -> {
        if (ar.failed()) {
          LOG.log(Level.ERROR, "reload from " + ADDRESS + " failed", ar.cause());
        }
        if (message.replyAddress() != null) {
          message.reply(ar.succeeded() ? new JsonObject().put("loaded", ar.result().loaded()) : null);
        }
      });
    });
    return consumer.completion();
  }

  /** Reloads here, then asks every other node to reload. */
  public Future<ApiRegistry.ReloadReport> reloadGroup() {
    return reloadGroup(false);
  }

  /** Like {@link #reloadGroup()}, passing on whether bundles are fetched again. */
  public Future<ApiRegistry.ReloadReport> reloadGroup(boolean refreshBundles) {
    return registry.reload(refreshBundles).onSuccess(report -> vertx.eventBus().publish(ADDRESS,
        new JsonObject().put(REFRESH_BUNDLES, refreshBundles), new DeliveryOptions().addHeader(ORIGIN_HEADER, nodeId)));
  }

  /** True for a body {@code {"refresh_bundles": true}} (or the string "true"). */
  static boolean refreshRequested(Object body) {
    if (body instanceof JsonObject json) {
      Object flag = json.getValue(REFRESH_BUNDLES);
      return Boolean.TRUE.equals(flag) || "true".equals(flag);
    }
    return false;
  }

  public Future<Void> close() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }
}
