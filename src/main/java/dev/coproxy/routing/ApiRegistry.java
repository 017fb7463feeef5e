package dev.coproxy.routing;

import dev.coproxy.api.ApiDefinition;
import dev.coproxy.api.DefinitionResolver;
import dev.coproxy.api.KeyPolicy;
import dev.coproxy.chain.ChainFactory;
import dev.coproxy.config.ConfigException;
import dev.coproxy.metrics.GatewayMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The live set of APIs, read from the JSON files of {@code app_path}. A reload reads every file
 * on a dedicated worker (reloads never overlap), builds a new {@link ApiTable} and swaps it in
 * atomically: requests already running finish on the table they started with. A file that is
 * malformed or invalid is skipped with one log line naming it and the reason; if it held an API
 * before, that previous version stays live.
 */
public final class ApiRegistry {

  private static final System.Logger LOG = System.getLogger(ApiRegistry.class.getName());

  /**
   * What a reload did.
   *
   * @param loaded APIs now live
   * @param errors one line per skipped file or API
   */
  public record ReloadReport(int loaded, List<String> errors) {
  }

  private final Path appPath;
  private final ChainFactory chains;
  private final GatewayMetrics metrics;
  private final WorkerExecutor loader;
  private final DefinitionResolver resolver;
  private final KeyPolicy keys;
  private final boolean customDomains;
  private final AtomicReference<ApiTable> table = new AtomicReference<>(ApiTable.EMPTY);
  private final List<Supplier<Future<?>>> afterReload = new CopyOnWriteArrayList<>();

  public ApiRegistry(Vertx vertx, Path appPath, ChainFactory chains, GatewayMetrics metrics) {
    this(vertx, appPath, chains, metrics, DefinitionResolver.NONE);
  }

  /**
   * @param resolver completes each definition before it loads (plugin bundles)
   */
  public ApiRegistry(Vertx vertx, Path appPath, ChainFactory chains, GatewayMetrics metrics, DefinitionResolver resolver) {
    this(vertx, appPath, chains, metrics, resolver, KeyPolicy.strict());
  }

  /**
   * @param resolver completes each definition before it loads (plugin bundles)
   * @param keys how keys Coproxy does not implement are judged (refused, or warned about)
   */
  public ApiRegistry(Vertx vertx, Path appPath, ChainFactory chains, GatewayMetrics metrics, DefinitionResolver resolver,
      KeyPolicy keys) {
    this(vertx, appPath, chains, metrics, resolver, keys, false);
  }

  /**
   * @param resolver completes each definition before it loads (plugin bundles)
   * @param keys how keys Coproxy does not implement are judged (refused, or warned about)
   * @param customDomains {@code enable_custom_domains}: APIs' {@code domain}s are in force
   */
  public ApiRegistry(Vertx vertx, Path appPath, ChainFactory chains, GatewayMetrics metrics, DefinitionResolver resolver,
      KeyPolicy keys, boolean customDomains) {
    this.keys = keys;
    this.customDomains = customDomains;
    this.resolver = resolver;
    this.appPath = appPath;
    this.chains = chains;
    this.metrics = metrics;
    // Bundle downloads may keep a reload busy for a while (timeouts and retries per bundle): the
    // blocked-thread warning is for far longer than Vert.x's default minute.
    this.loader = vertx.createSharedWorkerExecutor("coproxy-api-loader", 1, 10, java.util.concurrent.TimeUnit.MINUTES);
  }

  /** The table requests are routed with now. */
  public ApiTable current() {
    return table.get();
  }

  public Path appPath() {
    return appPath;
  }

  /** How definitions' keys are judged; the Gateway API judges new definitions the same way. */
  public KeyPolicy keyPolicy() {
    return keys;
  }

  /** Re-reads {@code app_path} and swaps the new table in, then runs the after-reload tasks. */
  public Future<ReloadReport> reload() {
    return reload(false);
  }

  /**
   * Like {@link #reload()}; with {@code refreshBundles}, plugin bundles are fetched again even when
   * they are already on disk.
   */
  public Future<ReloadReport> reload(boolean refreshBundles) {
    return loader.executeBlocking(() -> load(refreshBundles), true).compose(report -> {
      List<Future<?>> tasks = new ArrayList<>();
      afterReload.forEach(task -> tasks.add(task.get()));
      return Future.join(tasks).transform(ar -> Future.succeededFuture(report));
    });
  }

  /**
   * Adds work every reload does after the APIs are swapped in (reloading plugin code); its failure
   * is the task's to log and does not fail the reload.
   */
  public void afterReload(Supplier<Future<?>> task) {
    afterReload.add(task);
  }

  /** Releases the loader thread. */
  public Future<Void> close() {
    return loader.close();
  }

