package dev.coproxy.api;

import dev.coproxy.config.ConfigException;
import dev.coproxy.config.JsonReader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * One endpoint's limit in a version's {@code extended_paths}: a request size limit
 * ({@code size_limits}, bytes) or an upstream hard timeout ({@code hard_timeouts}, milliseconds).
 * As in Tyk, an entry applies only to requests whose method is exactly its {@code method}.
 *
 * @param pattern the path, as Tyk matches it
 * @param method the method it applies to
 * @param value the size limit in bytes, or the timeout in milliseconds
 */
public record EndpointLimit(PathPattern pattern, String method, long value) {

  /** True when this entry applies to a request with this method and these candidate paths. */
  public boolean appliesTo(String requestMethod, String[] candidates) {
    return method.equals(requestMethod) && pattern.foundIn(candidates);
  }

  /**
   * Parses {@code extended_paths.size_limits}: {@code path}, {@code method}, {@code size_limit}.
   *
   * @throws ConfigException naming the entry's key that cannot work
   */
  static List<EndpointLimit> sizeLimits(JsonArray list, String key) {
    List<EndpointLimit> limits = new ArrayList<>();
    for (JsonReader r : entries(list, key)) {
      if (!r.bool("disabled", false)) {
        limits.add(new EndpointLimit(PathPatterns.compile(PathPatterns.path(r), false, r.path("path")),
            PathPatterns.method(r.string("method", ""), true, r.path("method")), r.integer("size_limit", 0, 0, Long.MAX_VALUE)));
      }
    }
    return limits;
  }

  /**
   * Parses {@code extended_paths.hard_timeouts}: {@code path}, {@code method}, and {@code timeout}
   * in seconds or {@code duration} (a Go duration, which wins when set). Entries without a
   * timeout are left out, as Tyk ignores them.
   *
   * @throws ConfigException naming the entry's key that cannot work
   */
  static List<EndpointLimit> hardTimeouts(JsonArray list, String key) {
    List<EndpointLimit> timeouts = new ArrayList<>();
    for (JsonReader r : entries(list, key)) {
      if (r.bool("disabled", false)) {
        continue;
      }
      long millis = PathPatterns.goDurationMillis(r.string("duration", ""), r.path("duration"));
      if (millis <= 0) {
        millis = r.integer("timeout", 0, 0, Long.MAX_VALUE / 1000) * 1000;
      }
      if (millis > 0) {
        timeouts.add(new EndpointLimit(PathPatterns.compile(PathPatterns.path(r), false, r.path("path")),
            PathPatterns.method(r.string("method", ""), true, r.path("method")), millis));
      }
    }
    return timeouts;
  }

  private static List<JsonReader> entries(JsonArray list, String key) {
    List<JsonReader> readers = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String at = key + "[" + i + "]";
      if (!(list.getValue(i) instanceof JsonObject entry)) {
        throw new ConfigException(at, "must be an object with a path and a method");
      }
      readers.add(new JsonReader(entry, at));
    }
    return readers;
  }
}
