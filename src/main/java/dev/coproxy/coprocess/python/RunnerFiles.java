package dev.coproxy.coprocess.python;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Coproxy's Python runner, shipped as resources in the jar ({@code /python/...}) with the protobuf
 * descriptor set of the coprocess messages ({@code /proto/coprocess.desc}), unpacked into a fresh
 * temporary directory at start and removed at stop.
 */
final class RunnerFiles {

  /** The runner's files, relative to the {@code /python/} resource folder. */
  static final List<String> FILES = List.of("coproxy_worker.py", "coproxy_plugins.py", "coproxy_protos.py", "gateway.py",
      "tyk/__init__.py", "tyk/decorators.py", "tyk/request.py", "tyk/session.py", "tyk/event.py");
  /** Where the build puts the descriptor set (see the protobuf plugin in the pom). */
  static final String DESCRIPTOR_SET = "/proto/coprocess.desc";

  /** Sub-folder where workers keep the last source of each plugin file that loaded. */
  private static final String LAST_GOOD = "last-good";

  private final Path directory;

  private RunnerFiles(Path directory) {
    this.directory = directory;
  }

  /** Unpacks the runner (blocking). */
  static RunnerFiles unpack() {
    try {
      Path directory = Files.createTempDirectory("coproxy-python-");
      // Removed by delete() at stop; deleteOnExit (files first, as it runs in reverse) covers a JVM that exits without it.
      directory.toFile().deleteOnExit();
      directory.resolve("tyk").toFile().deleteOnExit();
      for (String file : FILES) {
        copy("/python/" + file, directory.resolve(file));
      }
      copy(DESCRIPTOR_SET, directory.resolve("coprocess.desc"));
      Files.createDirectory(directory.resolve(LAST_GOOD));
      return new RunnerFiles(directory);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot unpack the Python runner: " + e.getMessage(), e);
    }
  }

  private static void copy(String resource, Path target) throws IOException {
    try (InputStream in = RunnerFiles.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException(resource + " is missing from the build");
      }
      Files.createDirectories(target.getParent());
      Files.write(target, in.readAllBytes());
      target.toFile().deleteOnExit();
    }
  }

  Path directory() {
    return directory;
  }

  Path worker() {
    return directory.resolve("coproxy_worker.py");
  }

  /**
   * Where the workers keep the last source of each plugin file that loaded, so that a worker
   * started after a broken save (a restart, a replacement) still serves the last good version.
   */
  Path lastGood() {
    return directory.resolve(LAST_GOOD);
  }

  Path descriptorSet() {
    return directory.resolve("coprocess.desc");
  }

  /** Removes the unpacked files. */
  void delete() {
    try (Stream<Path> paths = Files.walk(directory)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      // A temporary directory left behind is harmless.
    }
  }
}
