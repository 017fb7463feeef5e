package dev.coproxy.idextractor;

import dev.coproxy.bus.IdExtractorAddresses;
import dev.coproxy.bus.LocalCodec;
import dev.coproxy.bus.LoopLocal;
import dev.coproxy.session.SessionRepository;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;

/**
 * The auth cache of {@code auth_check} APIs (Tyk's ID extractor), on {@link IdExtractorAddresses#EXTRACT}:
 * runs the API's extractor over the request material, makes the ID, and answers with it and the
 * session stored under it, if any (the cache lives in the session store, so it is as wide as the
 * store). An input that gives no ID fails the message with code {@link #EXTRACTION_FAILED} and the
 * reason. One instance per event loop, reached loop-locally like the drivers.
 */
public final class IdExtractorVerticle extends VerticleBase {

  /** Failure code of a request that gave no ID (answered 400 to the client). */
  public static final int EXTRACTION_FAILED = 400;
  /** Failure code of a session store that could not answer. */
  public static final int STORE_FAILED = 500;

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final SessionRepository sessions;

  public IdExtractorVerticle(SessionRepository sessions) {
    this.sessions = sessions;
  }

  /** Registers the local codecs of this module's messages; once per Vert.x instance, before the first request. */
  public static void registerCodecs(EventBus bus) {
    bus.registerDefaultCodec(Extraction.class, new LocalCodec<>(Extraction.class));
    bus.registerDefaultCodec(Extracted.class, new LocalCodec<>(Extracted.class));
  }

  @Override
  public Future<?> start() {
    return LoopLocal.consume(vertx, context, IdExtractorAddresses.EXTRACT, this::extract);
  }

  private void extract(Message<Extraction> message) {
    Extraction extraction = message.body();
    String id;
    try {
      id = extraction.extractor().id(extraction.material());
    } catch (ExtractionFailure e) {
      message.fail(EXTRACTION_FAILED, e.getMessage());
      return;
    } catch (RuntimeException e) {
      message.fail(EXTRACTION_FAILED, "extractor error: " + e);
      return;
    }
    String storageId = sessions.storageId(id);
    sessions.findByStorageId(storageId).onComplete(ar -> {
      if (ar.succeeded()) {
        message.reply(new Extracted(id, storageId, ar.result()), LOCAL);
      } else {
        message.fail(STORE_FAILED, "session store lookup failed: " + ar.cause().getMessage());
      }
    });
  }
}
