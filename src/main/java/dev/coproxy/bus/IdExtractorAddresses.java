package dev.coproxy.bus;

/** Event-bus addresses of the ID extractor module. The hop is local only: a request never leaves its node. */
public final class IdExtractorAddresses {

  /** Where the auth path sends an {@link Extraction}; {@link IdExtractorVerticle} answers with an {@link Extracted}. */
  public static final String EXTRACT = "coproxy.idextractor.extract";

  private IdExtractorAddresses() {
  }
}
