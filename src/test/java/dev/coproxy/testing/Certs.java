package dev.coproxy.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyManagementException;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Self-signed certificates made for a test by the {@code openssl} command (installed by
 * {@code .ci/run}), and a client TLS context that accepts any of them.
 */
public final class Certs {

  private Certs() {
  }

  /** A certificate and its private key, as PEM files. */
  public record Pair(Path cert, Path key) {
  }

  /** Makes an RSA certificate for {@code name} (common name and DNS name) in {@code dir}. */
  public static Pair make(Path dir, String name) throws IOException, InterruptedException {
    Path cert = dir.resolve(name + ".crt");
    Path key = dir.resolve(name + ".key");
    Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", "/CN=" + name, "-addext", "subjectAltName=DNS:" + name,
        "-keyout", key.toString(), "-out", cert.toString())
        .redirectErrorStream(true).start();
    String output = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!openssl.waitFor(30, TimeUnit.SECONDS) || openssl.exitValue() != 0) {
      throw new IOException("openssl failed: " + output);
    }
    return new Pair(cert, key);
  }

  /** The key and the certificate in one file, as Tyk's ssl_certificates takes them. */
  public static Path combined(Pair pair) throws IOException {
    Path file = pair.cert().resolveSibling(pair.cert().getFileName() + ".combined.pem");
    Files.writeString(file, Files.readString(pair.key()) + Files.readString(pair.cert()));
    return file;
  }

  /** A TLS context that trusts every server certificate: the tests check the certificate themselves. */
  public static SSLContext trustAll() throws NoSuchAlgorithmException, KeyManagementException {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    }}, null);
    return context;
  }
}
