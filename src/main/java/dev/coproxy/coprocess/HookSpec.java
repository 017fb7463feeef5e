package dev.coproxy.coprocess;

import dev.coproxy.proto.HookType;
import java.util.List;

/**
 * One configured hook (a Tyk middleware definition) as the chain uses it.
 *
 * @param type where it runs
 * @param key its config key: pre, auth_check, post_key_auth, post or response
 * @param name {@code name}, sent as {@code hook_name}
 * @param rawBodyOnly {@code raw_body_only}: send no {@code body} string
 * @param timeoutMillis the hook's deadline: {@code timeout_ms}, else {@code hook_timeout_ms}
 * @param driver the API's driver
 * @param pluginDirs the API's plugin directories (bundles); empty for the driver's default folder
 */
public record HookSpec(HookType type, String key, String name, boolean rawBodyOnly, long timeoutMillis, String driver,
    List<String> pluginDirs) {

  public HookSpec {
    pluginDirs = List.copyOf(pluginDirs);
  }

  /** A hook whose code lives in the driver's default folder. */
  public HookSpec(HookType type, String key, String name, boolean rawBodyOnly, long timeoutMillis, String driver) {
    this(type, key, name, rawBodyOnly, timeoutMillis, driver, List.of());
  }
}
