package dev.coproxy.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Tyk's {@code http_server_options}: TLS on the traffic and control ports, the connection
 * timeouts, and URL cleaning. Read once at start-up; both servers build their Vert.x options from it.
 *
 * @param useSsl {@code use_ssl}: serve HTTPS instead of HTTP
 * @param enableHttp2 {@code enable_http2}: HTTP/2 as well, by ALPN over TLS and by prior knowledge
 *     or upgrade (h2c) in clear text
 * @param certificates {@code certificates}: PEM certificate and key files, chosen by SNI
 * @param sslCertificates {@code ssl_certificates}: files holding a certificate and its key together
 * @param protocols JDK protocol names allowed by {@code min_version} / {@code max_version}; empty = the JDK's defaults
 * @param ciphers JDK names of {@code ssl_ciphers} (plus the TLS 1.3 suites); empty = the JDK's defaults
 * @param readTimeoutMillis {@code read_timeout}: a request's head and body must arrive within it
 * @param writeTimeoutMillis {@code write_timeout}: a response must be written within it of its request's head
 * @param headerTimeoutMillis {@code read_header_timeout} (Coproxy): a new connection must send a
 *     complete request head within it; never more than the read timeout
 * @param idleTimeoutMillis {@code idle_timeout} (Coproxy): a keep-alive connection must send its
 *     next complete request head within it of the last response
 * @param skipUrlCleaning {@code skip_url_cleaning}
 */
public record HttpServerOptions(
    boolean useSsl,
    boolean enableHttp2,
    List<Certificate> certificates,
    List<Path> sslCertificates,
    List<String> protocols,
    List<String> ciphers,
    long readTimeoutMillis,
    long writeTimeoutMillis,
    long headerTimeoutMillis,
    long idleTimeoutMillis,
    boolean skipUrlCleaning) {

  /** Tyk's read and write timeout when the key is unset or 0. */
  public static final double DEFAULT_TIMEOUT_SECONDS = 120;
  /** Coproxy's header timeout when the key is unset or 0. */
  public static final double DEFAULT_HEADER_TIMEOUT_SECONDS = 10;

  /**
   * One {@code certificates} entry.
   *
   * @param domainName {@code domain_name}: the SNI name this certificate answers, besides the names it holds
   * @param certFile {@code cert_file}
   * @param keyFile {@code key_file}
   * @param key the dotted key of the entry, for error messages
   */
  public record Certificate(String domainName, Path certFile, Path keyFile, String key) {
  }

  /** Reads {@code http_server_options} from the top-level reader and validates it. */
  public static HttpServerOptions from(JsonReader top) {
    JsonReader r = top.child("http_server_options");
    boolean useSsl = r.bool("use_ssl", false);
    List<Certificate> certificates = certificates(r);
    List<Path> combined = new ArrayList<>();
    List<String> combinedNames = r.strings("ssl_certificates");
    for (int i = 0; i < combinedNames.size(); i++) {
      combined.add(readable(combinedNames.get(i), r.path("ssl_certificates") + "[" + i + "]",
          " (Coproxy takes file paths here, not certificate store IDs)"));
    }
    if (useSsl && certificates.isEmpty() && combined.isEmpty()) {
      throw new ConfigException(r.path("certificates"), "use_ssl is true but no certificate is configured"
          + " (set certificates or ssl_certificates)");
    }
    List<String> protocols = TlsNames.protocols((int) r.integer("min_version", 0, 0, 65535),
        (int) r.integer("max_version", 0, 0, 65535), r.path("min_version"), r.path("max_version"));
    List<String> ciphers = TlsNames.ciphers(r.strings("ssl_ciphers"), r.path("ssl_ciphers"));
    long read = millis(r.decimal("read_timeout", 0, 0, 86400), DEFAULT_TIMEOUT_SECONDS);
    long write = millis(r.decimal("write_timeout", 0, 0, 86400), DEFAULT_TIMEOUT_SECONDS);
    long header = Math.min(read, millis(r.decimal("read_header_timeout", 0, 0, 86400), DEFAULT_HEADER_TIMEOUT_SECONDS));
    long idle = millis(r.decimal("idle_timeout", 0, 0, 86400), read / 1000.0);
    return new HttpServerOptions(useSsl, r.bool("enable_http2", false), certificates, List.copyOf(combined), protocols, ciphers, read, write, header, idle,
        r.bool("skip_url_cleaning", false));
  }

  private static List<Certificate> certificates(JsonReader r) {
    JsonArray entries = r.array("certificates");
    List<Certificate> out = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      String key = r.path("certificates") + "[" + i + "]";
      if (!(entries.getValue(i) instanceof JsonObject entry)) {
        throw new ConfigException(key, "must be an object with cert_file and key_file");
      }
      JsonReader e = new JsonReader(entry, key);
      Path cert = readable(e.string("cert_file", ""), e.path("cert_file"), "");
      Path privateKey = readable(e.string("key_file", ""), e.path("key_file"), "");
      out.add(new Certificate(e.string("domain_name", "").trim(), cert, privateKey, key));
    }
    return List.copyOf(out);
  }

  private static Path readable(String file, String key, String hint) {
    if (file.isBlank()) {
      throw new ConfigException(key, "must name a PEM file");
    }
    Path path = Path.of(file);
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw new ConfigException(key, "cannot read " + path.toAbsolutePath() + hint);
    }
    return path;
  }

  // Go's zero value, what an unset key reads as, means the default, as in Tyk.
  private static long millis(double seconds, double fallbackSeconds) {
    return Math.max(1, Math.round((seconds == 0 ? fallbackSeconds : seconds) * 1000));
  }
}
