package dev.coproxy.coprocess.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Python example plugin server (examples/python, grpcio on /usr/bin/python3) as a separate
 * process: proves the wire format across languages.
 */
class PythonExampleIT {

  private static final Pattern READY = Pattern.compile("plugin server ready on port (\\d+)");

  private static Process python;
  private static TestGateway gw;
  private static Upstream upstream;

  @BeforeAll
  static void start() throws Exception {
    python = new ProcessBuilder("/usr/bin/python3", "examples/python/plugin_server.py", "--port", "0",
        "--desc", Path.of("target/classes/proto/coprocess.desc").toAbsolutePath().toString())
        .redirectErrorStream(true).start();
    CompletableFuture<Integer> port = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader out = new BufferedReader(new InputStreamReader(python.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          System.out.println("[python plugin] " + line);
          Matcher m = READY.matcher(line);
          if (m.find()) {
            port.complete(Integer.parseInt(m.group(1)));
          }
        }
        port.completeExceptionally(new IllegalStateException("python plugin server exited: " + python.waitFor()));
      } catch (Exception e) {
        port.completeExceptionally(e);
      }
    }, "python-plugin-output");
    reader.setDaemon(true);
    reader.start();
    int p = port.get(30, TimeUnit.SECONDS);
    gw = TestGateway.start(new JsonObject().put("coprocess_options", new JsonObject()
        .put("enable_coprocess", true).put("coprocess_grpc_server", "tcp://127.0.0.1:" + p)), Map.of());
    upstream = Upstream.start(gw.vertx);
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      upstream.close();
      gw.close();
    }
    if (python != null) {
      python.destroy();
      if (!python.waitFor(10, TimeUnit.SECONDS)) {
        python.destroyForcibly();
      }
    }
  }

  private static void deploy(JsonObject api) throws Exception {
    gw.writeApi(api.getString("api_id") + ".json", api);
    assertEquals(new JsonArray(), gw.reload().getJsonArray("errors"));
  }

  private static JsonArray hooks(String name) {
    return new JsonArray().add(new JsonObject().put("name", name));
  }

  @Test
  void preAndResponseHooks() throws Exception {
    deploy(Apis.keyless("py-pre", "/py-pre/", upstream.url("/")).put("custom_middleware", new JsonObject()
        .put("driver", "grpc").put("pre", hooks("MyPreHook")).put("response", hooks("MyResponseHook"))));
    TestGateway.Reply reply = gw.call(HttpMethod.GET, "/py-pre/x", Map.of(), null);
    assertEquals(200, reply.status(), reply.text());
    assertEquals("rewritten by python", reply.text());
    assertEquals("response", reply.headers().get("x-python-plugin"));
    assertEquals(String.valueOf("rewritten by python".length()), reply.headers().get("content-length"));
    assertEquals("pre", upstream.received.get(upstream.received.size() - 1).getJsonObject("headers").getString("x-python-plugin"));
  }

  @Test
  void authCheckWithSession() throws Exception {
    deploy(Apis.protectedApi("py-auth", "/py-auth/", upstream.url("/")).put("custom_plugin_auth_enabled", true)
        .put("custom_middleware", new JsonObject().put("driver", "grpc").put("auth_check", new JsonObject().put("name", "MyAuthCheck"))));
    assertEquals(200, gw.call(HttpMethod.GET, "/py-auth/x", Map.of("Authorization", "py-token"), null).status());
    TestGateway.Reply key = gw.admin(HttpMethod.GET, "/tyk/keys/py-token", null);
    assertEquals(200, key.status(), key.text());
    JsonObject meta = key.json().getJsonObject("meta_data");
    assertNotNull(meta, key.text());
    assertEquals("python", meta.getString("user"));
    assertEquals(403, gw.call(HttpMethod.GET, "/py-auth/x", Map.of("Authorization", "wrong"), null).status());
  }
}
