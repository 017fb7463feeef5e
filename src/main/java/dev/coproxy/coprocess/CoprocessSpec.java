package dev.coproxy.coprocess;

import dev.coproxy.api.ApiDefinition;
import dev.coproxy.api.CustomMiddleware;
import dev.coproxy.api.Hook;
import dev.coproxy.proto.HookType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An API's hooks as the chain runs them, mapped when the chain is built from the definition's
 * parsed {@link CustomMiddleware}: each hook with its stage, deadline ({@code timeout_ms}, else
 * the gateway's {@code hook_timeout_ms}), driver and plugin directories, and the {@code spec} map
 * every hook receives.
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

  /** True when any hook runs for this API. */
  public boolean hasHooks() {
    return authCheck != null || !pre.isEmpty() || !postKeyAuth.isEmpty() || !post.isEmpty() || !response.isEmpty();
  }

  /**
   * Maps an API's parsed hooks.
   *
   * @param defaultTimeoutMillis {@code coprocess_options.hook_timeout_ms}
   */
  public static CoprocessSpec of(ApiDefinition api, long defaultTimeoutMillis) {
    CustomMiddleware cm = api.customMiddleware();
    Mapper m = new Mapper(cm.driver(), defaultTimeoutMillis, api.pluginDirs());
    return new CoprocessSpec(cm.driver(), m.all(cm.pre(), HookType.Pre, "pre"),
        cm.authCheck() == null ? null : m.one(cm.authCheck(), HookType.CustomKeyCheck, "auth_check"),
        m.all(cm.postKeyAuth(), HookType.PostKeyAuth, "post_key_auth"), m.all(cm.post(), HookType.Post, "post"),
        m.all(cm.response(), HookType.Response, "response"), specMap(api));
  }

  private record Mapper(String driver, long defaultTimeout, List<String> dirs) {
    HookSpec one(Hook hook, HookType type, String key) {
      return new HookSpec(type, key, hook.name(), hook.rawBodyOnly(), hook.timeoutMillis().orElse(defaultTimeout), driver, dirs);
    }

    List<HookSpec> all(List<Hook> hooks, HookType type, String key) {
      return hooks.stream().map(h -> one(h, type, key)).toList();
    }
  }

  private static Map<String, String> specMap(ApiDefinition api) {
    Map<String, String> spec = new LinkedHashMap<>();
    spec.put("OrgID", api.orgId());
    spec.put("APIID", api.apiId());
    spec.put("bundle_hash", md5(api.plugins().bundle()));
    if (!api.plugins().configData().isEmpty()) {
      spec.put("config_data", api.plugins().configData());
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
