package dev.coproxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.config.ConfigException;
import dev.coproxy.testing.Certs;
import dev.coproxy.testing.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code http_server_options.use_ssl}: certificates chosen by SNI (by the names they hold, by
 * {@code domain_name}, and from {@code ssl_certificates}), {@code ssl_ciphers}, {@code min_version},
 * the control port on TLS too, and a certificate that cannot be used stopping start-up.
 */
class TlsIT {

  private static final String CIPHER = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";

  private static Path dir;
  private static Certs.Pair a;
  private static Certs.Pair b;
  private static Certs.Pair other;
  private static Certs.Pair d;
  private static TestGateway gw;
  private static int controlPort;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("coproxy-tls");
    a = Certs.make(dir, "a.localhost");
    b = Certs.make(dir, "b.localhost");
    other = Certs.make(dir, "other.test");
    d = Certs.make(dir, "d.localhost");
    controlPort = freePort();
    gw = TestGateway.start(new JsonObject()
        .put("control_api_port", controlPort)
        .put("http_server_options", new JsonObject()
            .put("use_ssl", true)
            .put("certificates", new JsonArray()
                .add(entry("", a))
                .add(entry("", b))
                .add(entry("c.localhost", other)))
            .put("ssl_certificates", new JsonArray().add(Certs.combined(d).toString()))
            .put("ssl_ciphers", new JsonArray().add(CIPHER.toLowerCase()))), Map.of());
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
  }

  @Test
  void sniChoosesTheCertificateOfTheName() throws Exception {
    assertEquals("CN=a.localhost", subject(gw.port(), "a.localhost"));
    assertEquals("CN=b.localhost", subject(gw.port(), "b.localhost"));
    assertEquals("CN=other.test", subject(gw.port(), "c.localhost"), "domain_name maps a name onto its certificate");
    assertEquals("CN=d.localhost", subject(gw.port(), "d.localhost"), "ssl_certificates");
    assertEquals("CN=a.localhost", subject(gw.port(), null), "no name: the first certificate");
    assertEquals("CN=a.localhost", subject(gw.port(), "unknown.localhost"), "unknown name: the first certificate");
  }

  @Test
  void trafficAndControlPortsAnswerOverTls() throws Exception {
    assertEquals(200, hello(gw.port(), "b.localhost"));
    assertEquals(200, hello(controlPort, "b.localhost"));
    assertEquals("CN=b.localhost", subject(controlPort, "b.localhost"));
  }

  @Test
  void tls12UsesOnlyTheConfiguredCiphersAndTls13StaysOn() throws Exception {
    try (SSLSocket socket = connect(gw.port(), "a.localhost", "TLSv1.2")) {
      assertEquals(CIPHER, socket.getSession().getCipherSuite());
    }
    try (SSLSocket socket = connect(gw.port(), "a.localhost", "TLSv1.3")) {
      assertEquals("TLSv1.3", socket.getSession().getProtocol());
    }
    SSLSocket refused = socket(gw.port(), "a.localhost", "TLSv1.2");
    refused.setEnabledCipherSuites(new String[] {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"});
    try (refused) {
      assertThrows(SSLHandshakeException.class, refused::startHandshake);
    }
  }

  @Test
  void minVersionRefusesOlderClientsAndEnableHttp2OffersH2() throws Exception {
    try (TestGateway tls13 = TestGateway.start(new JsonObject().put("http_server_options", new JsonObject()
        .put("use_ssl", true).put("min_version", 772).put("enable_http2", true)
        .put("certificates", new JsonArray().add(entry("", a)))), Map.of())) {
      try (SSLSocket socket = connect(tls13.port(), "a.localhost", "TLSv1.3")) {
        assertEquals("TLSv1.3", socket.getSession().getProtocol());
      }
      assertEquals("h2", alpn(tls13.port()));
      assertEquals("http/1.1", alpn(gw.port()), "without enable_http2");
      SSLSocket old = socket(tls13.port(), "a.localhost", "TLSv1.2");
      try (old) {
        assertThrows(SSLHandshakeException.class, old::startHandshake);
      }
    }
  }

  @Test
  void aFileThatIsNoCertificateStopsStartUpNamingTheKey() throws Exception {
    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");
    JsonObject options = new JsonObject().put("use_ssl", true)
        .put("certificates", new JsonArray().add(new JsonObject().put("cert_file", garbage.toString()).put("key_file", a.key().toString())));
    Exception e = assertThrows(Exception.class, () -> TestGateway.start(new JsonObject().put("http_server_options", options), Map.of()));
    ConfigException config = e instanceof ConfigException c ? c : (ConfigException) e.getCause();
    assertEquals("http_server_options.certificates[0].cert_file", config.key());
    assertTrue(config.getMessage().contains("cannot read"), config.getMessage());

    JsonObject wrongKey = new JsonObject().put("use_ssl", true)
        .put("certificates", new JsonArray().add(new JsonObject().put("cert_file", a.cert().toString()).put("key_file", garbage.toString())));
    e = assertThrows(Exception.class, () -> TestGateway.start(new JsonObject().put("http_server_options", wrongKey), Map.of()));
    config = e instanceof ConfigException c ? c : (ConfigException) e.getCause();
    assertEquals("http_server_options.certificates[0].key_file", config.key());
  }

  // The protocol the gateway picks when the client offers HTTP/2 and HTTP/1.1 (empty: no ALPN at all).
  private static String alpn(int port) throws Exception {
    SSLSocket socket = socket(port, "a.localhost");
    SSLParameters parameters = socket.getSSLParameters();
    parameters.setApplicationProtocols(new String[] {"h2", "http/1.1"});
    socket.setSSLParameters(parameters);
    try (socket) {
      socket.startHandshake();
      String chosen = socket.getApplicationProtocol();
      return chosen == null || chosen.isEmpty() ? "http/1.1" : chosen;
    }
  }

  private static JsonObject entry(String domain, Certs.Pair pair) {
    return new JsonObject().put("domain_name", domain).put("cert_file", pair.cert().toString()).put("key_file", pair.key().toString());
  }

  private static String subject(int port, String name) throws Exception {
    try (SSLSocket socket = connect(port, name)) {
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
    }
  }

  private static int hello(int port, String name) throws Exception {
    try (SSLSocket socket = connect(port, name)) {
      socket.getOutputStream().write(("GET /hello HTTP/1.1\r\nHost: " + name + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = socket.getInputStream();
      String all = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      return Integer.parseInt(all.split(" ", 3)[1]);
    }
  }

  private static SSLSocket connect(int port, String name, String... protocols) throws Exception {
    SSLSocket socket = socket(port, name, protocols);
    socket.startHandshake();
    return socket;
  }

  private static SSLSocket socket(int port, String name, String... protocols) throws Exception {
    SSLSocket socket = (SSLSocket) Certs.trustAll().getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port);
    socket.setSoTimeout(10_000);
    SSLParameters parameters = socket.getSSLParameters();
    if (name != null) {
      parameters.setServerNames(List.of(new SNIHostName(name)));
    }
    if (protocols.length > 0) {
      parameters.setProtocols(protocols);
    }
    socket.setSSLParameters(parameters);
    return socket;
  }

  private static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return probe.getLocalPort();
    }
  }
}
