package dev.coproxy.proxy;

import dev.coproxy.config.ConfigException;
import dev.coproxy.config.HttpServerOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.KeyManagerFactory;

/**
 * The Vert.x server options of the traffic port and the control port, both built from
 * {@code http_server_options}: TLS with certificates chosen by SNI, the allowed protocol versions
 * and cipher suites, and a TLS handshake bounded by the header timeout. The certificates are read
 * and checked once, at start-up, so that a bad file stops the gateway with the key that names it.
 */
public final class ServerOptions {

  private static final Pattern PEM_CERT = Pattern.compile("-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----");

  private final HttpServerOptions config;
  private final SniKeyCerts keyCerts;

  private ServerOptions(HttpServerOptions config, SniKeyCerts keyCerts) {
    this.config = config;
    this.keyCerts = keyCerts;
  }

  /**
   * Reads the certificates (on a worker thread) and prepares the options.
   *
   * @return the options, or a {@link ConfigException} naming the certificate that cannot be used
   */
  public static Future<ServerOptions> load(Vertx vertx, HttpServerOptions config) {
    if (!config.useSsl()) {
      return Future.succeededFuture(new ServerOptions(config, null));
    }
    return vertx.executeBlocking(() -> new ServerOptions(config, keyCerts(vertx, config)));
  }

  /** The settings these options come from (the timeouts are applied by {@link ConnectionDeadlines}). */
  public HttpServerOptions config() {
    return config;
  }

  /** Fresh Vert.x options for a server on {@code host} (empty = every interface) and {@code port}. */
  public io.vertx.core.http.HttpServerOptions forPort(String host, int port) {
    // Without HTTP/2, a clear-text connection is an HTTP/1 connection from its first byte on, so
    // its header deadline starts when it is accepted; with h2c on, Vert.x makes the connection
    // only once it has read a first request head, and a silent client escapes the deadline.
    // The gateway serves no WebSockets of its own: without the compression extensions, Vert.x leaves
    // their handler out of every connection's pipeline, which each request and answer crossed.
    io.vertx.core.http.HttpServerOptions options = new io.vertx.core.http.HttpServerOptions().setPort(port)
        .setHttp2ClearTextEnabled(config.enableHttp2())
        .setPerFrameWebSocketCompressionSupported(false)
        .setPerMessageWebSocketCompressionSupported(false);
    if (!host.isEmpty()) {
      options.setHost(host);
    }
    if (keyCerts == null) {
      return options;
    }
    if (config.enableHttp2()) {
      options.setUseAlpn(true).setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1));
    }
    options.setSsl(true).setSni(true).setKeyCertOptions(keyCerts)
        .setSslHandshakeTimeout(config.headerTimeoutMillis()).setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
    if (!config.protocols().isEmpty()) {
      options.setEnabledSecureTransportProtocols(new LinkedHashSet<>(config.protocols()));
    }
    config.ciphers().forEach(options::addEnabledCipherSuite);
    return options;
  }

  // The first certificate answers clients whose name matches none (as Go's Certificates[0]); names
  // come from each certificate (common name, DNS names), and a domain_name maps its name on top.
  private static SniKeyCerts keyCerts(Vertx vertx, HttpServerOptions config) {
    KeyManagerFactory first = null;
    Map<String, KeyManagerFactory> byName = new HashMap<>();
    Map<String, KeyManagerFactory> byDomain = new HashMap<>();
    for (HttpServerOptions.Certificate entry : config.certificates()) {
      X509Certificate cert = firstCertificate(entry.certFile(), entry.key() + ".cert_file");
      KeyManagerFactory kmf = load(vertx, entry.certFile(), entry.keyFile(), entry.key() + ".key_file");
      first = first == null ? kmf : first;
      names(cert).forEach(name -> byName.putIfAbsent(name, kmf));
      if (!entry.domainName().isEmpty()) {
        byDomain.put(entry.domainName().toLowerCase(Locale.ROOT), kmf);
      }
    }
    List<Path> combined = config.sslCertificates();
    for (int i = 0; i < combined.size(); i++) {
      String key = "http_server_options.ssl_certificates[" + i + "]";
      X509Certificate cert = firstCertificate(combined.get(i), key);
      KeyManagerFactory kmf = load(vertx, combined.get(i), combined.get(i), key);
      first = first == null ? kmf : first;
      names(cert).forEach(name -> byName.putIfAbsent(name, kmf));
    }
    byName.putAll(byDomain);
    return new SniKeyCerts(first, byName);
  }

  private static KeyManagerFactory load(Vertx vertx, Path cert, Path key, String keyKey) {
    try {
      return new PemKeyCertOptions().setCertPath(cert.toString()).setKeyPath(key.toString()).getKeyManagerFactory(vertx);
    } catch (Exception e) {
      throw new ConfigException(keyKey, "cannot use " + key.toAbsolutePath() + " as the private key of " + cert.toAbsolutePath()
          + ": " + e.getMessage());
    }
  }

  private static X509Certificate firstCertificate(Path file, String key) {
    try {
      Matcher pem = PEM_CERT.matcher(Files.readString(file));
      if (!pem.find()) {
        throw new ConfigException(key, "cannot read " + file.toAbsolutePath() + ": no PEM certificate in it");
      }
      byte[] der = Base64.getMimeDecoder().decode(pem.group(1));
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    } catch (ConfigException e) {
      throw e;
    } catch (Exception e) {
      throw new ConfigException(key, "cannot read " + file.toAbsolutePath() + ": " + e.getMessage());
    }
  }

  // Malformed names are left out: they could never match a client's server name anyway.
  private static Set<String> names(X509Certificate cert) {
    Set<String> names = new LinkedHashSet<>();
    try {
      for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          names.add(String.valueOf(rdn.getValue()).toLowerCase(Locale.ROOT));
        }
      }
      if (cert.getSubjectAlternativeNames() != null) {
        for (List<?> san : cert.getSubjectAlternativeNames()) {
          if (Integer.valueOf(2).equals(san.get(0))) {
            names.add(String.valueOf(san.get(1)).toLowerCase(Locale.ROOT));
          }
        }
      }
    } catch (javax.naming.InvalidNameException | java.security.cert.CertificateParsingException e) {
      return names;
    }
    return names;
  }
}
