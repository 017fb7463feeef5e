package dev.coproxy.coprocess;

import dev.coproxy.bus.CoprocessAddresses;
import dev.coproxy.bus.LoopLocal;
import dev.coproxy.chain.RequestContext;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The request path's side of a hook call: sends the object to {@link HookDispatchVerticle} with the
 * hook's deadline (local delivery only) and turns every failure into a {@link HookFailure}.
 */
public final class HookClient {

  /** Extra time the caller waits beyond the deadline for the dispatcher's own timeout answer. */
  private static final long GRACE_MILLIS = 250;

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final Vertx vertx;
  private final String idPrefix = Integer.toHexString(System.identityHashCode(this)) + "-";
  private final AtomicLong calls = new AtomicLong();

  public HookClient(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Calls a hook and returns the plugin's reply. */
  public Future<dev.coproxy.proto.Object> call(HookSpec hook, String apiId, dev.coproxy.proto.Object object) {
    return call(hook, apiId, object, null);
  }

  /**
   * Calls a hook for a waiting client: if the client goes away first, the driver is told to cancel
   * the call (a gRPC call is cancelled on the plugin server).
   */
  public Future<dev.coproxy.proto.Object> call(HookSpec hook, String apiId, dev.coproxy.proto.Object object, RequestContext client) {
    long deadline = System.currentTimeMillis() + hook.timeoutMillis();
    String callId = idPrefix + calls.incrementAndGet();
    DeliveryOptions options = new DeliveryOptions()
        .setLocalOnly(true)
        .setSendTimeout(hook.timeoutMillis() + GRACE_MILLIS)
        .addHeader(CoprocessAddresses.HEADER_DRIVER, hook.driver())
        .addHeader(CoprocessAddresses.HEADER_API_ID, apiId)
        .addHeader(CoprocessAddresses.HEADER_DEADLINE, Long.toString(deadline))
        .addHeader(CoprocessAddresses.HEADER_TIMEOUT, Long.toString(hook.timeoutMillis()))
        .addHeader(CoprocessAddresses.HEADER_CALL_ID, callId);
    if (!hook.pluginDirs().isEmpty()) {
      options.addHeader(CoprocessAddresses.HEADER_PLUGIN_DIRS, CoprocessAddresses.joinDirs(hook.pluginDirs()));
    }
    if (client != null) {
      client.onClientGone(() -> vertx.eventBus().publish(
          CoprocessAddresses.driver(hook.driver()) + CoprocessAddresses.CANCEL_SUFFIX, callId, LOCAL));
    }
    Future<dev.coproxy.proto.Object> reply = vertx.eventBus()
        .<dev.coproxy.proto.Object>request(LoopLocal.pick(vertx, CoprocessAddresses.DISPATCH), object, options)
        .map(Message::body)
        .recover(e -> Future.failedFuture(HookFailure.from(e)));
    return client == null ? reply : reply.andThen(ar -> client.onClientGone(null));
  }
}
