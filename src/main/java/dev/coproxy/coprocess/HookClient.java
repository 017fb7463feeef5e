package dev.coproxy.coprocess;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;

/**
 * The request path's side of a hook call: sends the object to {@link HookDispatchVerticle} with the
 * hook's deadline (local delivery only) and turns every failure into a {@link HookFailure}.
 */
public final class HookClient {

  /** Extra time the caller waits beyond the deadline for the dispatcher's own timeout answer. */
  private static final long GRACE_MILLIS = 250;

  private final Vertx vertx;

  public HookClient(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Calls a hook and returns the plugin's reply. */
  public Future<dev.coproxy.proto.Object> call(HookSpec hook, String apiId, dev.coproxy.proto.Object object) {
    long deadline = System.currentTimeMillis() + hook.timeoutMillis();
    DeliveryOptions options = new DeliveryOptions()
        .setLocalOnly(true)
        .setSendTimeout(hook.timeoutMillis() + GRACE_MILLIS)
        .addHeader(CoprocessAddresses.HEADER_DRIVER, hook.driver())
        .addHeader(CoprocessAddresses.HEADER_API_ID, apiId)
        .addHeader(CoprocessAddresses.HEADER_DEADLINE, Long.toString(deadline))
        .addHeader(CoprocessAddresses.HEADER_TIMEOUT, Long.toString(hook.timeoutMillis()));
    if (!hook.pluginDirs().isEmpty()) {
      options.addHeader(CoprocessAddresses.HEADER_PLUGIN_DIRS, CoprocessAddresses.joinDirs(hook.pluginDirs()));
    }
    return vertx.eventBus().<dev.coproxy.proto.Object>request(LoopLocal.pick(vertx, CoprocessAddresses.DISPATCH), object, options)
        .map(Message::body)
        .recover(e -> Future.failedFuture(HookFailure.from(e)));
  }
}
