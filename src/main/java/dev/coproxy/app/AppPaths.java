package dev.coproxy.app;

import dev.coproxy.config.ConfigException;
import dev.coproxy.config.GatewayConfig;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Checks {@code app_path} before start-up. When it is the bundled default and does not exist yet
 * (a first run of {@code java -jar}), it is created and seeded with the demo APIs; a configured
 * path must exist and be a readable directory.
 */
final class AppPaths {

  /** The demo API definitions shipped in the jar under {@code conf/apps/}. */
  static final List<String> DEMO_APIS = List.of("demo-keyless.json", "demo-protected.json");

  private static final System.Logger LOG = System.getLogger(AppPaths.class.getName());

  private AppPaths() {
  }

  /** @throws ConfigException naming {@code app_path} when the directory cannot be used */
  static void prepare(GatewayConfig config) {
    Path dir = config.appPath();
    if (!Files.exists(dir) && config.appPathIsDefault()) {
      seed(dir);
      return;
    }
    if (!Files.isDirectory(dir)) {
      throw new ConfigException("app_path", Files.exists(dir) ? dir.toAbsolutePath() + " is not a directory" : "directory " + dir.toAbsolutePath() + " does not exist");
    }
    if (!Files.isReadable(dir)) {
      throw new ConfigException("app_path", "directory " + dir.toAbsolutePath() + " is not readable");
    }
  }

  private static void seed(Path dir) {
    try {
      Files.createDirectories(dir);
      for (String name : DEMO_APIS) {
        try (InputStream in = AppPaths.class.getClassLoader().getResourceAsStream("conf/apps/" + name)) {
          if (in != null) {
            Files.copy(in, dir.resolve(name));
          }
        }
      }
      LOG.log(Level.INFO, "app_path " + dir.toAbsolutePath() + " did not exist: created it with the demo APIs " + DEMO_APIS);
    } catch (IOException e) {
      throw new ConfigException("app_path", "cannot create " + dir.toAbsolutePath() + ": " + e.getMessage());
    }
  }
}
