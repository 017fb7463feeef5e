package dev.coproxy.config;

/**
 * Tyk's {@code http_server_options} section of {@code tyk.conf}: how the traffic port treats
 * incoming requests. Read once at start-up.
 *
 * @param skipUrlCleaning {@code skip_url_cleaning}: keep the request path as the client wrote it
 *     (dot segments, repeated slashes) instead of answering 301 with the clean path; default false
 */
public record HttpServerOptions(boolean skipUrlCleaning) {

  /** The defaults: paths are cleaned. */
  public static final HttpServerOptions DEFAULTS = new HttpServerOptions(false);

  /** Reads the section; {@code r} is the reader of {@code http_server_options} (empty when absent). */
  public static HttpServerOptions from(JsonReader r) {
    return new HttpServerOptions(r.bool("skip_url_cleaning", false));
  }
}
