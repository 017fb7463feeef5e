package dev.coproxy.plugintest;

import dev.coproxy.bundle.BundleArchive;
import dev.coproxy.bundle.BundleException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where {@code --plugins} puts the plugin code for the driver, in the gateway's own terms:
 * <ul>
 *   <li>a bundle ({@code .zip}) is unpacked as the gateway unpacks one, and used as the API's bundle directory;</li>
 *   <li>a directory with a {@code manifest.json} is a bundle directory;</li>
 *   <li>a directory with a {@code lua/} or {@code python/} folder (the driver's) is a {@code middleware_path};</li>
 *   <li>any other directory is the driver's default folder ({@code <middleware_path>/lua} or {@code /python}).</li>
 * </ul>
 *
 * @param middlewarePath the {@code middleware_path} to configure
 * @param pluginDirs the API's bundle directories, empty for the default folder
 * @param scratch a directory made for this run, deleted by {@link #clean()}; null when none
 * @param linked the user's directory that {@code scratch} links to as the driver's folder; null when none
 */
record PluginFolder(Path middlewarePath, List<String> pluginDirs, Path scratch, Path linked) {

  /** Bundles are small: an archive that unpacks to more is refused, as the gateway refuses it. */
  private static final long MAX_UNPACKED = 256L * 1024 * 1024;

  static PluginFolder of(Path plugins, String driver) throws BadInput, IOException {
    Path path = plugins.toAbsolutePath().normalize();
    if (Files.isRegularFile(path)) {
      Path scratch = Files.createTempDirectory("coproxy-plugin-test");
      Path bundle = Files.createDirectory(scratch.resolve("bundle"));
      try {
        new BundleArchive(MAX_UNPACKED).unpack(Files.readAllBytes(path), bundle);
      } catch (BundleException e) {
        BundleArchive.delete(scratch);
        throw new BadInput("--plugins " + plugins + ": not a bundle archive: " + e.getMessage());
      }
      return new PluginFolder(scratch, List.of(bundle.toString()), scratch, null);
    }
    if (!Files.isDirectory(path)) {
      throw new BadInput("--plugins " + plugins + ": no such file or directory");
    }
    if (Files.isRegularFile(path.resolve("manifest.json"))) {
      return new PluginFolder(path, List.of(path.toString()), null, null);
    }
    if (Files.isDirectory(path.resolve(driver))) {
      return new PluginFolder(path, List.of(), null, null);
    }
    // The driver reads <middleware_path>/<driver>: a scratch middleware_path whose folder is this one.
    Path scratch = Files.createTempDirectory("coproxy-plugin-test");
    Files.createSymbolicLink(scratch.resolve(driver), path);
    return new PluginFolder(scratch, List.of(), scratch, path);
  }

  /** For the gRPC driver: no local code. */
  static PluginFolder none() throws IOException {
    Path scratch = Files.createTempDirectory("coproxy-plugin-test");
    return new PluginFolder(scratch, List.of(), scratch, null);
  }

  /** A driver's message with the linked folder's own path in place of the link's (a traceback then names the user's file). */
  String asGiven(String message) {
    if (linked == null) {
      return message;
    }
    try (Stream<Path> entries = Files.list(scratch)) {
      for (Path link : entries.filter(Files::isSymbolicLink).toList()) {
        message = message.replace(link.toString(), linked.toString());
      }
    } catch (IOException ignored) {
      // The message as the driver wrote it is still right about the file's name and line.
    }
    return message;
  }

  /** Deletes the scratch directory; the link to the user's folder goes first, so nothing behind it is touched. */
  void clean() {
    if (scratch == null) {
      return;
    }
    try (Stream<Path> entries = Files.list(scratch)) {
      for (Path entry : entries.filter(Files::isSymbolicLink).toList()) {
        Files.deleteIfExists(entry);
      }
    } catch (IOException ignored) {
      // Best effort, as for the rest of a temporary directory.
    }
    BundleArchive.delete(scratch);
  }
}
