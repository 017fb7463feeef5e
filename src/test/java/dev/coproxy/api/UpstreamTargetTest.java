package dev.coproxy.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class UpstreamTargetTest {

  @Test
  void parsesHttpUrl() {
    UpstreamTarget target = UpstreamTarget.parse("http://127.0.0.1:8081/base?k=v");
    assertFalse(target.ssl());
    assertEquals("127.0.0.1", target.host());
    assertEquals(8081, target.port());
    assertEquals("/base", target.basePath());
    assertEquals("k=v", target.baseQuery());
    assertEquals(8081, target.address().port());
    assertEquals("127.0.0.1", target.address().host());
    assertFalse(target.defaultPort());
  }

  @Test
  void defaultPorts() {
    UpstreamTarget http = UpstreamTarget.parse("http://localhost");
    assertEquals(80, http.port());
    assertTrue(http.defaultPort());
    assertEquals("", http.basePath());
    UpstreamTarget https = UpstreamTarget.parse("HTTPS://localhost/x");
    assertTrue(https.ssl());
    assertEquals(443, https.port());
    assertTrue(https.defaultPort());
  }

  @Test
  void ipv6HostLosesItsBrackets() {
    UpstreamTarget target = UpstreamTarget.parse("http://[::1]:9000/");
    assertEquals("::1", target.host());
    assertEquals(9000, target.port());
  }

  @Test
  void surroundingSpaceIsIgnored() {
    assertEquals("localhost", UpstreamTarget.parse("  http://localhost:81/  ").host());
  }

  @Test
  void hostWithUnderscoreIsAccepted() {
    // Docker Compose service names often hold underscores; Tyk (Go's url.Parse) accepts them.
    UpstreamTarget target = UpstreamTarget.parse("http://my_service:8080/api");
    assertEquals("my_service", target.host());
    assertEquals(8080, target.port());
    assertEquals("/api", target.basePath());
  }

  @ParameterizedTest
  @ValueSource(strings = {"ftp://localhost/", "localhost:8080", "127.0.0.1", "", "   ", "http://", "http:///path",
      "http://local host/", "http://[::1/", "mailto:someone@example.com", "http://localhost:99999/", "http://localhost:-5/"})
  void unusableUrlNamesTargetUrl(String url) {
    ConfigException e = assertThrows(ConfigException.class, () -> UpstreamTarget.parse(url));
    assertEquals("proxy.target_url", e.key(), e.getMessage());
  }

  @ParameterizedTest(name = "base \"{0}\" + \"{1}\" ? \"{2}\" -> {3}")
  @CsvSource(delimiter = '|', nullValues = "NULL", emptyValue = "", value = {
      "''      | ''       | NULL | /",
      "''      | /        | NULL | /",
      "''      | /x       | NULL | /x",
      "''      | x        | NULL | /x",
      "/b      | ''       | NULL | /b",
      "/b/     | ''       | NULL | /b/",
      "/b      | /        | NULL | /b/",
      "/b      | /x       | NULL | /b/x",
      "/b/     | /x       | NULL | /b/x",
      "/b      | x        | NULL | /b/x",
      "/b/     | x        | NULL | /b/x",
      "/b      | /x/y/    | NULL | /b/x/y/",
      "/b      | /x       | ''   | /b/x",
      "/b      | /x       | q=1  | /b/x?q=1",
      "''      | ''       | q=1  | /?q=1"})
  void joinsBasePathAndRequestPath(String basePath, String path, String query, String expected) {
    UpstreamTarget target = UpstreamTarget.parse("http://localhost" + basePath);
    assertEquals(expected, target.join(path, query));
  }

  @Test
  void baseQueryComesFirst() {
    UpstreamTarget target = UpstreamTarget.parse("http://localhost/b?fixed=1");
    assertEquals("/b/x?fixed=1&a=2", target.join("/x", "a=2"));
    assertEquals("/b/x?fixed=1", target.join("/x", null));
    assertEquals("/b/x?fixed=1", target.join("/x", ""));
    assertEquals("/b?fixed=1", target.join("", null));
  }

  @Test
  void encodedPartsStayEncoded() {
    UpstreamTarget target = UpstreamTarget.parse("http://localhost/a%20b?x=%26");
    assertEquals("/a%20b", target.basePath());
    assertEquals("x=%26", target.baseQuery());
    assertEquals("/a%20b/c%2Fd?x=%26&y=%20", target.join("/c%2Fd", "y=%20"));
  }
}
