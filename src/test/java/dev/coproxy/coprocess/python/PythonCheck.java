package dev.coproxy.coprocess.python;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.TimeUnit;

/** The tests' interpreter: Debian's /usr/bin/python3 with python3-protobuf; missing is a failure, not a skip. */
final class PythonCheck {

  static final String PYTHON = "/usr/bin/python3";

  private PythonCheck() {
  }

  static void requireProtobuf() throws Exception {
    Process probe;
    try {
      probe = new ProcessBuilder(PYTHON, "-c", "import google.protobuf").redirectErrorStream(true).start();
    } catch (java.io.IOException e) {
      fail("the Python driver tests need " + PYTHON + " (apt-get install python3 python3-protobuf; .ci/run does it): " + e.getMessage());
      return;
    }
    String output = new String(probe.getInputStream().readAllBytes());
    if (!probe.waitFor(20, TimeUnit.SECONDS) || probe.exitValue() != 0) {
      fail("the Python driver tests need " + PYTHON + " with google.protobuf (apt-get install python3-protobuf; .ci/run does it): " + output);
    }
  }
}
