package dev.coproxy.idextractor;

import dev.coproxy.bus.IdExtractorAddresses;
import dev.coproxy.bus.LoopLocal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;

/** The request path's side of {@link IdExtractorVerticle}: one local request per extraction, no copies. */
public final class IdExtractorClient {

  private static final long TIMEOUT_MILLIS = 10_000;

  private final Vertx vertx;
  private final LoopLocal.Target target;
  private final DeliveryOptions options = new DeliveryOptions().setLocalOnly(true).setSendTimeout(TIMEOUT_MILLIS);

  public IdExtractorClient(Vertx vertx) {
    this.vertx = vertx;
    this.target = LoopLocal.target(vertx, IdExtractorAddresses.EXTRACT);
  }

  /**
   * The answer holding the ID and cached session of a request (the message itself: the caller takes
   * its body in its own stage); fails with a {@link io.vertx.core.eventbus.ReplyException}.
   */
  public Future<Message<Extracted>> extract(IdExtractor extractor, RequestMaterial material) {
    return vertx.eventBus().request(target.pick(), new Extraction(extractor, material), options);
  }
}
