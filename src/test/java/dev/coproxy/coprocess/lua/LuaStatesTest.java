package dev.coproxy.coprocess.lua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.coproxy.coprocess.CoprocessDriver;
import dev.coproxy.coprocess.RunElsewhere;
import dev.coproxy.proto.HookType;
import dev.coproxy.proto.MiniRequestObject;
import dev.coproxy.testing.Poll;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An event-loop Lua instance with scripts whose top-level code may not run on a loop (a
 * {@code require}): until their globals are built off the loop, calls go to the workers; once built,
 * the hook runs on the loop with everything its top-level code made; a new load goes the same way.
 */
class LuaStatesTest {

  private Vertx vertx;
  private Path lua;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    lua = Files.createDirectories(Files.createTempDirectory("coproxy-lua-states").resolve("lua"));
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  private void write(String tag) throws Exception {
    Files.writeString(lua.resolve("mod.lua"), "return { tag = \"" + tag + "\" }\n");
    Files.writeString(lua.resolve("main.lua"), "package.path = \"" + lua + "/?.lua;\" .. package.path\n"
        + "local mod = require(\"mod\")\n"
        + "function states_pre(request, session, spec)\n"
        + "  tyk.req.set_header(\"X-Tag\", mod.tag)\n  return request, session\nend\n");
  }

  // One dispatch on the instance's event loop, as its front DriverVerticle does it.
  private static AsyncResult<dev.coproxy.proto.Object> onLoop(LuaDriver driver, Context loop) throws Exception {
    dev.coproxy.proto.Object object = dev.coproxy.proto.Object.newBuilder().setHookName("states_pre").setHookType(HookType.Pre)
        .setRequest(MiniRequestObject.newBuilder().setUrl("/x")).build();
    CompletableFuture<AsyncResult<dev.coproxy.proto.Object>> done = new CompletableFuture<>();
    loop.runOnContext(v -> driver.dispatch(new CoprocessDriver.HookCall(object, "api", System.currentTimeMillis() + 5000, List.of()))
        .onComplete(done::complete));
    return done.get(10, TimeUnit.SECONDS);
  }

  // Calls go to the workers until the loop's globals are built; then the hook runs there and works.
  private static void handedOverUntilBuilt(LuaDriver driver, Context loop, String tag) throws Exception {
    AsyncResult<dev.coproxy.proto.Object> first = onLoop(driver, loop);
    assertInstanceOf(RunElsewhere.class, first.cause(), "the first call of a load goes to the workers");
    Poll.until(Duration.ofSeconds(10), "the hook answered on the loop", () -> {
      AsyncResult<dev.coproxy.proto.Object> result = onLoop(driver, loop);
      if (result.cause() instanceof RunElsewhere) {
        return false;
      }
      assertEquals(null, result.cause(), "a call on the loop either goes to the workers or works");
      assertEquals(tag, result.result().getRequest().getSetHeadersMap().get("X-Tag"));
      return true;
    });
  }

  @Test
  void topLevelRequireRunsOffTheLoopForEveryLoad() throws Exception {
    write("one");
    LuaScripts scripts = new LuaScripts(lua.getParent());
    scripts.load();
    LuaDriver driver = new LuaDriver(scripts, new LuaBundles(), false, null, null, new LuaDriver.Loop(20_000, vertx));
    Context loop = vertx.getOrCreateContext();
    handedOverUntilBuilt(driver, loop, "one");
    write("two");
    assertEquals(2, scripts.load().generation());
    handedOverUntilBuilt(driver, loop, "two");
  }
}
