package dev.coproxy.api;

import dev.coproxy.api.PathRule.Kind;
import dev.coproxy.config.ConfigException;
import dev.coproxy.config.JsonReader;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One entry of {@code version_data.versions}, parsed and compiled when the definition loads. The
 * endpoint lists come from {@code extended_paths} when {@code use_extended_paths} is set and from the
 * legacy {@code paths} otherwise; as in Tyk, size limits and hard timeouts exist only in
 * {@code extended_paths}.
 *
 * @param name {@code name}
 * @param expires {@code expires} (Tyk's {@code "2006-01-02 15:04"}, UTC), or null for never
 * @param overrideTarget {@code override_target}, or null (used for versioned APIs only, as in Tyk)
 * @param globalHeaders {@code global_headers}: set on every request (empty when
 *     {@code global_headers_disabled})
 * @param globalHeadersRemove {@code global_headers_remove}: removed from every request
 * @param globalSizeLimit {@code global_size_limit} in bytes; 0 = none (or {@code global_size_limit_disabled})
 * @param globalTimeoutMillis {@code global_enforce_timeout}; 0 = none (or {@code global_enforce_timeout_disabled})
 * @param rules the path lists in Tyk's order: ignored, black list, white list
 * @param whiteListed true when the white list has entries: other paths are refused
 * @param sizeLimits {@code extended_paths.size_limits}
 * @param hardTimeouts {@code extended_paths.hard_timeouts}
 */
public record ApiVersion(String name, Instant expires, UpstreamTarget overrideTarget, Map<String, String> globalHeaders,
    List<String> globalHeadersRemove, long globalSizeLimit, long globalTimeoutMillis, List<PathRule> rules, boolean whiteListed,
    List<EndpointLimit> sizeLimits, List<EndpointLimit> hardTimeouts) {

  private static final DateTimeFormatter TYK_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");

  public ApiVersion {
    globalHeaders = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(globalHeaders));
    globalHeadersRemove = List.copyOf(globalHeadersRemove);
    rules = List.copyOf(rules);
    sizeLimits = List.copyOf(sizeLimits);
    hardTimeouts = List.copyOf(hardTimeouts);
  }

  /** True when the version has an expiry and it has come. */
  public boolean expiredAt(Instant now) {
    return expires != null && !now.isBefore(expires);
  }

  /** True when requests of this version need the version check at the chain's entry. */
  public boolean hasPathRules() {
    return !rules.isEmpty();
  }

  /**
   * @param r a reader on the version ({@code version_data.versions.<key>})
   * @throws ConfigException naming the key that cannot work
   */
  static ApiVersion parse(JsonReader r, String key) {
    String expiresText = r.string("expires", "").trim();
    Instant expires = null;
    if (!expiresText.isEmpty() && !expiresText.equals("-1")) {
      try {
        expires = LocalDateTime.parse(expiresText, TYK_TIME).toInstant(ZoneOffset.UTC);
      } catch (DateTimeParseException e) {
        throw new ConfigException(r.path("expires"), "must be a time as \"2006-01-02 15:04\" (UTC), \"-1\" or empty, got \"" + expiresText + "\"");
      }
    }
    String override = r.string("override_target", "").trim();
    UpstreamTarget target = null;
    if (!override.isEmpty()) {
      try {
        target = UpstreamTarget.parse(override);
      } catch (ConfigException e) {
        throw new ConfigException(r.path("override_target"), e.getMessage().substring(e.key().length() + 2));
      }
    }
    boolean headersOff = r.bool("global_headers_disabled", false);
    Map<String, String> headers = headers(r);
    List<String> remove = r.strings("global_headers_remove");
    long sizeLimit = r.integer("global_size_limit", 0, Long.MIN_VALUE, Long.MAX_VALUE);
    long timeout = PathPatterns.goDurationMillis(r.string("global_enforce_timeout", ""), r.path("global_enforce_timeout"));
    boolean extended = r.bool("use_extended_paths", false);
    boolean ignoreCase = r.bool("ignore_endpoint_case", false);
    JsonReader ext = r.child("extended_paths");
    String extKey = r.path("extended_paths");
    List<PathRule> extendedRules = new ArrayList<>();
    extendedRules.addAll(PathRule.parseExtended(ext.array("ignored"), Kind.IGNORED, ignoreCase, extKey + ".ignored"));
    extendedRules.addAll(PathRule.parseExtended(ext.array("black_list"), Kind.BLACK_LIST, ignoreCase, extKey + ".black_list"));
    extendedRules.addAll(PathRule.parseExtended(ext.array("white_list"), Kind.WHITE_LIST, ignoreCase, extKey + ".white_list"));
    List<EndpointLimit> sizeLimits = EndpointLimit.sizeLimits(ext.array("size_limits"), extKey + ".size_limits");
    List<EndpointLimit> hardTimeouts = EndpointLimit.hardTimeouts(ext.array("hard_timeouts"), extKey + ".hard_timeouts");
    JsonReader legacy = r.child("paths");
    String legacyKey = r.path("paths");
    List<PathRule> legacyRules = new ArrayList<>();
    legacyRules.addAll(PathRule.parseLegacy(legacy.strings("ignored"), Kind.IGNORED, legacyKey + ".ignored"));
    legacyRules.addAll(PathRule.parseLegacy(legacy.strings("black_list"), Kind.BLACK_LIST, legacyKey + ".black_list"));
    legacyRules.addAll(PathRule.parseLegacy(legacy.strings("white_list"), Kind.WHITE_LIST, legacyKey + ".white_list"));
    List<PathRule> rules = extended ? extendedRules : legacyRules;
    return new ApiVersion(
        r.string("name", key),
        expires,
        target,
        headersOff ? Map.of() : headers,
        headersOff ? List.of() : remove,
        r.bool("global_size_limit_disabled", false) ? 0 : Math.max(0, sizeLimit),
        r.bool("global_enforce_timeout_disabled", false) ? 0 : timeout,
        rules,
        rules.stream().anyMatch(rule -> rule.kind() == Kind.WHITE_LIST),
        extended ? sizeLimits : List.of(),
        extended ? hardTimeouts : List.of());
  }

  // Tyk replaces context variables and secrets in these values; Coproxy does not (yet), and a
  // header sent with the literal "$tyk_context.x" would mislead the upstream: refused.
  private static Map<String, String> headers(JsonReader r) {
    Map<String, String> headers = new LinkedHashMap<>();
    JsonReader reader = r.child("global_headers");
    for (String name : r.object("global_headers").fieldNames()) {
      String value = reader.string(name, "");
      if (value.contains("$tyk_") || value.contains("$secret_")) {
        throw new ConfigException(reader.path(name), "uses a Tyk variable ($tyk_context, $tyk_meta, $secret_...), which Coproxy does not replace");
      }
      headers.put(name, value);
    }
    return headers;
  }
}
