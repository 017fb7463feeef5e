package dev.coproxy.api;

import dev.coproxy.config.ConfigException;
import dev.coproxy.config.JsonReader;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * One classic Tyk API definition, parsed and validated once when it loads into one record per
 * section; nothing reads the definition's JSON after that. The JSON is kept whole only to be shown
 * back by the Gateway API and judged by the key table ({@link KeyPolicy}).
 *
 * @param apiId {@code api_id}
 * @param orgId {@code org_id}
 * @param name {@code name}
 * @param active {@code active} (default true)
 * @param keyless {@code use_keyless}
 * @param auth where the token is read from
 * @param proxy the {@code proxy} section
 * @param sessionLifetime {@code session_lifetime} in seconds
 * @param plugins plugin auth, bundles and {@code config_data}
 * @param customMiddleware the driver and hooks that run (the bundles' when the API uses bundles)
 * @param eventHandlers {@code event_handlers}
 * @param versions {@code version_data} and {@code definition}: versions, path lists and limits
 * @param access API-wide access controls (IP lists, API rate limit, rate and quota switches)
 * @param detailedTracing {@code detailed_tracing}: with {@code opentelemetry} on, each plugin hook
 *     gets a span of its own under the request's
 * @param raw the definition as read (with its bundles' {@code custom_middleware} once resolved)
 * @param pluginDirs where this API's plugin code lives (its unpacked bundle directories, in
 *     order); empty means the driver's default folder ({@code <middleware_path>/python},
 *     {@code <middleware_path>/lua})
 */
