package dev.coproxy.coprocess.python;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Picks the Python interpreter once at start: {@code coprocess_options.python_interpreter} when
 * set, otherwise the first of {@code python3} and {@code /usr/bin/python3} that can import
 * {@code google.protobuf}. Debian's {@code python3-protobuf} installs into {@code /usr/bin/python3}
 * only, which is why a {@code python3} first on PATH (pyenv, a venv) may lack it.
 */
final class Interpreters {

  /** Tried in this order when no interpreter is configured. */
  static final List<String> CANDIDATES = List.of("python3", "/usr/bin/python3");

  private static final String PROBE = "import sys, google.protobuf; "
      + "assert sys.version_info >= (3, 8), 'Python 3.8 or newer is needed, this is ' + sys.version.split()[0]; "
      + "print(sys.version.split()[0], google.protobuf.__version__)";
  private static final java.util.regex.Pattern VERSIONS = java.util.regex.Pattern.compile("3\\.\\d+\\.\\S+ \\S+");

  /**
   * The outcome.
   *
   * @param interpreter the chosen command, or null when none can run the workers
   * @param description version details of the chosen one, or what each candidate lacked
   */
  record Choice(String interpreter, String description) {
  }

  private Interpreters() {
  }

  /** Runs each candidate (blocking, a few hundred milliseconds each). */
  static Choice choose(String configured) {
    List<String> candidates = configured.isBlank() ? CANDIDATES : List.of(configured);
    List<String> problems = new ArrayList<>();
    for (String candidate : candidates) {
      String problem;
      try {
        Process probe = new ProcessBuilder(candidate, "-c", PROBE).redirectErrorStream(true).start();
        probe.getOutputStream().close();
        byte[] output = probe.getInputStream().readAllBytes();
        if (!probe.waitFor(15, TimeUnit.SECONDS)) {
          probe.destroyForcibly();
          problem = "did not answer within 15 s";
        } else if (probe.exitValue() == 0 && VERSIONS.matcher(new String(output, StandardCharsets.UTF_8).strip()).matches()) {
          return new Choice(candidate, "Python " + new String(output, StandardCharsets.UTF_8).strip().replace(" ", ", protobuf "));
        } else if (probe.exitValue() == 0) {
          problem = "is not a Python interpreter (it did not run the probe)";
        } else {
          problem = lastLine(new String(output, StandardCharsets.UTF_8));
        }
      } catch (IOException e) {
        problem = "cannot be run (" + e.getMessage() + ")";
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        problem = "interrupted";
      }
      problems.add(candidate + ": " + problem);
    }
    return new Choice(null, String.join("; ", problems));
  }

  private static String lastLine(String output) {
    String[] lines = output.strip().split("\n");
    String last = lines[lines.length - 1].strip();
    return last.isEmpty() ? "failed without output" : last;
  }
}
