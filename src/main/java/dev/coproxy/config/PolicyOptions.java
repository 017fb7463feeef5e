package dev.coproxy.config;

import java.nio.file.Path;

/**
 * {@code policies}: Tyk's file sources. Any {@code policy_source} other than {@code service} or
 * {@code rpc} reads files: the folder {@code policy_path} when set, else the one file
 * {@code policy_record_name}, else no policies.
 *
 * @param path {@code policy_path}: a folder of {@code *.json} files, one policy each; the Gateway
 *     API writes policies there; null when unset
 * @param recordFile {@code policy_record_name}: one JSON object of policies by id; null when unset
 *     or when {@code policy_path} wins
 * @param allowUnsafeIds {@code allow_unsafe_policy_ids}: the Gateway API accepts policy ids with
 *     characters other than letters, digits, {@code . _ - ~}
 */
public record PolicyOptions(Path path, Path recordFile, boolean allowUnsafeIds) {

  /** No policies (no {@code policies} section). */
  public static final PolicyOptions NONE = new PolicyOptions(null, null, false);

  /**
   * Reads the {@code policies} section.
   *
   * @param r a reader of {@code policies}
   * @param allowUnsafeIds the top-level {@code allow_unsafe_policy_ids}
   * @throws ConfigException naming {@code policies.policy_source} for a source Coproxy cannot read
   */
  static PolicyOptions parse(JsonReader r, boolean allowUnsafeIds) {
    String source = r.string("policy_source", "");
    // service and rpc fetch policies from a Tyk Dashboard or MDCB, which Coproxy has no client for:
    // started without them, every key that names a policy would be refused, so the start stops here.
    if (source.equals("service") || source.equals("rpc")) {
      throw new ConfigException(r.path("policy_source"), "\"" + source + "\" loads policies from a Tyk "
          + (source.equals("service") ? "Dashboard" : "MDCB (rpc)") + ", which Coproxy does not connect to; use \"file\""
          + " with policies.policy_path (a folder) or policies.policy_record_name (one file)");
    }
    String folder = r.string("policy_path", "").trim();
    String file = r.string("policy_record_name", "").trim();
    r.has("policy_connection_string");
    r.has("allow_explicit_policy_id");
    return new PolicyOptions(folder.isEmpty() ? null : Path.of(folder),
        folder.isEmpty() && !file.isEmpty() ? Path.of(file) : null, allowUnsafeIds);
  }
}
