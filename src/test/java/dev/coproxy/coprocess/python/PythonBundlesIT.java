package dev.coproxy.coprocess.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.coprocess.CoprocessDriver;
import dev.coproxy.coprocess.HookFailure;
import dev.coproxy.events.EventSink;
import dev.coproxy.proto.HookType;
import dev.coproxy.proto.MiniRequestObject;
import dev.coproxy.proto.ReturnOverrides;
import dev.coproxy.session.LocalStore;
import dev.coproxy.testing.Poll;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Discovery of bundle directories on real CPython workers, driving {@link PythonDriver} directly
 * with the plugin directories a hook call carries: manifests, multi-file bundles, the same hook
 * name in two bundles, a broken bundle next to a good one, events, reload of helper modules.
 */
class PythonBundlesIT {

  @TempDir
  static Path root;
  private static PythonDriver driver;
  private static final LocalStore store = new LocalStore();
  private static final List<String> fired = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    PythonCheck.requireProtobuf();
    bundle("alpha", "[\"middleware.py\", \"helpers.py\"]", "middleware.py", """
        from tyk.decorators import *
        from helpers import tag

        @Hook
        def MyPreHook(request, session, spec):
            request.add_header("X-Bundle", tag())
            return request, session

        @Event
        def on_event(event, spec):
            from gateway import TykGateway as tyk
            tyk.store_data("bundle-event", event.message["Type"] + ":" + spec["APIID"], 0)
        """);
    write("alpha", "helpers.py", "def tag():\n    return 'alpha-1'\n");
    bundle("beta", "[\"middleware.py\", \"helpers.py\"]", "middleware.py", """
        from tyk.decorators import *
        import helpers

        @Hook
        def MyPreHook(request, session, spec):
            request.add_header("X-Bundle", helpers.tag())
            return request, session
        """);
    write("beta", "helpers.py", "def tag():\n    return 'beta'\n");
    bundle("single", "[\"plugin.py\"]", "plugin.py", """
        from tyk.decorators import *

        @Hook
        def OnlyFile(request, session, spec):
            request.add_header("X-Bundle", "single")
            return request, session
        """);
    bundle("broken", "[\"middleware.py\"]", "middleware.py", "from tyk.decorators import *\n\n@Hook\ndef MyPreHook(request, session, spec):\n  return (\n");
    bundle("sleeper", "[\"middleware.py\"]", "middleware.py", """
        from tyk.decorators import *
        import os, time

        GATE = %s

        @Hook
        def Sleep(request, session, spec):
            if os.path.exists(GATE):
                open(GATE + "." + str(os.getpid()), "w").close()  # this worker is busy
            for _ in range(1500):  # while the test holds the gate, 30 s at most
                if not os.path.exists(GATE):
                    break
                time.sleep(0.02)
            return request, session
        """.formatted("'" + gate() + "'"));
    EventSink events = (type, apiId, orgId, meta) -> fired.add(type);
    driver = new PythonDriver(PythonCheck.PYTHON, 2, root.resolve("middleware"), store, events, new SimpleMeterRegistry());
    driver.start();
  }

  @AfterAll
  static void stop() {
    if (driver != null) {
      driver.close();
    }
  }

  // While this file exists, hook Sleep waits.
  private static Path gate() {
    return root.resolve("gate");
  }

  private static void bundle(String name, String fileList, String entry, String code) throws Exception {
    Files.createDirectories(root.resolve(name));
    write(name, "manifest.json", new JsonObject().put("file_list", new io.vertx.core.json.JsonArray(fileList))
        .put("custom_middleware", new JsonObject().put("driver", "python")).encode());
    write(name, entry, code);
  }

  private static void write(String bundle, String file, String text) throws Exception {
    Files.writeString(root.resolve(bundle).resolve(file), text);
  }

  private static io.vertx.core.Future<dev.coproxy.proto.Object> send(String hook, long timeoutMillis, String... bundles) {
    dev.coproxy.proto.Object object = dev.coproxy.proto.Object.newBuilder().setHookType(HookType.Pre).setHookName(hook)
        .setRequest(MiniRequestObject.newBuilder().setUrl("/x").setMethod("GET").setReturnOverrides(ReturnOverrides.newBuilder().setResponseCode(-1)))
        .putSpec("APIID", "api-" + hook).build();
    List<String> dirs = java.util.Arrays.stream(bundles).map(b -> root.resolve(b).toString()).toList();
    return driver.dispatch(new CoprocessDriver.HookCall(object, "api", System.currentTimeMillis() + timeoutMillis, dirs));
  }

  private static dev.coproxy.proto.Object call(String hook, String... bundles) throws Exception {
    return send(hook, 10_000, bundles).await(15, TimeUnit.SECONDS);
  }

  private static String header(dev.coproxy.proto.Object reply) {
    return reply.getRequest().getSetHeadersOrDefault("X-Bundle", "(none)");
  }

  @Test
  void twoBundlesEachHaveTheirOwnHookAndHelperOfTheSameName() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertEquals("alpha-1", header(call("MyPreHook", "alpha")));
      assertEquals("beta", header(call("MyPreHook", "beta")));
    }
  }

  @Test
  void aQueuedCallWaitsForAFreeWorkerOnlyUntilItsDeadline() throws Exception {
    header(call("Sleep", "sleeper")); // loaded on one worker; the other loads it on its first call
    // Both workers up (an earlier test may have had one replaced), so the two calls take one each.
    Poll.until(Duration.ofSeconds(20), () -> driver.readyWorkers() == 2, () -> "two workers ready: " + driver.readyWorkers());
    Files.createFile(gate());
    io.vertx.core.Future<dev.coproxy.proto.Object> first = send("Sleep", 10_000, "sleeper");
    io.vertx.core.Future<dev.coproxy.proto.Object> second = send("Sleep", 10_000, "sleeper");
    Poll.until(Duration.ofSeconds(15), "both workers run a call", () -> {
      try (java.util.stream.Stream<Path> files = Files.list(root)) {
        return files.filter(f -> f.getFileName().toString().startsWith("gate.")).count() == 2;
      }
    });
    ExecutionException queued = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> send("Sleep", 300, "sleeper").toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS));
    HookFailure timeout = assertInstanceOf(HookFailure.class, queued.getCause());
    assertEquals(HookFailure.Reason.TIMEOUT, timeout.reason(), timeout.getMessage());
    assertTrue(timeout.getMessage().contains("no worker was free"), timeout.getMessage());
    assertFalse(first.isComplete() || second.isComplete(), "failed at its deadline, while both workers were still busy");
    Files.delete(gate());
    first.await(15, TimeUnit.SECONDS);
    second.await(15, TimeUnit.SECONDS);
  }

  @Test
  void aSingleFileBundleLoadsThatFile() throws Exception {
    assertEquals("single", header(call("OnlyFile", "single")));
    assertEquals("single", header(call("OnlyFile", "broken", "single")), "several directories are searched in order");
  }

  @Test
  void aBrokenBundleFailsItsHooksAndLeavesTheOthers() throws Exception {
    ExecutionException failure = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> driver.dispatch(new CoprocessDriver.HookCall(dev.coproxy.proto.Object.newBuilder().setHookName("MyPreHook").build(),
            "api", System.currentTimeMillis() + 10_000, List.of(root.resolve("broken").toString())))
            .toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS));
    HookFailure hookFailure = assertInstanceOf(HookFailure.class, failure.getCause());
    assertEquals(HookFailure.Reason.ERROR, hookFailure.reason());
    assertTrue(hookFailure.getMessage().contains("SyntaxError"), hookFailure.getMessage());
    assertEquals("beta", header(call("MyPreHook", "beta")));
  }

  @Test
  void eventsReachTheBundlesEventHandler() throws Exception {
    String payload = new JsonObject().put("message", new JsonObject().put("Type", "AuthFailure").put("Meta", new JsonObject()))
        .put("handler_name", "on_event").put("spec", new JsonObject().put("APIID", "ev-api").put("OrgID", "o")).encode();
    driver.dispatchEvent(payload, List.of(root.resolve("alpha").toString())).await(15, TimeUnit.SECONDS);
    Poll.until(Duration.ofSeconds(5), "the handler stored the event",
        () -> "AuthFailure:ev-api".equals(store.get("coprocess-data:bundle-event").await(5, TimeUnit.SECONDS)));
  }

  @Test
  void reloadRereadsHelperModulesWithoutRenaming() throws Exception {
    Files.createDirectories(root.resolve("gamma"));
    Files.writeString(root.resolve("gamma/middleware.py"), "from tyk.decorators import *\nimport helpers\n\n"
        + "@Hook\ndef Versioned(request, session, spec):\n    request.add_header('X-Bundle', helpers.VERSION)\n    return request, session\n");
    Files.writeString(root.resolve("gamma/helpers.py"), "VERSION = 'v1'\n");
    assertEquals("v1", header(call("Versioned", "gamma")));
    assertEquals("v1", header(call("Versioned", "gamma")));
    Files.writeString(root.resolve("gamma/helpers.py"), "VERSION = 'v2'\n");
    driver.reload().await(5, TimeUnit.SECONDS);
    assertEquals("v2", header(call("Versioned", "gamma")));
    assertEquals("v2", header(call("Versioned", "gamma")));
  }
}
