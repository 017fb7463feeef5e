package dev.coproxy.api;

import dev.coproxy.config.ConfigException;
import dev.coproxy.config.JsonReader;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Tyk's endpoint paths as regular expressions: a path in a path list, a size limit, a hard timeout
 * or a key's {@code allowed_urls} is a regular expression matched anywhere in the request path
 * (Tyk's default, without {@code enable_path_prefix_matching} or {@code enable_path_suffix_matching}),
 * where mux-style parameters ({@code /users/{id}}) stand for one path segment and {@code /*} for
 * anything. Compiled once, when the definition (or the key) is first used.
 */
public final class PathPatterns {

  private static final Pattern METHOD = Pattern.compile("[A-Z]+");
  private static final Pattern MUX_PARAMETER = Pattern.compile("\\{([^}]+)}");

  private PathPatterns() {
  }

  /**
   * An endpoint entry's {@code path}: an empty one would match every request (an {@code ignored}
   * entry would switch auth off for the whole API), so it is refused.
   *
   * @throws ConfigException naming the entry's {@code path}
   */
  static String path(JsonReader entry) {
    String path = entry.string("path", "");
    if (path.isEmpty()) {
      throw new ConfigException(entry.path("path"), "is missing: an entry without a path would match every request");
    }
    return path;
  }

  /**
   * An HTTP method as an endpoint entry names it: upper case, as requests carry it ({@code get}
   * would never match, leaving the entry open).
   *
   * @param required true where an entry without a method would never apply
   * @throws ConfigException naming {@code key}
   */
  static String method(String method, boolean required, String key) {
    if (method.isEmpty() && !required) {
      return method;
    }
    if (!METHOD.matcher(method).matches()) {
      throw new ConfigException(key, method.isEmpty() ? "is missing: the entry would never apply"
          : "must be an upper-case HTTP method (GET, POST, ...), got \"" + method + "\"");
    }
    return method;
  }

  /**
   * A request path as endpoint patterns see it: percent-escapes decoded once (as Tyk matches the
   * decoded path), so that {@code /%61dmin} meets an entry for {@code /admin}. {@code +} stays a
   * plus; an escape that is not two hex digits stays as written. A path without {@code %} is
   * returned as it is, without copying.
   */
  public static String decoded(String path) {
    if (path == null || path.indexOf('%') < 0) {
      return path;
    }
    byte[] raw = path.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length);
    for (int i = 0; i < raw.length; i++) {
      int high = i + 2 < raw.length && raw[i] == '%' ? Character.digit(raw[i + 1], 16) : -1;
      int low = high >= 0 ? Character.digit(raw[i + 2], 16) : -1;
      if (low >= 0) {
        out.write(high * 16 + low);
        i += 2;
      } else {
        out.write(raw[i]);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /**
   * The pattern Tyk builds from an endpoint path.
   *
   * @param path the path as written in the definition
   * @param ignoreCase match without regard to case ({@code ignore_case}, {@code ignore_endpoint_case})
   * @param key the key to name when the path is not a valid regular expression
   * @throws ConfigException naming {@code key}
   */
  public static PathPattern compile(String path, boolean ignoreCase, String key) {
    try {
      return PathPattern.of(Pattern.compile(regex(path), ignoreCase ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0));
    } catch (PatternSyntaxException e) {
      throw new ConfigException(key, "is not a valid regular expression: \"" + path + "\" (" + e.getDescription() + ")");
    }
  }

  /** Tyk's translation of mux-style parameters and wildcards into a regular expression. */
  static String regex(String path) {
    String pattern = path;
    long open = pattern.chars().filter(c -> c == '{').count();
    long close = pattern.chars().filter(c -> c == '}').count();
    if (open > 0 && open == close) {
      pattern = MUX_PARAMETER.matcher(pattern).replaceAll(Matcher.quoteReplacement("([^/]+)"));
    }
    if (pattern.contains("/*")) {
      pattern = pattern.replace("/*/", "/[^/]+/").replace("/*", "/.*");
    }
    return pattern;
  }

  /**
   * A Go duration ({@code "1.5s"}, {@code "300ms"}, {@code "1h30m"}) in milliseconds, as Tyk's
   * readable durations are written; empty is 0.
   *
   * @throws ConfigException naming {@code key}
   */
  static long goDurationMillis(String text, String key) {
    String s = text.trim();
    if (s.isEmpty() || s.equals("0")) {
      return 0;
    }
    Matcher part = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)").matcher(s);
    double nanos = 0;
    int at = 0;
    while (at < s.length() && part.find(at) && part.start() == at) {
      double value = Double.parseDouble(part.group(1));
      nanos += value * switch (part.group(2)) {
        case "ns" -> 1d;
        case "us", "µs" -> 1e3;
        case "ms" -> 1e6;
        case "s" -> 1e9;
        case "m" -> 60e9;
        default -> 3600e9;
      };
      at = part.end();
    }
    if (at != s.length()) {
      throw new ConfigException(key, "is not a duration such as \"30s\", \"500ms\" or \"1m30s\": \"" + text + "\"");
    }
    return (long) Math.ceil(nanos / 1e6);
  }
}