public record ApiDefinition(
    String apiId,
    String orgId,
    String name,
    boolean active,
    boolean keyless,
    AuthSource auth,
    ProxySection proxy,
    long sessionLifetime,
    PluginSettings plugins,
    CustomMiddleware customMiddleware,
    EventHandlers eventHandlers,
    VersionData versions,
    ApiAccess access,
    boolean detailedTracing,
    JsonObject raw,
    List<String> pluginDirs) {

  /** Top-level keys read here, as the key table writes them; the sections list their own. */
  static final List<String> KEYS = List.of("api_id", "org_id", "name", "active", "use_keyless", "session_lifetime",
      "detailed_tracing");

  public ApiDefinition {
    pluginDirs = List.copyOf(pluginDirs);
  }

  /**
   * Where a request's token is read from: Tyk's {@code auth_configs.authToken}, or the legacy
   * {@code auth} block. The header defaults to {@code Authorization}.
   */
  public record AuthSource(String headerName, boolean useParam, String paramName, boolean useCookie, String cookieName) {

    /** The keys read, relative to {@code auth} and to {@code auth_configs.authToken}. */
    static final List<String> KEYS = List.of("auth_header_name", "use_param", "param_name", "use_cookie", "cookie_name");
  }

  /**
   * Parses and validates a definition.
   *
   * @throws ConfigException naming the key that cannot work
   */
  public static ApiDefinition parse(JsonObject json) {
    JsonReader r = new JsonReader(json);
    String apiId = r.string("api_id", "").trim();
    if (apiId.isEmpty()) {
      throw new ConfigException("api_id", "is missing");
    }
    checkApiId(apiId);
    ProxySection proxy = ProxySection.parse(r.child("proxy"));
    boolean keyless = r.bool("use_keyless", false);
    PluginSettings plugins = PluginSettings.parse(r, keyless);
    return new ApiDefinition(
        apiId,
        r.string("org_id", ""),
        r.string("name", apiId),
        r.bool("active", true),
        keyless,
        authSource(r),
        proxy,
        r.integer("session_lifetime", 0, 0, Long.MAX_VALUE),
        plugins,
        CustomMiddleware.parse(r.child("custom_middleware"), keyless, plugins.pluginAuth(), apiId, plugins.usesBundles()),
        EventHandlers.parse(r.child("event_handlers")),
        VersionData.parse(r),
        ApiAccess.parse(r),
        r.bool("detailed_tracing", false),
        json,
        List.of());
  }

  /**
   * Tyk's rule for an API id, which names the file {@code <api_id>.json}: any text but {@code .},
   * {@code ..} or one holding a path separator, also once URL-decoded (up to three times); Coproxy
   * also refuses control characters.
   *
   * @throws ConfigException naming {@code api_id}
   */
  public static void checkApiId(String apiId) {
    String decoded = apiId;
    for (int round = 0; round <= 3; round++) {
      if (decoded.isEmpty() || decoded.equals(".") || decoded.equals("..")) {
        throw new ConfigException("api_id", "must not be empty, \".\" or \"..\", got \"" + printable(apiId) + "\"");
      }
      if (decoded.indexOf('/') >= 0 || decoded.indexOf('\\') >= 0) {
        throw new ConfigException("api_id", "must not hold a path separator (/ or \\), got \"" + printable(apiId) + "\"");
      }
      if (decoded.chars().anyMatch(Character::isISOControl)) {
        throw new ConfigException("api_id", "must not hold control characters, got \"" + printable(apiId) + "\"");
      }
      String next;
      try {
        next = URLDecoder.decode(decoded, StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return; // not URL-encoded text: nothing hides behind it
      }
      if (next.equals(decoded)) {
        return;
      }
      decoded = next;
    }
  }

  private static String printable(String text) {
    StringBuilder out = new StringBuilder();
    text.codePoints().forEach(c -> out.append(Character.isISOControl(c) ? String.format("\\u%04x", c) : Character.toString(c)));
    return out.toString();
  }

  /** This definition with its plugin code in the given directories (a loaded bundle). */
  public ApiDefinition withPluginDirs(List<String> dirs) {
    return new ApiDefinition(apiId, orgId, name, active, keyless, auth, proxy, sessionLifetime, plugins, customMiddleware,
        eventHandlers, versions, access, detailedTracing, raw, dirs);
  }

  /**
   * This definition with another {@code custom_middleware} (its bundles' manifests, merged), parsed
   * and checked as the definition's own would be; the JSON kept for the Gateway API and the key
   * table holds the new block.
   *
   * @throws ConfigException naming the key that cannot work
   */
  public ApiDefinition withCustomMiddleware(JsonObject customMiddleware) {
    // debug_headers is the API owner's switch, not the bundle's: a manifest neither turns it off nor
    // on (it would show file names and error text to every client).
    customMiddleware = customMiddleware.copy().put("debug_headers", this.customMiddleware.debugHeaders());
    CustomMiddleware parsed = CustomMiddleware.parse(new JsonReader(customMiddleware, "custom_middleware"), keyless,
        plugins.pluginAuth(), apiId, false);
    return new ApiDefinition(apiId, orgId, name, active, keyless, auth, proxy, sessionLifetime, plugins, parsed,
        eventHandlers, versions, access, detailedTracing, raw.copy().put("custom_middleware", customMiddleware.copy()), pluginDirs);
  }

  /** {@code proxy.listen_path}. */
  public String listenPath() {
    return proxy.listenPath();
  }

  /** {@code proxy.target_url}, parsed. */
  public UpstreamTarget target() {
    return proxy.target();
  }

  /** {@code proxy.strip_listen_path}. */
  public boolean stripListenPath() {
    return proxy.stripListenPath();
  }

  /** {@code proxy.preserve_host_header}. */
  public boolean preserveHostHeader() {
    return proxy.preserveHostHeader();
  }

  private static AuthSource authSource(JsonReader r) {
    JsonReader token = r.child("auth_configs").child("authToken");
    JsonReader legacy = r.child("auth");
    JsonReader source = token.has("auth_header_name") || token.has("use_param") || token.has("use_cookie") ? token : legacy;
    String header = source.string("auth_header_name", "");
    return new AuthSource(
        header.isBlank() ? "Authorization" : header.trim(),
        source.bool("use_param", false),
        source.string("param_name", ""),
        source.bool("use_cookie", false),
        source.string("cookie_name", ""));
  }

  /** True when a request path falls under this API's listen path (at a segment boundary). */
  public boolean matches(String path) {
    String listenPath = proxy.listenPath();
    if (!path.startsWith(listenPath)) {
      // "/demo" reaches the API listening on "/demo/".
      return listenPath.length() == path.length() + 1 && listenPath.endsWith("/") && listenPath.startsWith(path);
    }
    return path.length() == listenPath.length() || listenPath.endsWith("/") || path.charAt(listenPath.length()) == '/';
  }

  /** The path to send upstream: the request path, without the listen path when stripping. */
  public String upstreamPath(String path) {
    String listenPath = proxy.listenPath();
    if (!proxy.stripListenPath() || !matches(path)) {
      return path;
    }
    String rest = path.substring(Math.min(listenPath.length(), path.length()));
    return rest.startsWith("/") || rest.isEmpty() ? rest : "/" + rest;
  }

  @Override
  public String toString() {
    return "api " + apiId + " (" + proxy.listenPath() + " -> " + proxy.target().url().toLowerCase(Locale.ROOT) + ")";
  }
}
