package dev.coproxy.coprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReplyApplierTest {

  @Test
  void encodeFollowsGoUrlValuesEncode() {
    Map<String, List<String>> query = new LinkedHashMap<>();
    query.put("b", List.of("2"));
    query.put("a", List.of("x y", "~z"));
    query.put("é", List.of("/&=+%"));
    query.put("A", List.of(""));
    assertEquals("A=&a=x+y&a=~z&b=2&%C3%A9=%2F%26%3D%2B%25", ReplyApplier.encode(query));
  }

  @Test
  void encodeKeepsUnreservedCharacters() {
    assertEquals("k=az-AZ_09.~", ReplyApplier.encode(Map.of("k", List.of("az-AZ_09.~"))));
    assertEquals("k=%21%27%28%29%2A%3B%3A%40", ReplyApplier.encode(Map.of("k", List.of("!'()*;:@"))));
  }

  @Test
  void encodeOfNothingIsNoQuery() {
    assertNull(ReplyApplier.encode(Map.of()));
  }

  @Test
  void decodeFollowsGoParseQuery() {
    Map<String, List<String>> decoded = ReplyApplier.decode("b=x+y&a=1&a=2&c=%41%c3%a9&d&=e");
    assertEquals(List.of("b", "a", "c", "d", ""), List.copyOf(decoded.keySet()), "order of appearance");
    assertEquals(List.of("x y"), decoded.get("b"));
    assertEquals(List.of("1", "2"), decoded.get("a"));
    assertEquals(List.of("Aé"), decoded.get("c"));
    assertEquals(List.of(""), decoded.get("d"));
    assertEquals(List.of("e"), decoded.get(""));
  }

  @Test
  void decodeLeavesOutBadPairsInsteadOfFailing() {
    assertEquals(Map.of("r", List.of("1")), ReplyApplier.decode("q=100%&r=1"));
    assertEquals(Map.of("r", List.of("1")), ReplyApplier.decode("q=%zz&r=1&%g=2"));
    assertEquals(Map.of("c", List.of("3")), ReplyApplier.decode("a=1;b=2&c=3"), "Go refuses semicolon separators");
    assertEquals(Map.of(), ReplyApplier.decode(null));
    assertEquals(Map.of(), ReplyApplier.decode(""));
    assertEquals(Map.of("a", List.of("1")), ReplyApplier.decode("&&a=1&"));
  }

  @Test
  void decodeThenEncodeNormalises() {
    assertEquals("a=1&b=~+", ReplyApplier.encode(ReplyApplier.decode("b=%7e%20&a=1")));
  }

  @Test
  void parseUrlSplitsPathAndRawQuery() {
    assertEquals(new ReplyApplier.Target("/p/q", "a=1&b={x}|y"), ReplyApplier.parseUrl("/p/q?a=1&b={x}|y"));
    assertEquals(new ReplyApplier.Target("/p", null), ReplyApplier.parseUrl("/p"));
    assertEquals(new ReplyApplier.Target("/p", ""), ReplyApplier.parseUrl("/p?"));
    assertEquals(new ReplyApplier.Target("/a%20b", "q=100%"), ReplyApplier.parseUrl("/a%20b?q=100%"));
    assertEquals(new ReplyApplier.Target("//x/y", null), ReplyApplier.parseUrl("//x/y"));
  }

  @Test
  void parseUrlEscapesWhatCannotGoInARequestLine() {
    assertEquals(new ReplyApplier.Target("/a%20b/%C3%A9%23f", "q=x%20y%23z&r=%E2%82%AC"), ReplyApplier.parseUrl("/a b/\u00e9#f?q=x y#z&r=\u20ac"));
  }

  @Test
  void parseUrlAcceptsAbsoluteHttpUrls() {
    assertEquals(new ReplyApplier.Target("/p/q", "z=1"), ReplyApplier.parseUrl("http://host:8080/p/q?z=1"));
    assertEquals(new ReplyApplier.Target("/", null), ReplyApplier.parseUrl("HTTPS://host"));
    assertEquals(new ReplyApplier.Target("/", "z"), ReplyApplier.parseUrl("http://host?z"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "relative/path", "ftp://host/x", "tyk://other-api/x", "/bad%zzescape", "/bad%2", "/a\nb", "/a\u007fb"})
  void parseUrlRefusesWhatGoRefuses(String url) {
    HookFailure failure = assertThrows(HookFailure.class, () -> ReplyApplier.parseUrl(url));
    assertEquals(HookFailure.Reason.BAD_REPLY, failure.reason());
  }
}
