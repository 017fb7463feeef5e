package dev.coproxy.api;

import dev.coproxy.config.ConfigException;
import dev.coproxy.config.JsonReader;
import java.util.regex.Pattern;

/**
 * The {@code definition} block of a classic definition: where a request names its version, and
 * whether the gateway removes it before the upstream sees the request.
 *
 * @param location {@code definition.location}
 * @param key {@code definition.key}: the header or query parameter name
 * @param strip {@code definition.strip_versioning_data} (or the older {@code strip_path})
 * @param urlPattern {@code definition.url_versioning_pattern}: with {@code url} location, the
 *     version segment is removed only when it matches; null = always
 * @param fallbackToDefault {@code definition.fallback_to_default}: an unknown version uses the
 *     default version instead of being refused
 */
public record VersionLookup(Location location, String key, boolean strip, Pattern urlPattern, boolean fallbackToDefault) {

  /** Where the version is read from. */
  public enum Location {
    /** No location: every request uses the default version. */
    NONE,
    /** A request header named {@code key}. */
    HEADER,
    /** A query parameter named {@code key}. */
    URL_PARAM,
    /** The first path segment after the listen path. */
    URL
  }

  /** No lookup at all (a definition without the block). */
  static final VersionLookup NONE = new VersionLookup(Location.NONE, "", false, null, false);

  /**
   * @param r a reader on {@code definition}
   * @throws ConfigException naming the key that cannot work
   */
  static VersionLookup parse(JsonReader r) {
    String where = r.string("location", "").trim();
    Location location = switch (where) {
      case "" -> Location.NONE;
      case "header" -> Location.HEADER;
      case "url-param" -> Location.URL_PARAM;
      case "url" -> Location.URL;
      default -> throw new ConfigException(r.path("location"), "must be \"header\", \"url-param\" or \"url\", got \"" + where + "\"");
    };
    String pattern = r.string("url_versioning_pattern", "");
    Pattern compiled = null;
    if (!pattern.isEmpty()) {
      try {
        compiled = Pattern.compile(pattern);
      } catch (java.util.regex.PatternSyntaxException e) {
        throw new ConfigException(r.path("url_versioning_pattern"), "is not a valid regular expression: " + e.getDescription());
      }
    }
    boolean strip = r.bool("strip_versioning_data", false) | r.bool("strip_path", false);
    return new VersionLookup(location, r.string("key", ""), strip, compiled, r.bool("fallback_to_default", false));
  }

  /** True when a path segment is a version to remove from the path. */
  public boolean strips(String segment) {
    return strip && (urlPattern == null || urlPattern.matcher(segment).find());
  }

  /**
   * Tyk's path without its version segment, used as one more candidate when matching endpoint
   * paths: the first segment of a path whose listen path is already removed, when the definition
   * strips versions (whatever the location, as in Tyk).
   */
  public String withoutVersion(String clean) {
    if (!strip) {
      return clean;
    }
    String trimmed = trimSlashes(clean);
    int slash = trimmed.indexOf('/');
    String part = slash < 0 ? trimmed : trimmed.substring(0, slash);
    if (!strips(part)) {
      return clean;
    }
    String needle = "/" + part + "/";
    int at = clean.indexOf(needle);
    return at < 0 ? clean : clean.substring(0, at) + "/" + clean.substring(at + needle.length());
  }

  private static String trimSlashes(String path) {
    int start = 0;
    int end = path.length();
    while (start < end && path.charAt(start) == '/') {
      start++;
    }
    while (end > start && path.charAt(end - 1) == '/') {
      end--;
    }
    return path.substring(start, end);
  }
}
