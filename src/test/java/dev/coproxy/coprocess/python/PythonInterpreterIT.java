package dev.coproxy.coprocess.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.LogCapture;
import dev.coproxy.testing.TestGateway;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Without a usable interpreter the gateway still starts, Python hooks answer 500 and one line says why. */
class PythonInterpreterIT {

  @TempDir
  Path middleware;

  @Test
  void aMissingInterpreterLeavesTheGatewayUpAndPythonHooksAnswer500() throws Exception {
    Files.createDirectories(middleware.resolve("python"));
    JsonObject api = Apis.keyless("nopy", "/nopy/", "http://127.0.0.1:9/")
        .put("custom_middleware", PythonDriverIT.hooks("pre", "MyPreHook", null));
    try (LogCapture logs = new LogCapture();
        TestGateway gw = TestGateway.start(new JsonObject().put("middleware_path", middleware.toString())
            .put("coprocess_options", new JsonObject().put("enable_coprocess", true).put("python_interpreter", "/nonexistent/python3")),
            Map.of("nopy.json", api))) {
      TestGateway.Reply reply = gw.call(HttpMethod.GET, "/nopy/x", Map.of(), null);
      assertEquals(500, reply.status(), reply.text());
      assertEquals("Internal Server Error", reply.json().getString("error"));
      assertEquals(1, logs.count("driver python is unavailable"), String.join("\n", logs.lines));
      assertTrue(logs.contains("driver python is unavailable", "/nonexistent/python3", "google.protobuf", "python_interpreter"));
      assertTrue(logs.contains("MyPreHook", "unavailable", "no usable interpreter"), "the hook's failure says why: " + logs.lines);
      TestGateway.Reply hello = gw.call(HttpMethod.GET, "/hello", Map.of(), null);
      assertEquals(200, hello.status());
      assertEquals("warn", hello.json().getString("status"), hello.text());
      io.vertx.core.json.JsonObject python = hello.json().getJsonObject("details").getJsonObject("driver_python");
      assertEquals("warn", python.getString("status"));
      assertTrue(python.getString("output").contains("/nonexistent/python3"), python.encode());
    }
  }

  @Test
  void unsuitableBinariesAreNamedWithWhatWentWrong() throws Exception {
    Interpreters.Choice notPython = Interpreters.choose("/bin/true");
    assertNull(notPython.interpreter());
    assertTrue(notPython.description().contains("/bin/true: is not a Python interpreter"), notPython.description());
    Interpreters.Choice failing = Interpreters.choose("/bin/false");
    assertNull(failing.interpreter());
    assertTrue(failing.description().startsWith("/bin/false: "), failing.description());
    PythonCheck.requireProtobuf();
    assertEquals(PythonCheck.PYTHON, Interpreters.choose(PythonCheck.PYTHON).interpreter());
  }
}
