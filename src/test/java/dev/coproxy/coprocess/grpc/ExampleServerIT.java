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
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * An example plugin server from examples/ run as a separate process, with its three hooks; the
 * subclasses name the command and the language tag its hooks use.
 */
abstract class ExampleServerIT {

  private static final Pattern READY = Pattern.compile("plugin server ready on port (\\d+)");

  static Process python;
  static TestGateway gw;
  static Upstream upstream;

  /** The language tag in the example's header values, token and metadata. */
  abstract String lang();

  static void start(String... command) throws Exception {
    python = new ProcessBuilder(command).redirectErrorStream(true).start();
    CompletableFuture<Integer> port = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader out = new BufferedReader(new InputStreamReader(python.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          System.out.println("[example plugin] " + line);
          Matcher m = READY.matcher(line);
          if (m.find()) {
            port.complete(Integer.parseInt(m.group(1)));
          }
        }
        port.completeExceptionally(new IllegalStateException("example plugin server exited: " + python.waitFor()));
      } catch (Exception e) {
        port.completeExceptionally(e);
      }
    }, "example-plugin-output");
    reader.setDaemon(true);
    reader.start();
    int p = port.get(60, TimeUnit.SECONDS);
    // Keys here are about hooks and sessions, not access rights: master keys are allowed (allow_master_keys).
    gw = TestGateway.start(new JsonObject().put("allow_master_keys", true).put("coprocess_options", new JsonObject()
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
    deploy(Apis.keyless(lang() + "-pre", "/" + lang() + "-pre/", upstream.url("/")).put("custom_middleware", new JsonObject()
        .put("driver", "grpc").put("pre", hooks("MyPreHook")).put("response", hooks("MyResponseHook"))));
    TestGateway.Reply reply = gw.call(HttpMethod.GET, "/" + lang() + "-pre/x", Map.of(), null);
    assertEquals(200, reply.status(), reply.text());
    assertEquals("rewritten by " + lang(), reply.text());
    assertEquals("response", reply.headers().get("x-" + lang() + "-plugin"));
    assertEquals(String.valueOf(("rewritten by " + lang()).length()), reply.headers().get("content-length"));
    assertEquals("pre", upstream.received.get(upstream.received.size() - 1).getJsonObject("headers").getString("x-" + lang() + "-plugin"));
  }

  @Test
  void authCheckWithSession() throws Exception {
    deploy(Apis.protectedApi(lang() + "-auth", "/" + lang() + "-auth/", upstream.url("/")).put("custom_plugin_auth_enabled", true)
        .put("custom_middleware", new JsonObject().put("driver", "grpc").put("auth_check", new JsonObject().put("name", "MyAuthCheck"))));
    assertEquals(200, gw.call(HttpMethod.GET, "/" + lang() + "-auth/x", Map.of("Authorization", lang() + "-token"), null).status());
    TestGateway.Reply key = gw.admin(HttpMethod.GET, "/tyk/keys/" + lang() + "-token", null);
    assertEquals(200, key.status(), key.text());
    JsonObject meta = key.json().getJsonObject("meta_data");
    assertNotNull(meta, key.text());
    assertEquals(lang(), meta.getString("user"));
    assertEquals(403, gw.call(HttpMethod.GET, "/" + lang() + "-auth/x", Map.of("Authorization", "wrong"), null).status());
  }
}
