package dev.coproxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** What {@link PathCleaner} makes of raw request paths, with cleaning on (the default) and off. */
class PathCleanerTest {

  private final PathCleaner cleaning = new PathCleaner(false);
  private final PathCleaner skipping = new PathCleaner(true);

  @ParameterizedTest
  @ValueSource(strings = {"/", "", "/a", "/a/b/", "/pub/x.json", "/a/b.c/d", "/a;v=1/b", "/a..b", "/a/b..",
      "/a/...", "/.well-known/x", "/a/%2ebashrc", "/a/%41", "/files/a%2fb", "/a%2Fb/c", "/a/%5c", "/x;..", "*"})
  void cleanPathsComeBackAsTheSameInstance(String raw) {
    // A copy, so that "the same instance" cannot be an interned literal.
    String path = new String(raw);
    assertSame(path, cleaning.clean(path));
    assertSame(path, skipping.clean(path));
  }

  @ParameterizedTest
  @CsvSource(delimiter = ' ', value = {
      "/a/./b /a/b",
      "/a/../b /b",
      "/../a /a",
      "/.. /",
      "/. /",
      "//a//b /a/b",
      "//priv/secret /priv/secret",
      "/a// /a/",
      "/// /",
      "/a/%2e%2e/b /b",
      "/a/%2E%2e/b /b",
      "/a/%2E%2E/b /b",
      "/a/.%2e/b /b",
      "/a/%2e./b /b",
      "/a/%2e/b /a/b",
      "/a/%2E/b /a/b",
      "/a/b/.. /a/",
      "/a/b/. /a/b/",
      "/a/b/../ /a/",
      "/a/b/c/../../d /a/d",
      "/a/../../../b /b",
      "/pub/../priv/secret /priv/secret",
      "/pub/%2e%2e/priv/secret /priv/secret",
      "/pub/.%2e/priv/secret /priv/secret",
      "/pub/../tyk/keys /tyk/keys",
      "/a/./%2fb /a/%2fb",
      "/a/../x%20y /x%20y",
      "/a/./b;v=1 /a/b;v=1",
      "/a;v=1/../b /b",
      "/%2e%2e /",
      "/a/%2e%2e /",
      "/a/b/%2e /a/b/",
      "/a%2e/./b /a%2e/b",
  })
  void dotSegmentsAndRepeatedSlashesAreRemoved(String raw, String clean) {
    assertEquals(clean, cleaning.clean(raw));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/a/..%2fb", "/a/..%2Fb", "/a/%2e%2e%2fb", "/a/b%2f..%2fc", "/a/.%2fb", "/a/..%5cb",
      "/a/..%5Cb", "/a/..\\b", "/a\\..\\b", "/pub/..;/priv/secret", "/pub/.;/priv", "/pub/..;x=1/priv",
      "/pub/%2e%2e;/priv", "/a/b%2f%2e%2e"})
  void hiddenDotSegmentsAreRefused(String raw) {
    assertThrows(PathRefused.class, () -> cleaning.clean(raw));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/a%00b", "/a/%00", "/a%01", "/a%1f", "/a%1F", "/a%7f", "/a%7F", "/a\u0001b", "/a\u0000",
      "/a\u001f", "/a\u007f", "/a\tb", "/a/%0d%0aSet-Cookie:x", "/a\rb"})
  void controlCharactersAreRefusedEvenWhenCleaningIsSkipped(String raw) {
    PathRefused refused = assertThrows(PathRefused.class, () -> cleaning.clean(raw));
    assertTrue(refused.getMessage().contains("control character"), refused.getMessage());
    assertThrows(PathRefused.class, () -> skipping.clean(raw));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/a%", "/a%2", "/a%zz", "/a%2g/b", "/a/%%2e", "/a%\u0663\u0663"})
  void malformedEscapesAreRefused(String raw) {
    PathRefused refused = assertThrows(PathRefused.class, () -> cleaning.clean(raw));
    assertTrue(refused.getMessage().contains("invalid escape"), refused.getMessage());
    assertThrows(PathRefused.class, () -> skipping.clean(raw));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/pub/../priv/secret", "//priv", "/a/%2e%2e/b", "/pub/..;/priv/secret", "/a/..%2fb",
      "/http://example.com"})
  void skippingKeepsTheRawPath(String raw) {
    String path = new String(raw);
    assertSame(path, skipping.clean(path));
  }

  @Test
  void encodedSlashOutsideADotSegmentStaysEncoded() {
    assertEquals("/files/a%2fb/c", cleaning.clean("/files/a%2fb/./c"));
    assertEquals("/a%2f%2fb", cleaning.clean("/a%2f%2fb"));
  }

  @Test
  void percentEncodedNonDotCharactersAreKeptAsWritten() {
    assertEquals("/b/%2E%2E%2E/%2ex", cleaning.clean("/a/../b/%2E%2E%2E/%2ex"));
  }

  @Test
  void pathsThatAreNotOriginFormAreLeftAlone() {
    assertEquals("*", cleaning.clean("*"));
    assertEquals("a/../b", cleaning.clean("a/../b"));
  }

  @Test
  void queryControlCharactersAreSeen() {
    assertTrue(PathCleaner.hasControl("a=\u0001"));
    assertTrue(PathCleaner.hasControl("a=\u007f"));
    assertFalse(PathCleaner.hasControl("a=%00&b=%7f"));
    assertFalse(PathCleaner.hasControl(""));
  }
}
