package dev.coproxy.idextractor;

import dev.coproxy.chain.ChainInterruption;
import dev.coproxy.chain.RequestContext;
import dev.coproxy.log.RateLimitedLog;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import java.lang.System.Logger.Level;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * One API's auth cache as its {@code auth_check} uses it (Tyk's section 9.4): asks
 * {@link IdExtractorVerticle} for the request's ID and stored session, decides hit (a session whose
 * {@code id_extractor_deadline} is still ahead) or miss, and counts both. A request that gives no
 * ID fails with 400 {@code Authorization field missing}; the reason is logged (at most once a
 * second per API, so bad clients do not flood the log).
 */
public final class IdCache {

  /** The answer to every extraction failure, as Tyk gives it. */
  public static final String MISSING = "Authorization field missing";

  private static final System.Logger LOG = System.getLogger(IdCache.class.getName());

  /**
   * @param found the ID, its storage id and the stored session (if any)
   * @param hit true when the stored session is used without calling the plugin
   */
  public record Lookup(Extracted found, boolean hit) {
  }

  private final IdExtractor extractor;
  private final IdExtractorClient client;
  private final IdExtractorMeters meters;
  private final LongSupplier clockMillis;
  private final RateLimitedLog log = RateLimitedLog.perSecond(LOG);

  public IdCache(IdExtractor extractor, IdExtractorClient client, IdExtractorMeters meters, LongSupplier clockMillis) {
    this.extractor = extractor;
    this.client = client;
    this.meters = meters;
    this.clockMillis = clockMillis;
  }

  /**
   * Finds the ID of the request and whether its cached session can be used, and goes on with
   * {@code then} in the same stage (each stage of a future chain is a callback and an object more
   * on the request path).
   */
  public <T> Future<T> lookup(RequestContext ctx, Function<Lookup, Future<T>> then) {
    RequestMaterial material = new RequestMaterial(ctx.headers(), ctx.query(), ctx.body(), ctx.method().name());
    return client.extract(extractor, material).transform(ar -> {
      if (ar.failed()) {
        return Future.failedFuture(failed(ar.cause()));
      }
      Extracted found = ar.result().body();
      boolean hit = found.cachedAt(clockMillis.getAsLong() / 1000);
      if (hit) {
        meters.hit();
      } else {
        meters.miss();
      }
      return then.apply(new Lookup(found, hit));
    });
  }

  private ChainInterruption failed(Throwable cause) {
    meters.error();
    boolean badRequest = cause instanceof ReplyException reply && reply.failureCode() == IdExtractorVerticle.EXTRACTION_FAILED;
    log.log(badRequest ? Level.INFO : Level.ERROR, () -> "api " + extractor.apiId() + ": id extractor ("
        + extractor.source().key() + ") " + (badRequest ? "refused the request: " : "failed: ") + cause.getMessage());
    return badRequest ? ChainInterruption.error(400, MISSING) : ChainInterruption.error(500, "Internal Server Error");
  }
}
