package dev.coproxy.coprocess;

import dev.coproxy.api.ApiDefinition;
import dev.coproxy.config.ConfigException;
import dev.coproxy.config.JsonReader;
import dev.coproxy.proto.HookType;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An API's coprocess set-up, read once when the API loads from {@code custom_middleware} and the
 * keys around it: the driver, the hooks per stage (disabled entries left out), whether
 * {@code auth_check} is the API's auth, and the {@code spec} map every hook receives.
 *
 * @param driver {@code custom_middleware.driver}
 * @param pre pre hooks in declaration order
 * @param authCheck the auth hook, or null when custom auth is off (or the API is keyless)
 * @param postKeyAuth post_key_auth hooks (protected APIs only)
 * @param post post hooks
 * @param response response hooks
 * @param spec the {@code spec} map: APIID, OrgID, bundle_hash and config_data
 */
public record CoprocessSpec(String driver, List<HookSpec> pre, HookSpec authCheck, List<HookSpec> postKeyAuth,
    List<HookSpec> post, List<HookSpec> response, Map<String, String> spec) {

  private static final Set<String> NOT_COPROCESS = Set.of("otto", "javascript", "goplugin");

  /** True when any hook runs for this API. */
  public boolean hasHooks() {
    return authCheck != null || !pre.isEmpty() || !postKeyAuth.isEmpty() || !post.isEmpty() || !response.isEmpty();
  }

  /**
   * Reads an API's coprocess set-up.
   *
   * @param defaultTimeoutMillis {@code coprocess_options.hook_timeout_ms}
   * @throws ConfigException naming the key that cannot work
   */
  public static CoprocessSpec parse(ApiDefinition api, long defaultTimeoutMillis) {
    JsonReader root = new JsonReader(api.raw());
    JsonReader cm = root.child("custom_middleware");
    String driver = cm.string("driver", "").trim();
    boolean customAuth = root.bool("custom_plugin_auth_enabled", false) || root.bool("enable_coprocess_auth", false);
    List<HookSpec> pre = hooks(cm, "pre", HookType.Pre, driver, defaultTimeoutMillis, api.pluginDirs());
    List<HookSpec> postKeyAuth = api.keyless() ? List.of() : hooks(cm, "post_key_auth", HookType.PostKeyAuth, driver, defaultTimeoutMillis, api.pluginDirs());
    List<HookSpec> post = hooks(cm, "post", HookType.Post, driver, defaultTimeoutMillis, api.pluginDirs());
    List<HookSpec> response = hooks(cm, "response", HookType.Response, driver, defaultTimeoutMillis, api.pluginDirs());
    HookSpec authCheck = null;
    if (customAuth && !api.keyless()) {
      if (root.bool("use_standard_auth", false)) {
        // Tyk then runs token auth after the plugin's auth_check: running only the plugin would let more through.
        throw new ConfigException("use_standard_auth", "true together with custom_plugin_auth_enabled asks for token auth after the"
            + " plugin's auth_check, which Coproxy does not implement; the API is refused (set use_standard_auth to false)");
      }
      JsonReader auth = cm.child("auth_check");
      if (!auth.bool("disabled", false)) {
        authCheck = hook(auth, "auth_check", HookType.CustomKeyCheck, driver, defaultTimeoutMillis, api.pluginDirs());
      }
    }
    CoprocessSpec spec = new CoprocessSpec(driver, pre, authCheck, postKeyAuth, post, response, specMap(root, api));
    if (spec.hasHooks()) {
      if (driver.isEmpty()) {
        throw new ConfigException("custom_middleware.driver", "is missing: hooks need a driver (python, lua or grpc)");
      }
      if (NOT_COPROCESS.contains(driver)) {
        throw new ConfigException("custom_middleware.driver", "\"" + driver + "\" is not a coprocess driver; Coproxy runs python, lua and grpc plugins");
      }
      if (!driver.matches("[a-z0-9_-]+")) {
        throw new ConfigException("custom_middleware.driver", "\"" + driver + "\" is not a valid driver name");
      }
    }
    return spec;
  }

  private static List<HookSpec> hooks(JsonReader cm, String key, HookType type, String driver, long timeout, List<String> dirs) {
    JsonArray array = cm.array(key);
    List<HookSpec> out = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof JsonObject entry)) {
        throw new ConfigException(cm.path(key) + "[" + i + "]", "must be an object");
      }
      JsonReader r = new JsonReader(entry, cm.path(key) + "[" + i + "]");
      if (!r.bool("disabled", false)) {
        out.add(hook(r, key, type, driver, timeout, dirs));
      }
    }
    return List.copyOf(out);
  }

  private static HookSpec hook(JsonReader r, String key, HookType type, String driver, long timeout, List<String> dirs) {
    r.bool("require_session", false);
    r.string("path", "");
    return new HookSpec(type, key, r.string("name", ""), r.bool("raw_body_only", false),
        r.integer("timeout_ms", timeout, 1, 3_600_000), driver, dirs);
  }

  private static Map<String, String> specMap(JsonReader root, ApiDefinition api) {
    Map<String, String> spec = new LinkedHashMap<>();
    spec.put("OrgID", api.orgId());
    spec.put("APIID", api.apiId());
    spec.put("bundle_hash", md5(root.string("custom_middleware_bundle", "")));
    JsonObject configData = root.object("config_data");
    if (!root.bool("config_data_disabled", false) && !configData.isEmpty()) {
      spec.put("config_data", configData.encode());
    }
    return Map.copyOf(spec);
  }

  private static String md5(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
