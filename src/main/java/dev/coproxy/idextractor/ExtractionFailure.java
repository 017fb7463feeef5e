package dev.coproxy.idextractor;

/**
 * A request the extractor could not turn into an ID (no header, no form value, no regex match,
 * XML that does not parse...). The client gets 400 {@code Authorization field missing}; the message
 * is the reason for the log.
 */
public final class ExtractionFailure extends RuntimeException {

  public ExtractionFailure(String reason) {
    super(reason, null, false, false);
  }
}