  private ReloadReport load(boolean refreshBundles) {
    resolver.startReload(refreshBundles);
    ApiTable previous = table.get();
    Map<Path, LoadedApi> previousBySource = new HashMap<>();
    previous.all().forEach(api -> previousBySource.put(api.source(), api));
    List<String> errors = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> list = Files.list(appPath)) {
      files = list.filter(p -> p.getFileName().toString().endsWith(".json") && Files.isRegularFile(p)).sorted().toList();
    } catch (IOException e) {
      String error = "app_path " + appPath + " cannot be read (" + e.getMessage() + "); keeping the " + previous.size() + " APIs loaded before";
      LOG.log(Level.ERROR, error);
      return new ReloadReport(previous.size(), List.of(error));
    }
    List<LoadedApi> candidates = new ArrayList<>();
    for (Path file : files) {
      LoadedApi api;
      try {
        api = read(file, previousBySource.get(file));
      } catch (ConfigException | DecodeException | IOException | IllegalArgumentException e) {
        LoadedApi kept = previousBySource.get(file);
        String error = "api file " + file + " skipped: " + reason(e) + (kept == null ? "" : "; keeping its previous version live");
        LOG.log(Level.ERROR, error);
        errors.add(error);
        api = kept;
      }
      if (api != null) {
        candidates.add(api);
      }
    }
    Map<String, LoadedApi> byId = new LinkedHashMap<>();
    Map<String, LoadedApi> byRoute = new HashMap<>();
    // An API that serves a listen path (on its domain, with enable_custom_domains) keeps it: a
    // newcomer on the same route is refused, whatever the order of the files; among newcomers, the
    // first file (by name) wins.
    for (LoadedApi api : ListenPaths.incumbentsFirst(candidates, previous, customDomains)) {
      ApiDefinition def = api.definition();
      if (byId.containsKey(def.apiId())) {
        errors.add(skip(api.source(), "api_id " + def.apiId() + " is already used by " + byId.get(def.apiId()).source().getFileName()));
        continue;
      }
      LoadedApi owner = byRoute.putIfAbsent(ListenPaths.route(def, customDomains), api);
      if (owner != null) {
        String domain = customDomains && def.access().domain() != null ? " on domain " + def.access().domain().text() : "";
        errors.add(skip(api.source(), "api " + def.apiId() + " refused: proxy.listen_path " + def.listenPath() + domain
            + " is already served by api " + owner.definition().apiId() + " (" + owner.source().getFileName() + ")"));
        continue;
      }
      byId.put(def.apiId(), api);
    }
    table.set(new ApiTable(byId.values(), customDomains));
    LOG.log(Level.INFO, "loaded " + byId.size() + " APIs from " + appPath + (errors.isEmpty() ? "" : " (" + errors.size() + " skipped)"));
    return new ReloadReport(byId.size(), List.copyOf(errors));
  }

  /** @param before what this file held at the last load, or null */
  private LoadedApi read(Path file, LoadedApi before) throws IOException {
    JsonObject json = new JsonObject(Files.readString(file, StandardCharsets.UTF_8));
    Object apiId = json.getValue("api_id");
    if (apiId == null || (apiId instanceof String text && text.isBlank())) {
      // Tyk loads such a file (its own plugin fixtures have none); the id comes from the file name,
      // which is stable across reloads and restarts. Warned about once, when the file first loads.
      String derived = ListenPaths.idFromFileName(file);
      json.put("api_id", derived);
      if (before == null || !before.definition().apiId().equals(derived)) {
        LOG.log(Level.WARNING, "api file " + file + " has no api_id; using \"" + derived + "\" (from its file name)");
      }
    }
    ApiDefinition def = ApiDefinition.parse(json);
    if (!def.active()) {
      LOG.log(Level.INFO, "api file " + file + ": api " + def.apiId() + " is inactive (active: false), not loaded");
      return null;
    }
    keys.check(def.apiId(), json);
    ApiDefinition resolved = resolver.resolve(def);
    if (resolved != def) {
      // A bundle's manifest brings its own custom_middleware (its driver among them).
      keys.check(resolved);
    }
    def = resolved;
    return new LoadedApi(def, chains.build(def), file, metrics.forApi(def.apiId()));
  }

  private static String skip(Path file, String reason) {
    String error = "api file " + file + " skipped: " + reason;
    LOG.log(Level.ERROR, error);
    return error;
  }

  private static String reason(Exception e) {
    if (e instanceof DecodeException) {
      return "not valid JSON: " + firstLine(e.getMessage());
    }
    return firstLine(String.valueOf(e.getMessage()));
  }

  private static String firstLine(String text) {
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }
}
