package dev.coproxy.chain;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Query strings read and written as Go's net/url does, so that plugins see what Tyk shows them. */
public final class QueryStrings {

  private QueryStrings() {
  }

  /**
   * Go's {@code url.ParseQuery} as {@code URL.Query()} uses it: parameters in order of appearance,
   * {@code +} as a space; a pair with a semicolon or an invalid escape is left out rather than
   * failing. Empty for a null query.
   */
  public static Map<String, List<String>> decode(String query) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (query == null || query.isEmpty()) {
      return out;
    }
    for (String pair : query.split("&", -1)) {
      if (pair.isEmpty() || pair.indexOf(';') >= 0) {
        continue;
      }
      int equals = pair.indexOf('=');
      String key = unescape(equals < 0 ? pair : pair.substring(0, equals));
      String value = unescape(equals < 0 ? "" : pair.substring(equals + 1));
      if (key != null && value != null) {
        out.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
      }
    }
    return out;
  }

  /** Go's {@code url.QueryUnescape}; null when an escape is invalid. */
  private static String unescape(String text) {
    if (text.indexOf('%') < 0 && text.indexOf('+') < 0) {
      return text;
    }
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '%') {
        int high = i + 2 < text.length() ? Character.digit(text.charAt(i + 1), 16) : -1;
        int low = high < 0 ? -1 : Character.digit(text.charAt(i + 2), 16);
        if (low < 0) {
          return null;
        }
        bytes.write(high << 4 | low);
        i += 2;
      } else if (c == '+') {
        bytes.write(' ');
      } else {
        int end = i;
        while (end < text.length() && text.charAt(end) != '%' && text.charAt(end) != '+') {
          end++;
        }
        bytes.writeBytes(text.substring(i, end).getBytes(StandardCharsets.UTF_8));
        i = end - 1;
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  /** Go's url.Values.Encode: keys sorted, form encoding; null when empty. */
  public static String encode(Map<String, List<String>> query) {
    if (query.isEmpty()) {
      return null;
    }
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, List<String>> entry : new TreeMap<>(query).entrySet()) {
      for (String value : entry.getValue()) {
        if (out.length() > 0) {
          out.append('&');
        }
        out.append(escape(entry.getKey())).append('=').append(escape(value));
      }
    }
    return out.toString();
  }

  private static String escape(String text) {
    StringBuilder out = new StringBuilder();
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-_.~".indexOf(c) >= 0) {
        out.append(c);
      } else if (c == ' ') {
        out.append('+');
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return out.toString();
  }
}
