package dev.coproxy.plugintest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.app.GatewayProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code coproxy.jar plugin sdk} as a plugin author uses it: the fat jar writes the SDK into the
 * plugin's test folder, then the system Python runs the author's test against the plugin, under
 * pytest when it is installed and unittest otherwise (the test is a unittest.TestCase, which pytest
 * runs too).
 */
class PluginSdkProcessIT {

  private static final Path JAR = Path.of("target", "coproxy.jar").toAbsolutePath();
  private static final String PYTHON = "/usr/bin/python3";

  private static final String PLUGIN = """
      from tyk.decorators import *
      from gateway import TykGateway as tyk


      @Hook
      def AddHeader(request, session, spec):
          request.add_header("X-Added", "seen:" + (request.get_header("X-Probe") or "none"))
          return request, session


      @Hook
      def StoresData(request, session, spec):
          tyk.store_data("k", "v")
          return request, session
      """;

  private static final String TEST = """
      import unittest

      from tyk.decorators import *
      from tyk.request import TykCoProcessRequest
      import coprocess_object_pb2
      import coprocess_session_state_pb2

      from middleware import AddHeader, StoresData


      class MiddlewareTest(unittest.TestCase):
          def test_sets_header(self):
              obj = coprocess_object_pb2.Object(hook_name="AddHeader")
              obj.request.headers["X-Probe"] = "p1"
              request, session = AddHeader(TykCoProcessRequest(obj.request), obj.session, obj.spec)
              self.assertEqual("seen:p1", obj.request.set_headers["X-Added"])
              self.assertIsInstance(session, coprocess_session_state_pb2.SessionState)
              self.assertIsInstance(AddHeader, Hook)

          def test_gateway_calls_fail_clearly(self):
              obj = coprocess_object_pb2.Object()
              with self.assertRaisesRegex(RuntimeError, "only reachable from inside a Coproxy Python worker"):
                  StoresData(TykCoProcessRequest(obj.request), obj.session, obj.spec)
      """;

  @TempDir
  Path work;

  @Test
  void pluginTestImportsTykAndTheMessagesAndCallsTheHook() throws Exception {
    Path plugin = Files.createDirectories(work.resolve("plugin"));
    Files.writeString(plugin.resolve("middleware.py"), PLUGIN);
    Run sdk = sdk("--out", plugin.resolve("tests").toString());
    assertEquals(0, sdk.status, sdk.output);
    Files.writeString(plugin.resolve("tests/test_middleware.py"), TEST);

    boolean pytest = python(work, "-c", "import pytest").status == 0;
    Run tests = pytest ? python(plugin, "-m", "pytest", "-v", "tests") : python(plugin, "-m", "unittest", "discover", "-v", "-s", "tests");
    assertEquals(0, tests.status, tests.output);
    assertTrue(tests.output.contains(pytest ? "2 passed" : "Ran 2 tests"), "both tests ran: " + tests.output);
  }

  @Test
  void theWrittenConftestInstallsTheModulesFromAnyDirectory() throws Exception {
    assertEquals(0, sdk("--out", work.resolve("sdk").toString()).status);
    Run run = python(work, "-c", "import runpy; runpy.run_path('sdk/conftest.py'); import coprocess_object_pb2, tyk.session;"
        + " o = coprocess_object_pb2.Object(); o.session.rate = 5; print('rate', o.session.rate,"
        + " type(o.session) is tyk.session.TykSession)");
    assertEquals(0, run.status, run.output);
    assertTrue(run.output.contains("rate 5.0 True"), "one pool: the object's session is tyk.session's class: " + run.output);
  }

  @Test
  void badUsageAndAForeignConftestExitTwo() throws Exception {
    Run run = sdk();
    assertEquals(2, run.status, run.output);
    assertTrue(run.output.contains("plugin sdk takes exactly --out DIR"), run.output);

    Path file = Files.writeString(work.resolve("a-file"), "x");
    run = sdk("--out", file.toString());
    assertEquals(2, run.status, run.output);
    assertTrue(run.output.contains("is not a directory"), run.output);

    Path tests = Files.createDirectories(work.resolve("tests"));
    Files.writeString(tests.resolve("conftest.py"), "import pytest\n");
    run = sdk("--out", tests.toString());
    assertEquals(2, run.status, run.output);
    assertTrue(run.output.contains("conftest.py exists and was not written by plugin sdk"), run.output);
    assertEquals("import pytest\n", Files.readString(tests.resolve("conftest.py")));
    assertTrue(Files.notExists(tests.resolve("gateway.py")), "nothing is written when the command refuses");

    Path again = work.resolve("again");
    assertEquals(0, sdk("--out", again.toString()).status);
    assertEquals(0, sdk("--out", again.toString()).status, "its own files are rewritten");
  }

  private Run sdk(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("plugin", "sdk"));
    all.addAll(List.of(args));
    try (GatewayProcess process = GatewayProcess.startJar(work, JAR, List.of(), all.toArray(String[]::new))) {
      int status = process.awaitExit(Duration.ofSeconds(120));
      return new Run(status, process.output());
    }
  }

  private static Run python(Path dir, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(PYTHON));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(120, TimeUnit.SECONDS), "python did not exit: " + output);
    return new Run(process.exitValue(), output);
  }

  /** A finished process: exit status and its output. */
  record Run(int status, String output) {
  }
}
