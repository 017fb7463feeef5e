package dev.coproxy.coprocess.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Runs the Python unit tests of the worker runner, the {@code tyk} package and the example gRPC
 * server ({@code src/test/python}, stdlib unittest) on the tests' interpreter, so that
 * {@code mvn -B verify} runs them. A missing interpreter or package fails, it does not skip.
 */
class PythonRunnerTest {

  private static final Path SUITE = Path.of("src", "test", "python");
  private static final Path DESCRIPTORS = Path.of("target", "classes", "proto", "coprocess.desc");
  private static final Pattern RAN = Pattern.compile("Ran (\\d+) tests?");

  @Test
  void pythonUnitTestsPass() throws Exception {
    PythonCheck.requireProtobuf();
    assertTrue(Files.isRegularFile(DESCRIPTORS), "the build did not write " + DESCRIPTORS.toAbsolutePath());
    Path output = Files.createTempFile("coproxy-python-tests", ".txt");
    try {
      ProcessBuilder builder = new ProcessBuilder(PythonCheck.PYTHON, "-m", "unittest", "discover", "-v", "-s", SUITE.toString())
          .redirectErrorStream(true)
          .redirectOutput(output.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      // No __pycache__ in src/main/resources/python, from where it would be packaged.
      builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
      builder.environment().put("COPROXY_DESC", DESCRIPTORS.toAbsolutePath().toString());
      builder.environment().put("COPROXY_RUNNER_DIR", Path.of("src", "main", "resources", "python").toAbsolutePath().toString());
      Process process = builder.start();
      if (!process.waitFor(5, TimeUnit.MINUTES)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        fail("the Python unit tests did not finish within 5 minutes:\n" + Files.readString(output, StandardCharsets.UTF_8));
      }
      String report = Files.readString(output, StandardCharsets.UTF_8);
      assertEquals(0, process.exitValue(), () -> "the Python unit tests failed (" + SUITE + "):\n" + report);
      Matcher ran = RAN.matcher(report);
      assertTrue(ran.find() && Integer.parseInt(ran.group(1)) > 0, () -> "no Python test ran:\n" + report);
    } finally {
      Files.deleteIfExists(output);
    }
  }
}
