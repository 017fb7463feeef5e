package dev.coproxy.proxy;

import io.vertx.core.Vertx;
import io.vertx.core.net.KeyCertOptions;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import javax.net.ssl.KeyManagerFactory;

/**
 * The server certificates of a TLS port, chosen by the name the client asks for (SNI) as Go's
 * crypto/tls does for Tyk: an exact name first, then the wildcard of its first label; a client that
 * names nothing, or a name no certificate holds, gets the first certificate configured.
 */
final class SniKeyCerts implements KeyCertOptions {

  private final KeyManagerFactory first;
  private final Map<String, KeyManagerFactory> byName;

  /**
   * @param first the certificate for clients without a matching name
   * @param byName certificates by lower-case host name, wildcards written {@code *.example.com}
   */
  SniKeyCerts(KeyManagerFactory first, Map<String, KeyManagerFactory> byName) {
    this.first = first;
    this.byName = Map.copyOf(byName);
  }

  /** Immutable: Vert.x copies server options, and every copy may share this one. */
  @Override
  public KeyCertOptions copy() {
    return this;
  }

  @Override
  public KeyManagerFactory getKeyManagerFactory(Vertx vertx) {
    return first;
  }

  @Override
  public Function<String, KeyManagerFactory> keyManagerFactoryMapper(Vertx vertx) {
    return this::lookup;
  }

  /** The certificate for a server name, or null for the default one. */
  KeyManagerFactory lookup(String serverName) {
    if (serverName == null || serverName.isEmpty()) {
      return null;
    }
    String name = serverName.toLowerCase(Locale.ROOT);
    KeyManagerFactory exact = byName.get(name);
    if (exact != null) {
      return exact;
    }
    int dot = name.indexOf('.');
    return dot < 0 ? null : byName.get("*" + name.substring(dot));
  }
}
