package dev.coproxy.api;

import java.util.List;

/**
 * An API definition's {@code version_data} (with the {@code definition} block that says where a
 * request names its version). Parsed once when the definition loads.
 *
 * @param notVersioned {@code version_data.not_versioned}
 */
public record VersionData(boolean notVersioned) {

  /** The keys this record reads, as the key table writes them. */
  static final List<String> KEYS = List.of();

  /**
   * @param definition a reader of the whole definition
   * @throws dev.coproxy.config.ConfigException naming the key that cannot work
   */
  static VersionData parse(dev.coproxy.config.JsonReader definition) {
    return new VersionData(definition.child("version_data").bool("not_versioned", true));
  }
}
