package dev.coproxy.coprocess.grpc;

import dev.coproxy.config.ConfigException;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code coprocess_options.grpc_tls} (an extension Tyk lacks): TLS to the plugin server, with
 * {@code ca_file} (PEM; the JVM's trust store when absent), and {@code cert_file} + {@code key_file}
 * (PEM) for mTLS. Off when the object is absent, empty or has {@code enabled: false}. Read at start.
 */
final class GrpcTls {

  private static final String KEY = "coprocess_options.grpc_tls";

  private GrpcTls() {
  }

  /**
   * Turns TLS on in {@code http} when configured.
   *
   * @throws ConfigException when a file is missing or only one of cert_file and key_file is set
   */
  static void apply(HttpClientOptions http, JsonObject tls) {
    if (tls == null || tls.isEmpty() || !tls.getBoolean("enabled", true)) {
      return;
    }
    http.setSsl(true).setUseAlpn(true).setVerifyHost(true);
    String ca = tls.getString("ca_file", "");
    if (!ca.isEmpty()) {
      http.setTrustOptions(new PemTrustOptions().addCertPath(existing(ca, "ca_file")));
    }
    String cert = tls.getString("cert_file", "");
    String key = tls.getString("key_file", "");
    if (cert.isEmpty() != key.isEmpty()) {
      throw new ConfigException(KEY, "cert_file and key_file go together");
    }
    if (!cert.isEmpty()) {
      http.setKeyCertOptions(new PemKeyCertOptions().setCertPath(existing(cert, "cert_file")).setKeyPath(existing(key, "key_file")));
    }
  }

  private static String existing(String file, String name) {
    if (!Files.isReadable(Path.of(file))) {
      throw new ConfigException(KEY, name + " " + file + " cannot be read");
    }
    return file;
  }
}
