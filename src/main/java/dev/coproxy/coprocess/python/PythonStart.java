package dev.coproxy.coprocess.python;

import dev.coproxy.api.ApiDefinition;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * When the Python workers start: as soon as the gateway has Python to run, that is an API whose
 * hooks use driver {@code python} or a {@code .py} file in {@code <middleware_path>/python}. The
 * gateway asks at start and after each reload; until then no worker process runs (the driver still
 * starts them for a first Python call or event that comes anyway).
 */
final class PythonStart {

  private final Vertx vertx;
  private final Supplier<Collection<ApiDefinition>> apis;
  private final Path folder;
  private final PythonDriver driver;

  PythonStart(Vertx vertx, Supplier<Collection<ApiDefinition>> apis, Path middlewarePath, PythonDriver driver) {
    this.vertx = vertx;
    this.apis = apis;
    this.folder = middlewarePath.resolve("python");
    this.driver = driver;
  }

  /** Starts the workers if there is Python to run and they were not started yet. */
  Future<Void> ifNeeded() {
    if (driver.started()) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(this::pythonToRun, false)
        .compose(needed -> needed ? driver.startOnce(vertx) : Future.succeededFuture());
  }

  // Blocking: lists the plugin folder.
  private boolean pythonToRun() throws IOException {
    boolean api = apis.get().stream().anyMatch(definition -> definition.customMiddleware().uses(PythonDriver.NAME));
    if (api || !Files.isDirectory(folder)) {
      return api;
    }
    try (Stream<Path> files = Files.list(folder)) {
      return files.anyMatch(file -> file.getFileName().toString().endsWith(".py"));
    }
  }
}
