package dev.coproxy.chain;

import java.util.Map;

/**
 * Stops the chain with an answer for the client. The common form carries a status and a message
 * sent as Tyk's error body {@code {"error": "..."}}; the raw form (a plugin's override) carries the
 * exact body and headers to send.
 */
public final class ChainInterruption extends RuntimeException {

  private final int status;
  private final String body;
  private final Map<String, String> headers;

  private ChainInterruption(int status, String message, String body, Map<String, String> headers) {
    super(message, null, false, false);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }

  /** An error answered with Tyk's JSON error body. */
  public static ChainInterruption error(int status, String message) {
    return new ChainInterruption(status, message, null, Map.of());
  }

  /** An error answered with Tyk's JSON error body and extra response headers. */
  public static ChainInterruption error(int status, String message, Map<String, String> headers) {
    return new ChainInterruption(status, message, null, Map.copyOf(headers));
  }

  /** An answer written exactly as given (body and headers), e.g. from a plugin's override. */
  public static ChainInterruption raw(int status, String body, Map<String, String> headers) {
    return new ChainInterruption(status, body, body, Map.copyOf(headers));
  }

  public int status() {
    return status;
  }

  /** The exact body to send, or null to send the JSON error with {@link #getMessage()}. */
  public String rawBody() {
    return body;
  }

  public Map<String, String> headers() {
    return headers;
  }
}
