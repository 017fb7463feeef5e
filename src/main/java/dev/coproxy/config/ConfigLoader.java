package dev.coproxy.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Loads the gateway configuration with vertx-config, in three layers: the bundled default
 * ({@code conf/coproxy.json} on the classpath), an optional overlay file ({@code --conf}), and
 * {@code COPROXY_<KEY>} environment variables overriding top-level keys.
 */
public final class ConfigLoader {

  /** Classpath location of the bundled default configuration. */
  public static final String DEFAULT_CONFIG = "conf/coproxy.json";
  /**
   * The bundled config turns the echo endpoint on for its demo APIs; a {@code --conf} file must ask
   * for it itself, so that a user's config never serves it by inheritance.
   */
  public static final String DEMO_ONLY_KEY = "enable_echo_endpoint";
  /** Prefix of environment variables that override top-level keys. */
  public static final String ENV_PREFIX = "COPROXY_";

  private final Vertx vertx;
  private final Map<String, String> environment;

  /**
   * @param vertx the Vert.x instance used by the config retriever
   * @param environment the process environment; only the names starting with {@link #ENV_PREFIX}
   *     are read
   */
  public ConfigLoader(Vertx vertx, Map<String, String> environment) {
    this.vertx = vertx;
    this.environment = environment;
  }

  /**
   * Reads the three layers and validates the result.
   *
   * @param overlay the {@code --conf} file, or null
   * @return the typed config, or a failure carrying a {@link ConfigException}
   */
  public Future<GatewayConfig> load(Path overlay) {
    JsonObject defaults;
    try {
      defaults = bundledDefaults();
      if (overlay != null) {
        defaults.remove(DEMO_ONLY_KEY);
      }
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    }
    ConfigRetrieverOptions options = new ConfigRetrieverOptions().setScanPeriod(0).setIncludeDefaultStores(false);
    options.addStore(new ConfigStoreOptions().setType("json").setConfig(defaults));
    if (overlay != null) {
      if (!Files.isRegularFile(overlay) || !Files.isReadable(overlay)) {
        return Future.failedFuture(new ConfigException("--conf", "cannot read file " + overlay.toAbsolutePath()));
      }
      options.addStore(new ConfigStoreOptions().setType("file").setFormat("json")
          .setConfig(new JsonObject().put("path", overlay.toAbsolutePath().toString())));
    }
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
    return retriever.getConfig()
        .recover(e -> Future.failedFuture(describeLoadFailure(overlay, e)))
        .map(merged -> {
          JsonObject config = withEnvironment(merged);
          boolean appPathIsDefault = Objects.equals(config.getValue("app_path"), defaults.getValue("app_path"));
          return GatewayConfig.from(config, appPathIsDefault);
        })
        .eventually(retriever::close);
  }

  /** The bundled default configuration as JSON. */
  public static JsonObject bundledDefaults() {
    try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(DEFAULT_CONFIG)) {
      if (in == null) {
        throw new ConfigException(DEFAULT_CONFIG, "missing from the classpath");
      }
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException | DecodeException e) {
      throw new ConfigException(DEFAULT_CONFIG, "cannot be read: " + e.getMessage());
    }
  }

  // Environment values win over both files. They come from the map this loader was given (not
  // from System.getenv behind its back) and stay text, as written: "007" must not become 7. A value
  // written as a JSON object or list is read as one.
  private JsonObject withEnvironment(JsonObject merged) {
    JsonObject out = merged.copy();
    environment.entrySet().stream()
        .filter(e -> e.getKey().startsWith(ENV_PREFIX) && e.getKey().length() > ENV_PREFIX.length())
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> out.put(e.getKey().substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT), environmentValue(e.getValue())));
    return out;
  }

  private static Object environmentValue(String text) {
    String trimmed = text.trim();
    try {
      if (trimmed.startsWith("{")) {
        return new JsonObject(trimmed);
      }
      if (trimmed.startsWith("[")) {
        return new JsonArray(trimmed);
      }
    } catch (DecodeException e) {
      // Kept as text: validation then names the key and shows the value.
    }
    return text;
  }

  private static Throwable describeLoadFailure(Path overlay, Throwable e) {
    Throwable root = e;
    boolean notJson = e instanceof DecodeException;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
      notJson |= root instanceof DecodeException;
    }
    String key = overlay == null ? "config" : "--conf";
    String where = overlay == null ? "" : overlay + " ";
    String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    if (notJson || message.contains("decode")) {
      return new ConfigException(key, where + "is not valid JSON: " + firstLine(message));
    }
    return new ConfigException(key, where + firstLine(message));
  }

  private static String firstLine(String text) {
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }
}
