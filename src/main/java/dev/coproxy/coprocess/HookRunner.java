package dev.coproxy.coprocess;

import dev.coproxy.log.RateLimitedLog;
import io.vertx.core.Future;
import java.lang.System.Logger.Level;

/**
 * Calls one configured hook and accounts for it: times the call, counts failures by reason, and
 * logs a failure with the API id and hook name (at most once a second per hook, so a broken plugin
 * under traffic does not flood the log).
 */
final class HookRunner {

  private static final System.Logger LOG = System.getLogger(HookRunner.class.getName());

  private final HookSpec hook;
  private final String apiId;
  private final HookClient client;
  private final HookMeters meters;
  private final RateLimitedLog log = RateLimitedLog.perSecond(LOG);

  HookRunner(HookSpec hook, String apiId, HookClient client, HookMeters meters) {
    this.hook = hook;
    this.apiId = apiId;
    this.client = client;
    this.meters = meters;
  }

  HookSpec hook() {
    return hook;
  }

  /** The plugin's reply, or a failed {@link HookFailure} that is already counted and logged. */
  Future<dev.coproxy.proto.Object> call(dev.coproxy.proto.Object object) {
    return call(object, null);
  }

  /** As {@link #call(dev.coproxy.proto.Object)}, cancelled at the driver if {@code waiting}'s client leaves. */
  Future<dev.coproxy.proto.Object> call(dev.coproxy.proto.Object object, dev.coproxy.chain.RequestContext waiting) {
    long start = System.nanoTime();
    return client.call(hook, apiId, object, waiting).transform(ar -> {
      meters.duration(System.nanoTime() - start);
      if (ar.succeeded()) {
        return Future.succeededFuture(ar.result());
      }
      return Future.failedFuture(failed(HookFailure.from(ar.cause())));
    });
  }

  /** Counts and logs a failure found while applying a reply. */
  HookFailure failed(HookFailure failure) {
    meters.failure(failure.reason());
    log.log(Level.ERROR, () -> "api " + apiId + ": " + hook.key() + " hook \"" + hook.name() + "\" (driver " + hook.driver()
        + ") failed [" + failure.reason().label() + "]: " + failure.getMessage());
    return failure;
  }
}
