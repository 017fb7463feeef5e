package dev.coproxy.api;

import dev.coproxy.config.JsonReader;
import java.util.List;
import java.util.OptionalLong;

/**
 * One enabled middleware definition of {@code custom_middleware} (a {@code pre}, {@code post},
 * {@code post_key_auth} or {@code response} entry, or {@code auth_check}), parsed when the API
 * loads. Entries with {@code disabled: true} never become a Hook.
 *
 * @param name {@code name}: the function (hook) the driver calls; may be empty (Tyk registers an
 *     {@code auth_check} without a name too)
 * @param path {@code path}: the hook's file; informational for coprocess drivers
 * @param requireSession {@code require_session}
 * @param rawBodyOnly {@code raw_body_only}: send the body only as raw bytes
 * @param timeoutMillis Coproxy's {@code timeout_ms}; empty means the gateway's
 *     {@code coprocess_options.hook_timeout_ms}
 */
public record Hook(String name, String path, boolean requireSession, boolean rawBodyOnly, OptionalLong timeoutMillis) {

  /** The keys of one middleware definition, relative to it. */
  static final List<String> KEYS = List.of("disabled", "name", "path", "require_session", "raw_body_only", "timeout_ms");

  /** The longest deadline a hook may ask for: one hour. */
  public static final long MAX_TIMEOUT_MILLIS = 3_600_000;

  /**
   * @param r a reader of one middleware definition, its path naming it ({@code custom_middleware.pre[2]})
   * @return the hook, or null when it is disabled
   * @throws dev.coproxy.config.ConfigException naming the key that cannot work
   */
  static Hook parse(JsonReader r) {
    if (r.bool("disabled", false)) {
      return null;
    }
    long timeout = r.integer("timeout_ms", 0, 1, MAX_TIMEOUT_MILLIS);
    return new Hook(r.string("name", ""), r.string("path", ""), r.bool("require_session", false),
        r.bool("raw_body_only", false), r.has("timeout_ms") ? OptionalLong.of(timeout) : OptionalLong.empty());
  }
}
