package dev.coproxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code http_server_options}: Tyk's defaults and numbers, and the key named by every refusal. */
class HttpServerOptionsTest {

  @TempDir
  Path dir;

  @Test
  void defaultsAreTyksTimeoutsAndNoTls() {
    HttpServerOptions options = read(new JsonObject());
    assertFalse(options.useSsl());
    assertFalse(options.enableHttp2());
    assertFalse(options.skipUrlCleaning());
    assertEquals(120_000, options.readTimeoutMillis());
    assertEquals(120_000, options.writeTimeoutMillis());
    assertEquals(10_000, options.headerTimeoutMillis());
    assertEquals(120_000, options.idleTimeoutMillis(), "Go's idle timeout is the read timeout when unset");
    assertEquals(List.of(), options.protocols());
    assertEquals(List.of(), options.ciphers());
  }

  @Test
  void zeroMeansTheDefaultAndTheIdleTimeoutFollowsTheReadTimeout() {
    HttpServerOptions options = read(new JsonObject().put("read_timeout", 5).put("write_timeout", 0).put("read_header_timeout", 0));
    assertEquals(5_000, options.readTimeoutMillis());
    assertEquals(120_000, options.writeTimeoutMillis());
    assertEquals(5_000, options.headerTimeoutMillis(), "the head is part of the request: never longer than read_timeout");
    assertEquals(5_000, options.idleTimeoutMillis());
    assertEquals(1_500, read(new JsonObject().put("idle_timeout", 1.5)).idleTimeoutMillis());
    assertTrue(read(new JsonObject().put("skip_url_cleaning", true)).skipUrlCleaning());
  }

  @Test
  void goVersionNumbersBecomeJdkProtocols() {
    assertEquals(List.of("TLSv1.2", "TLSv1.3"), read(new JsonObject().put("min_version", 771)).protocols());
    assertEquals(List.of("TLSv1.3"), read(new JsonObject().put("min_version", 772)).protocols());
    assertEquals(List.of("TLSv1.2"), read(new JsonObject().put("max_version", 771)).protocols());
    assertEquals(List.of("TLSv1", "TLSv1.1"), read(new JsonObject().put("min_version", 769).put("max_version", 770)).protocols());
    assertRefused(new JsonObject().put("min_version", 768), "http_server_options.min_version");
    assertRefused(new JsonObject().put("max_version", 999), "http_server_options.max_version");
    assertRefused(new JsonObject().put("min_version", 772).put("max_version", 771), "http_server_options.max_version");
  }

  @Test
  void goCipherNamesBecomeJdkNamesAndTls13SuitesStay() {
    List<String> ciphers = read(new JsonObject().put("ssl_ciphers", new JsonArray()
        .add("tls_ecdhe_rsa_with_aes_128_gcm_sha256").add("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305"))).ciphers();
    assertEquals(List.of("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"), ciphers);
    ConfigException e = assertRefused(new JsonObject().put("ssl_ciphers", new JsonArray().add("TLS_NO_SUCH_CIPHER")),
        "http_server_options.ssl_ciphers");
    assertTrue(e.getMessage().contains("TLS_NO_SUCH_CIPHER"), e.getMessage());
  }

  @Test
  void certificatesMustBeReadable() throws Exception {
    Path cert = Files.writeString(dir.resolve("a.crt"), "x");
    Path key = Files.writeString(dir.resolve("a.key"), "x");
    HttpServerOptions options = read(new JsonObject().put("use_ssl", true).put("certificates", new JsonArray()
        .add(new JsonObject().put("domain_name", "a.localhost").put("cert_file", cert.toString()).put("key_file", key.toString()))));
    assertEquals(List.of(new HttpServerOptions.Certificate("a.localhost", cert, key, "http_server_options.certificates[0]")),
        options.certificates());
    ConfigException e = assertRefused(new JsonObject().put("certificates", new JsonArray()
        .add(new JsonObject().put("cert_file", cert.toString()).put("key_file", key.toString()))
        .add(new JsonObject().put("cert_file", dir.resolve("missing.crt").toString()).put("key_file", key.toString()))),
        "http_server_options.certificates[1].cert_file");
    assertTrue(e.getMessage().contains("cannot read"), e.getMessage());
    assertRefused(new JsonObject().put("certificates", new JsonArray().add(new JsonObject().put("cert_file", cert.toString()))),
        "http_server_options.certificates[0].key_file");
    assertRefused(new JsonObject().put("ssl_certificates", new JsonArray().add("some-store-id")), "http_server_options.ssl_certificates[0]");
    assertRefused(new JsonObject().put("use_ssl", true), "http_server_options.certificates");
  }

  private static HttpServerOptions read(JsonObject options) {
    return HttpServerOptions.from(new JsonReader(new JsonObject().put("http_server_options", options)));
  }

  private static ConfigException assertRefused(JsonObject options, String key) {
    ConfigException e = assertThrows(ConfigException.class, () -> read(options));
    assertEquals(key, e.key(), e.getMessage());
    return e;
  }
}
