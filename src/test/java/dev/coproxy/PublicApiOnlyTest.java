package dev.coproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The gateway's code uses only the public APIs of Vert.x and Netty: no class of a Vert.x
 * {@code impl} or {@code internal} package and none of a Netty {@code internal} package, imported
 * or written out in full. Those change without notice between minor versions.
 */
class PublicApiOnlyTest {

  private static final Pattern NOT_PUBLIC =
      Pattern.compile("\\b(io\\.vertx(?:\\.\\w+)*?\\.(?:impl|internal)|io\\.netty(?:\\.\\w+)*?\\.internal)\\.[\\w.*]+");
  private static final Path MAIN = Path.of(System.getProperty("basedir", "."), "src", "main", "java");

  @Test
  void mainCodeNamesNoImplOrInternalPackage() throws IOException {
    assertTrue(Files.isDirectory(MAIN), MAIN + " is not the source directory");
    List<String> found = new ArrayList<>();
    try (Stream<Path> files = Files.walk(MAIN)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
        found.addAll(offences(MAIN.relativize(file).toString(), Files.readAllLines(file)));
      }
    }
    assertEquals(List.of(), found, "non-public Vert.x or Netty classes in src/main/java");
  }

  @Test
  void theScanFindsImportsAndNamesInCode() {
    List<String> lines = List.of(
        "import io.vertx.core.internal.ContextInternal;",
        "import io.vertx.grpc.client.impl.GrpcClientImpl;",
        "import static io.netty.util.internal.StringUtil.EMPTY_STRING;",
        "    ((io.vertx.core.http.impl.HttpClientConnectionInternal) c).channel();",
        "import io.vertx.core.http.HttpClient;",
        "import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;",
        "// an implementation detail; internal use only");
    assertEquals(List.of(
        "A.java:1: io.vertx.core.internal.ContextInternal",
        "A.java:2: io.vertx.grpc.client.impl.GrpcClientImpl",
        "A.java:3: io.netty.util.internal.StringUtil.EMPTY_STRING",
        "A.java:4: io.vertx.core.http.impl.HttpClientConnectionInternal"), offences("A.java", lines));
  }

  private static List<String> offences(String file, List<String> lines) {
    List<String> found = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      Matcher m = NOT_PUBLIC.matcher(lines.get(i));
      while (m.find()) {
        found.add(file + ":" + (i + 1) + ": " + m.group());
      }
    }
    return found;
  }
}
