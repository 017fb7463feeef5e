package dev.coproxy.api;

import dev.coproxy.config.ConfigException;
import dev.coproxy.config.JsonReader;
import io.vertx.core.json.JsonObject;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An API definition's {@code version_data} (with the {@code definition} block that says where a
 * request names its version). Parsed once when the definition loads.
 *
 * <p>Unlike Tyk, a definition without {@code version_data} (or with no versions) is served as not
 * versioned, without path lists; Tyk would refuse every request of it.
 *
 * @param notVersioned {@code version_data.not_versioned} (default true here, see above)
 * @param defaultVersion {@code version_data.default_version}
 * @param versions {@code version_data.versions} by name as requests give it
 * @param lookup the {@code definition} block
 */
public record VersionData(boolean notVersioned, String defaultVersion, Map<String, ApiVersion> versions, VersionLookup lookup) {

  /** Tyk's answer when a not-versioned API has several versions and none is its default. */
  public static final String NO_DEFAULT = "No default API version for this non-versioned API found";
  /** Tyk's answer when a not-versioned API has more than one version that could be its default. */
  public static final String AMBIGUOUS_DEFAULT = "Ambiguous default API version for this non-versioned API";

  private static final String V = "version_data.versions.*.";
  private static final String X = V + "extended_paths.";

  /** The keys this record reads, as the key table writes them. */
  static final List<String> KEYS = List.of("version_data.not_versioned", "version_data.default_version",
      V + "name", V + "expires", V + "override_target", V + "global_headers", V + "global_headers_remove",
      V + "global_headers_disabled", V + "global_size_limit", V + "global_size_limit_disabled", V + "global_enforce_timeout",
      V + "global_enforce_timeout_disabled", V + "use_extended_paths", V + "ignore_endpoint_case",
      V + "paths.white_list", V + "paths.black_list", V + "paths.ignored",
      X + "white_list", X + "black_list", X + "ignored", X + "size_limits", X + "hard_timeouts",
      "definition.location", "definition.key", "definition.strip_path", "definition.strip_versioning_data",
      "definition.url_versioning_pattern", "definition.fallback_to_default");

  public VersionData {
    versions = Collections.unmodifiableMap(new LinkedHashMap<>(versions));
  }

  /**
   * @param definition a reader of the whole definition
   * @throws ConfigException naming the key that cannot work
   */
  static VersionData parse(JsonReader definition) {
    JsonReader r = definition.child("version_data");
    boolean notVersioned = r.bool("not_versioned", true);
    JsonObject versionsJson = r.object("versions");
    JsonReader versionsReader = r.child("versions");
    Map<String, ApiVersion> versions = new LinkedHashMap<>();
    for (String name : versionsJson.fieldNames()) {
      versions.put(name, ApiVersion.parse(versionsReader.child(name), name));
    }
    String defaultVersion = r.string("default_version", "");
    VersionLookup lookup = definition.has("definition") ? VersionLookup.parse(definition.child("definition")) : VersionLookup.NONE;
    if (!notVersioned) {
      if (versions.isEmpty()) {
        throw new ConfigException("version_data.versions", "is empty, but not_versioned is false: every request would be refused");
      }
      if (!defaultVersion.isEmpty() && !versions.containsKey(defaultVersion)) {
        throw new ConfigException("version_data.default_version", "names no version of version_data.versions: \"" + defaultVersion + "\"");
      }
    }
    return new VersionData(notVersioned, defaultVersion, versions, lookup);
  }

  /** True when requests name a version (Tyk's "versioned" API with versions). */
  public boolean versioned() {
    return !notVersioned;
  }

  /**
   * The version every request of a not-versioned API uses, as Tyk picks it: the only one, or the
   * one named {@code Default}, {@code default} or empty; null when there is none (or several).
   */
  public ApiVersion unversioned() {
    if (versions.size() == 1) {
      return versions.values().iterator().next();
    }
    if (ambiguous()) {
      return null;
    }
    for (String name : new String[] {"Default", "default", ""}) {
      if (versions.containsKey(name)) {
        return versions.get(name);
      }
    }
    return null;
  }

  /**
   * Why a not-versioned API with versions cannot pick one (Tyk's answer to every request), or null
   * when it can, or when it has no versions at all (then it is served without them).
   */
  public String unversionedFailure() {
    if (versions.isEmpty() || unversioned() != null) {
      return null;
    }
    return ambiguous() ? AMBIGUOUS_DEFAULT : NO_DEFAULT;
  }

  private boolean ambiguous() {
    return versions.size() > 1
        && versions.keySet().stream().filter(n -> n.equals("Default") || n.equals("default") || n.isEmpty()).count() > 1;
  }

  /**
   * The paths an endpoint pattern is matched against, as Tyk does: without the listen path and
   * the version segment, without the listen path, and the whole path; percent-escapes decoded
   * ({@link PathPatterns#decoded}).
   */
  public String[] candidates(String rawPath, String listenPath) {
    String path = PathPatterns.decoded(rawPath);
    String clean = path.startsWith(listenPath) ? path.substring(listenPath.length()) : path;
    if (!clean.startsWith("/")) {
      clean = "/" + clean;
    }
    String noVersion = lookup.withoutVersion(clean);
    return new String[] {noVersion.equals(clean) ? null : noVersion, clean, path};
  }
}
