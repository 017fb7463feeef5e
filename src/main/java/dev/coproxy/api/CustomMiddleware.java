package dev.coproxy.api;

import dev.coproxy.config.ConfigException;
import dev.coproxy.config.JsonReader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * An API's {@code custom_middleware}: its plugin driver and the hooks that run, per stage, parsed
 * when the API loads (from the definition, or from its bundles' manifests). Holds only what runs:
 * disabled entries are left out, {@code post_key_auth} is empty on keyless APIs, and
 * {@code auth_check} and {@code id_extractor} are there only when the API's auth is its plugin
 * ({@code custom_plugin_auth_enabled} on a protected API).
 *
 * <p>Driver names: Tyk names its drivers with lower-case constants ({@code otto}, {@code python},
 * {@code lua}, {@code grpc}, {@code goplugin}) and finds an API's driver by the exact string, so
 * {@code "Python"} reaches no driver there. Coproxy has one rule for every reader: a driver name is
 * compared exactly, and a set name must be made of {@code [a-z0-9_-]} (it names the driver's
 * event-bus address); with hooks, {@code otto}, {@code javascript} and {@code goplugin} are refused
 * as not coprocess drivers (the key table refuses otto and goplugin anyway). Hooks without a driver
 * are refused.
 *
 * @param driver {@code driver}; empty when unset
 * @param pre {@code pre} hooks in declaration order
 * @param authCheck {@code auth_check}, or null when the API's auth is not its plugin or it is disabled
 * @param postKeyAuth {@code post_key_auth} hooks (protected APIs only)
 * @param post {@code post} hooks
 * @param response {@code response} hooks
 * @param idExtractor {@code id_extractor} of the auth hook, or null
 * @param debugHeaders {@code debug_headers} (Coproxy extension): answers carry the hooks' times and
 *     a failed hook's file and line
 */
public record CustomMiddleware(String driver, List<Hook> pre, Hook authCheck, List<Hook> postKeyAuth, List<Hook> post,
    List<Hook> response, IdExtractorSpec idExtractor, boolean debugHeaders) {

  /** No driver, no hooks. */
  public static final CustomMiddleware NONE = new CustomMiddleware("", List.of(), null, List.of(), List.of(), List.of(), null, false);

  /** The hook lists, by their key. */
  static final List<String> STAGES = List.of("pre", "post_key_auth", "post", "response");

  private static final Set<String> NOT_COPROCESS = Set.of("otto", "javascript", "goplugin");

  public CustomMiddleware {
    pre = List.copyOf(pre);
    postKeyAuth = List.copyOf(postKeyAuth);
    post = List.copyOf(post);
    response = List.copyOf(response);
  }

  /** The keys this record reads, as the key table writes them. */
  static List<String> keys() {
    List<String> keys = new ArrayList<>();
    keys.add("custom_middleware.driver");
    keys.add("custom_middleware.debug_headers");
    for (String stage : STAGES) {
      Hook.KEYS.forEach(k -> keys.add("custom_middleware." + stage + ".*." + k));
    }
    Hook.KEYS.forEach(k -> keys.add("custom_middleware.auth_check." + k));
    IdExtractorSpec.KEYS.forEach(k -> keys.add("custom_middleware.id_extractor." + k));
    return keys;
  }

  /** True when any hook runs for this API. */
  public boolean hasHooks() {
    return authCheck != null || !pre.isEmpty() || !postKeyAuth.isEmpty() || !post.isEmpty() || !response.isEmpty();
  }

  /** True when this API's hooks or events go to the named driver (compared exactly, as Tyk does). */
  public boolean uses(String driverName) {
    return driver.equals(driverName);
  }

  /**
   * @param cm a reader of the {@code custom_middleware} object
   * @param keyless the API is keyless ({@code use_keyless})
   * @param pluginAuth the API's auth is its {@code auth_check} ({@code custom_plugin_auth_enabled})
   * @param apiId the API, for messages
   * @param toBeReplaced the API names bundles, whose manifests will replace this block before
   *     anything runs: hooks without a driver are let through here (the manifests bring it)
   * @throws ConfigException naming the key that cannot work
   */
  static CustomMiddleware parse(JsonReader cm, boolean keyless, boolean pluginAuth, String apiId, boolean toBeReplaced) {
    String driver = cm.string("driver", "").trim();
    List<Hook> pre = hooks(cm, "pre");
    List<Hook> postKeyAuth = hooks(cm, "post_key_auth");
    List<Hook> post = hooks(cm, "post");
    List<Hook> response = hooks(cm, "response");
    boolean authByPlugin = pluginAuth && !keyless;
    Hook authCheck = authByPlugin ? Hook.parse(cm.child("auth_check")) : null;
    IdExtractorSpec idExtractor = authCheck != null ? IdExtractorSpec.parse(cm.child("id_extractor"), apiId) : null;
    CustomMiddleware parsed = new CustomMiddleware(driver, pre, authCheck, keyless ? List.of() : postKeyAuth, post, response,
        idExtractor, cm.bool("debug_headers", false));
    checkDriver(cm, driver, parsed.hasHooks() && !toBeReplaced, apiId);
    return parsed;
  }

  private static void checkDriver(JsonReader cm, String driver, boolean hooksRun, String apiId) {
    String key = cm.path("driver");
    if (driver.isEmpty()) {
      if (hooksRun) {
        throw new ConfigException(key, "is missing: hooks need a driver (python, lua or grpc); api " + apiId + " is refused");
      }
      return;
    }
    // Without hooks a JavaScript or Go driver name is left to the key table (allow_unimplemented_keys may let it load).
    if (hooksRun && NOT_COPROCESS.contains(driver)) {
      throw new ConfigException(key, "\"" + driver + "\" is not a coprocess driver; Coproxy runs python, lua and grpc plugins; api " + apiId
          + " is refused");
    }
    if (!driver.matches("[a-z0-9_-]+")) {
      throw new ConfigException(key, "\"" + driver + "\" is not a valid driver name (names are lower case, as Tyk's); api " + apiId + " is refused");
    }
  }

  private static List<Hook> hooks(JsonReader cm, String key) {
    JsonArray array = cm.array(key);
    List<Hook> out = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      String path = cm.path(key) + "[" + i + "]";
      if (!(array.getValue(i) instanceof JsonObject entry)) {
        throw new ConfigException(path, "must be an object");
      }
      Hook hook = Hook.parse(new JsonReader(entry, path));
      if (hook != null) {
        out.add(hook);
      }
    }
    return out;
  }
}
