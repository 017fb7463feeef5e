package dev.coproxy.coprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coproxy.proto.Header;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The six cases of Tyk's TestSyncHeadersAndMultiValueHeaders, plus an empty value list. */
class ResponseHookTest {

  private static Header header(String key, String... values) {
    return Header.newBuilder().setKey(key).addAllValues(List.of(values)).build();
  }

  private static Map<String, List<String>> sync(Map<String, String> headers, Header... multivalue) {
    List<Header> out = ResponseHook.synchronise(headers, List.of(multivalue));
    Map<String, List<String>> byKey = new LinkedHashMap<>();
    out.forEach(h -> byKey.put(h.getKey(), h.getValuesList()));
    assertEquals(out.size(), byKey.size(), "one entry per key");
    return byKey;
  }

  @Test
  void addingAHeaderKeyCreatesAMultivalueEntry() {
    assertEquals(Map.of("Header1", List.of("value1"), "Header2", List.of("value2")),
        sync(Map.of("Header1", "value1", "Header2", "value2"), header("Header1", "value1")));
  }

  @Test
  void removingAKeyDropsItFromMultivalue() {
    assertEquals(Map.of("Header1", List.of("value1")),
        sync(Map.of("Header1", "value1"), header("Header1", "value1"), header("Header2", "value2")));
  }

  @Test
  void updatingAValueReplacesTheFirstValue() {
    assertEquals(Map.of("Header1", List.of("newValue")), sync(Map.of("Header1", "newValue"), header("Header1", "oldValue")));
  }

  @Test
  void extraValuesOfAMultiValuedKeyAreKept() {
    assertEquals(Map.of("Header", List.of("value1", "value2")), sync(Map.of("Header", "value1"), header("Header", "value1", "value2")));
  }

  @Test
  void emptyMultivalueListIsRebuiltFromHeaders() {
    assertEquals(Map.of("Header1", List.of("value1"), "Header2", List.of("value2")),
        sync(Map.of("Header1", "value1", "Header2", "value2")));
  }

  @Test
  void setCookieWithThreeValuesHasOnlyItsFirstValueReplaced() {
    assertEquals(Map.of("Set-Cookie", List.of("session=new", "lang=en", "theme=dark")),
        sync(Map.of("Set-Cookie", "session=new"), header("Set-Cookie", "session=old", "lang=en", "theme=dark")));
  }

  @Test
  void keyWithNoValuesGetsTheMapValue() {
    assertEquals(Map.of("X", List.of("1")), sync(Map.of("X", "1"), header("X")));
  }

  @Test
  void emptyHeadersDropEverything() {
    assertEquals(Map.of(), sync(Map.of(), header("X", "1"), header("Y", "2", "3")));
  }
}
