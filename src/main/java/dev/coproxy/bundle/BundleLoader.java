package dev.coproxy.bundle;

import dev.coproxy.api.ApiDefinition;
import dev.coproxy.api.DefinitionResolver;
import dev.coproxy.api.PluginSettings;
import dev.coproxy.config.GatewayConfig;
import io.vertx.core.Context;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;

/**
 * Resolves an API's {@code custom_middleware_bundle} when the API loads (Tyk's section 11.3): the
 * bundle in {@code <middleware_path>/bundles/<md5 of the name>/} is used when present (partial
 * verification), otherwise it is downloaded from {@code bundle_base_url}, unpacked into a
 * temporary directory, deep-verified and moved into place. The manifests' {@code custom_middleware}
 * (merged) replaces the API's, parsed and checked here as the definition's own is, and the bundle
 * directories become the API's plugin directories. A reload
 * asking to refresh bundles downloads each bundle again (once per reload) and swaps it in only once
 * verified, so a failing bundle never replaces a good one.
 */
public final class BundleLoader implements DefinitionResolver {

  private final GatewayConfig.BundleOptions options;
  private final Path bundlesDir;
  private final BundleDownloader downloader;
  private final BundleArchive archive;
  private final Set<Path> refreshed = new HashSet<>();
  private boolean refresh;

  /**
   * @param middlewarePath {@code middleware_path}; bundles live in its {@code bundles} folder
   * @param downloader made with the same {@code options}
   */
  public BundleLoader(GatewayConfig.BundleOptions options, Path middlewarePath, BundleDownloader downloader) {
    this.options = options;
    this.bundlesDir = middlewarePath.resolve("bundles").toAbsolutePath().normalize();
    this.downloader = downloader;
    this.archive = new BundleArchive(options.maxSize());
  }

  @Override
  public void startReload(boolean refreshBundles) {
    refresh = refreshBundles;
    refreshed.clear();
  }

  @Override
  public ApiDefinition resolve(ApiDefinition def) throws BundleException {
    if (!def.plugins().usesBundles()) {
      return def;
    }
    String bundle = def.plugins().bundle().trim();
    List<String> names = def.plugins().bundleNames();
    try {
      if (options.baseUrl().isEmpty()) {
        throw new BundleException("No bundle base URL set, skipping bundle (bundle_base_url is empty)");
      }
      Path root = bundlesDir.resolve(md5(def.plugins().bundle()));
      boolean single = !bundle.contains(",");
      List<BundleMerger.Part> parts = new ArrayList<>();
      List<String> dirs = new ArrayList<>();
      for (String name : names) {
        String subdir = single ? "" : BundleMerger.subdir(name);
        Path dir = single ? root : root.resolve(subdir);
        parts.add(new BundleMerger.Part(name, subdir, obtain(name, dir)));
        dirs.add(dir.toString());
      }
      return def.withCustomMiddleware(BundleMerger.merge(parts)).withPluginDirs(dirs);
    } catch (BundleException e) {
      throw new BundleException("api " + def.apiId() + ": bundle \"" + bundle + "\" refused: " + e.getMessage(), e);
    }
  }

  /** Tyk's list parsing: comma-separated, trimmed, empty names dropped. */
  static List<String> names(String bundle) {
    return PluginSettings.names(bundle);
  }

  private Manifest obtain(String name, Path dir) throws BundleException {
    boolean fetchAgain = refresh && options.downloaderEnabled() && !refreshed.contains(dir);
    if (Files.isDirectory(dir) && !fetchAgain) {
      Manifest manifest = Manifest.read(dir);
      verifier().partial(dir, manifest);
      return manifest;
    }
    if (!options.downloaderEnabled()) {
      throw new BundleException("Bundle downloader is disabled (enable_bundle_downloader is false) and " + dir + " does not exist");
    }
    byte[] zip = download(url(options.baseUrl(), name));
    Path staging;
    try {
      Files.createDirectories(dir.getParent());
      staging = Files.createTempDirectory(dir.getParent(), ".download-");
    } catch (IOException e) {
      throw new BundleException("cannot create a directory in " + dir.getParent() + ": " + e.getMessage(), e);
    }
    try {
      archive.unpack(zip, staging);
      Manifest manifest = Manifest.read(staging);
      verifier().deep(staging, manifest);
      install(staging, dir);
      refreshed.add(dir);
      return manifest;
    } finally {
      BundleArchive.delete(staging);
    }
  }

  // DefinitionResolver is synchronous: the registry resolves definitions one by one on its loader
  // worker thread, and unpacking and verifying block anyway. The download itself runs on the event
  // loops; only this worker thread waits for it, which an event loop must never do.
  private byte[] download(String url) throws BundleException {
    if (Context.isOnEventLoopThread()) {
      throw new IllegalStateException("bundles are resolved off the event loops");
    }
    try {
      return downloader.fetch(url).toCompletionStage().toCompletableFuture().get().getBytes();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof BundleException failure) {
        throw failure;
      }
      throw new BundleException("GET " + url + ": " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BundleException("GET " + url + " interrupted");
    }
  }

  // Puts a verified bundle in place; a previous copy is moved aside first and removed after.
  private static void install(Path staging, Path dir) throws BundleException {
    Path old = dir.resolveSibling(".old-" + dir.getFileName() + "-" + System.nanoTime());
    try {
      if (Files.exists(dir)) {
        Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
      }
      Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new BundleException("cannot move the bundle into " + dir + ": " + e.getMessage(), e);
    } finally {
      BundleArchive.delete(old);
    }
  }

  private BundleVerifier verifier() throws BundleException {
    PublicKey key = options.publicKeyPath().isEmpty() ? null : BundleVerifier.readPublicKey(Path.of(options.publicKeyPath()));
    return new BundleVerifier(key, options.skipVerifyExisting());
  }

  /** {@code base} joined with {@code name} as Go's path.Join does: one slash between, duplicates collapsed. */
  static String url(String base, String name) {
    int schemeEnd = base.indexOf("://");
    String prefix = schemeEnd < 0 ? "" : base.substring(0, schemeEnd + 3);
    String rest = (schemeEnd < 0 ? base : base.substring(schemeEnd + 3)) + "/" + name;
    return prefix + rest.replaceAll("/{2,}", "/");
  }

  /** Lowercase hex MD5 of a bundle name: its directory under {@code bundles}. */
  public static String md5(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
