package dev.coproxy.proxy;

import java.util.ArrayList;
import java.util.List;

/**
 * Cleans a raw request path once, before routing, the way Tyk's router does by default: dot
 * segments are removed (RFC 3986 section 5.2.4), whether written as {@code .} or as {@code %2e},
 * and repeated slashes are merged. The rest of the path keeps the client's encoding, so an encoded
 * slash that forms no dot segment ({@code /files/a%2fb}) stays one segment.
 *
 * <p>Refused (a {@link PathRefused}, answered with 400): control characters, raw or percent-encoded;
 * malformed percent escapes; and a segment that is no dot segment to us but holds one that an
 * upstream could resolve: {@code ..%2f}, {@code ..\}, {@code ..%5c}, or {@code ..;} (a matrix
 * parameter, which servlet containers strip before resolving dots). With {@code skip_url_cleaning}
 * only the refusals of control characters and malformed escapes remain; the path is kept as sent.
 *
 * <p>Runs on every request: a path without {@code %}, {@code \}, {@code //}, {@code /.} and control
 * characters is already clean and is returned as it is, without allocation.
 */
public final class PathCleaner {

  private final boolean skipCleaning;

  /** @param skipCleaning Tyk's {@code http_server_options.skip_url_cleaning} */
  public PathCleaner(boolean skipCleaning) {
    this.skipCleaning = skipCleaning;
  }

  /**
   * The clean form of {@code raw}: {@code raw} itself (the same instance) when it is already clean
   * or cleaning is off, a new string otherwise.
   *
   * @throws PathRefused when the path must not be served at all
   */
  public String clean(String raw) {
    if (!suspicious(raw)) {
      return raw;
    }
    checkCharacters(raw);
    if (skipCleaning || !raw.startsWith("/")) {
      // Not an origin-form path ("*", or nothing): no listen path can match it, nothing to clean.
      return raw;
    }
    return removeDotSegments(raw);
  }

  /** True when {@code text} (a raw query, say) holds a control character as it is written. */
  public static boolean hasControl(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (isControl(text.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  private static boolean suspicious(String raw) {
    char previous = 0;
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%' || c == '\\' || isControl(c) || (previous == '/' && (c == '/' || c == '.'))) {
        return true;
      }
      previous = c;
    }
    return false;
  }

  private static void checkCharacters(String raw) {
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (isControl(c)) {
        throw new PathRefused("The request path holds a control character");
      }
      if (c == '%') {
        int value = escape(raw, i);
        if (value < 0) {
          throw new PathRefused("The request path holds an invalid escape: " + raw);
        }
        if (isControl((char) value)) {
          throw new PathRefused("The request path holds an encoded control character");
        }
        i += 2;
      }
    }
  }

  // Checks every segment without copying; builds a new path only when a segment goes away.
  private static String removeDotSegments(String raw) {
    boolean changes = false;
    for (int start = 1, end; start <= raw.length(); start = end + 1) {
      end = segmentEnd(raw, start);
      if (dots(raw, start, end) > 0 || (start == end && end < raw.length())) {
        changes = true;
      } else {
        checkHiddenDots(raw, start, end);
      }
    }
    return changes ? rebuild(raw) : raw;
  }

  private static String rebuild(String raw) {
    List<String> kept = new ArrayList<>();
    boolean trailingSlash = false;
    for (int start = 1, end; start <= raw.length(); start = end + 1) {
      end = segmentEnd(raw, start);
      int dots = dots(raw, start, end);
      if (dots == 2 && !kept.isEmpty()) {
        kept.remove(kept.size() - 1);
      }
      // A dot segment or a repeated slash goes away; at the end, it leaves the trailing slash.
      trailingSlash = dots > 0 || start == end;
      if (!trailingSlash) {
        kept.add(raw.substring(start, end));
      }
    }
    StringBuilder clean = new StringBuilder(raw.length());
    for (String segment : kept) {
      clean.append('/').append(segment);
    }
    if (trailingSlash || kept.isEmpty()) {
      clean.append('/');
    }
    return clean.toString();
  }

  private static int segmentEnd(String raw, int start) {
    int slash = raw.indexOf('/', start);
    return slash < 0 ? raw.length() : slash;
  }

  // A segment that is no dot segment here can still hold one for an upstream that decodes an
  // encoded slash or backslash, splits on a raw backslash, or strips matrix parameters.
  private static void checkHiddenDots(String raw, int from, int to) {
    int start = from;
    for (int i = from; i <= to; i++) {
      int separator = i == to ? 1 : separatorLength(raw, i);
      if (separator == 0) {
        continue;
      }
      int parameters = raw.indexOf(';', start);
      if (dots(raw, start, parameters >= start && parameters < i ? parameters : i) > 0) {
        throw new PathRefused("The request path holds a dot segment hidden behind an encoded slash, a backslash or a parameter");
      }
      i += separator - 1;
      start = i + 1;
    }
  }

  // Length of a separator at i that an upstream may act on: \ (1), %2f or %5c (3); else 0.
  private static int separatorLength(String raw, int i) {
    char c = raw.charAt(i);
    if (c == '\\') {
      return 1;
    }
    if (c == '%') {
      int value = escape(raw, i);
      return value == '/' || value == '\\' ? 3 : 0;
    }
    return 0;
  }

  /** 1 for {@code .}, 2 for {@code ..} (each dot raw or as %2e) between from and to, else 0. */
  private static int dots(String raw, int from, int to) {
    int count = 0;
    int i = from;
    while (i < to) {
      if (raw.charAt(i) == '.') {
        i++;
      } else if (i + 2 < to && escape(raw, i) == '.') {
        i += 3;
      } else {
        return 0;
      }
      if (++count > 2) {
        return 0;
      }
    }
    return count;
  }

  // The byte a %XX escape at i stands for, or -1 when there is none.
  private static int escape(String text, int i) {
    if (text.charAt(i) != '%' || i + 2 >= text.length()) {
      return -1;
    }
    int high = hex(text.charAt(i + 1));
    int low = hex(text.charAt(i + 2));
    return high < 0 || low < 0 ? -1 : high * 16 + low;
  }

  // ASCII hex digits only (Character.digit would also take other scripts' digits).
  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    char lower = (char) (c | 0x20);
    return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
  }

  private static boolean isControl(char c) {
    return c < 0x20 || c == 0x7f;
  }
}
