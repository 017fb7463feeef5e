package dev.coproxy.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Definitions are read once, into records: outside the api package (parsing, key policy) and the
 * admin package (the Gateway API shows a definition as given), no class reads a definition's raw
 * JSON.
 */
class RawReadersTest {

  private static final Pattern RAW_CALL = Pattern.compile("\\.raw\\(\\)");
  private static final Path SOURCES = Path.of("src", "main", "java", "dev", "coproxy");

  @Test
  void onlyApiAndAdminReadTheRawDefinition() throws IOException {
    assertTrue(Files.isDirectory(SOURCES.resolve("api")), "run from the project directory: " + SOURCES.toAbsolutePath());
    List<String> readers;
    try (Stream<Path> files = Files.walk(SOURCES)) {
      readers = files.filter(f -> f.toString().endsWith(".java"))
          .filter(f -> !f.startsWith(SOURCES.resolve("api")) && !f.startsWith(SOURCES.resolve("admin")))
          .filter(RawReadersTest::callsRaw)
          .map(Path::toString)
          .sorted()
          .toList();
    }
    assertEquals(List.of(), readers, "these read ApiDefinition.raw(); read the parsed records instead");
  }

  private static boolean callsRaw(Path file) {
    try {
      return RAW_CALL.matcher(Files.readString(file)).find();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
