package dev.coproxy.api;

import dev.coproxy.config.ConfigException;
import dev.coproxy.config.JsonReader;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.List;

/**
 * The top-level keys of an API definition around its plugins, parsed when it loads: whether its
 * auth is the plugin's {@code auth_check}, its bundle(s), and the {@code config_data} every hook
 * receives.
 *
 * @param pluginAuth {@code custom_plugin_auth_enabled}, or its older name {@code enable_coprocess_auth}
 * @param bundle {@code custom_middleware_bundle} as written (its MD5 names the bundle directory and
 *     is the hooks' {@code bundle_hash})
 * @param bundleNames the bundle names in it: comma-separated, trimmed, empty names dropped (Tyk's rule)
 * @param bundleDisabled {@code custom_middleware_bundle_disabled}
 * @param configData {@code config_data} as JSON text; empty when absent, empty, or
 *     {@code config_data_disabled}
 */
public record PluginSettings(boolean pluginAuth, String bundle, List<String> bundleNames, boolean bundleDisabled,
    String configData) {

  /** The keys this record reads, as the key table writes them. */
  static final List<String> KEYS = List.of("custom_plugin_auth_enabled", "enable_coprocess_auth", "use_standard_auth",
      "custom_middleware_bundle", "custom_middleware_bundle_disabled", "config_data", "config_data_disabled");

  public PluginSettings {
    bundleNames = List.copyOf(bundleNames);
  }

  /** True when bundles are named and not disabled: their manifests replace {@code custom_middleware}. */
  public boolean usesBundles() {
    return !bundleNames.isEmpty() && !bundleDisabled;
  }

  /**
   * @param root a reader of the whole definition
   * @param keyless the API is keyless
   * @throws ConfigException naming the key that cannot work
   */
  static PluginSettings parse(JsonReader root, boolean keyless) {
    boolean pluginAuth = root.bool("custom_plugin_auth_enabled", false) | root.bool("enable_coprocess_auth", false);
    if (pluginAuth && !keyless && root.bool("use_standard_auth", false)) {
      // Tyk then runs token auth after the plugin's auth_check: running only the plugin would let more through.
      throw new ConfigException(root.path("use_standard_auth"), "true together with custom_plugin_auth_enabled asks for token auth"
          + " after the plugin's auth_check, which Coproxy does not implement; the API is refused (set use_standard_auth to false)");
    }
    String bundle = root.string("custom_middleware_bundle", "");
    JsonObject configData = root.object("config_data");
    boolean dataDisabled = root.bool("config_data_disabled", false);
    return new PluginSettings(pluginAuth, bundle, names(bundle), root.bool("custom_middleware_bundle_disabled", false),
        dataDisabled || configData.isEmpty() ? "" : configData.encode());
  }

  /** Tyk's list parsing: comma-separated, trimmed, empty names dropped. */
  public static List<String> names(String bundle) {
    return Arrays.stream(bundle.split(",")).map(String::trim).filter(n -> !n.isEmpty()).toList();
  }
}
