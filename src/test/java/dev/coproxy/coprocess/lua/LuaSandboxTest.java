package dev.coproxy.coprocess.lua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.config.GatewayConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.luaj.vm2.Globals;

class LuaSandboxTest {

  private static final long FAR = Long.MAX_VALUE;

  private static LuaSandbox.Limits limits(long deadline, long loopInstructions) {
    LuaSandbox.Limits limits = new LuaSandbox.Limits();
    limits.set(deadline, loopInstructions);
    return limits;
  }

  @Test
  void processEscapesAreOffByDefaultAndOnWhenAllowed() {
    Globals closed = LuaSandbox.create(false, limits(FAR, 0));
    assertTrue(closed.get("os").get("execute").isnil());
    assertTrue(closed.get("os").get("exit").isnil());
    assertTrue(closed.get("io").get("popen").isnil());
    assertTrue(closed.get("luajava").isnil());
    assertTrue(closed.get("os").get("time").isfunction(), "the rest of os stays");
    Globals open = LuaSandbox.create(true, limits(FAR, 0));
    assertTrue(open.get("os").get("execute").isfunction());
    assertTrue(open.get("io").get("popen").isfunction());
    assertTrue(open.get("luajava").istable());
    assertTrue(open.get("debug").isnil(), "debug stays hidden either way");
  }

  @Test
  void aLoopIsStoppedOnceTheDeadlineHasPassed() {
    LuaSandbox.Limits limits = limits(System.currentTimeMillis() + 100, 0);
    Globals globals = LuaSandbox.create(false, limits);
    // The loop never ends: only the deadline can stop it.
    assertThrows(LuaSandbox.DeadlineExceeded.class, () -> globals.load("while true do end").call());
    limits.set(FAR, 0);
    assertEquals(3, globals.load("return 1 + 2").call().toint(), "the same globals serve the next call");
  }

  @Test
  void aLoopBudgetCountsInstructionsNotTime() {
    LuaSandbox.Limits limits = limits(FAR, 50_000);
    Globals globals = LuaSandbox.create(false, limits);
    LuaSandbox.LeavesLoop stopped = assertThrows(LuaSandbox.LeavesLoop.class,
        () -> globals.load("local i = 0 while i < 1000000 do i = i + 1 end").call());
    assertTrue(stopped.getMessage().contains("50000 instructions"), stopped.getMessage());
    limits.set(FAR, 50_000);
    assertEquals(5050, globals.load("local s = 0 for i = 1, 100 do s = s + i end return s").call().toint(), "a short script fits");
    limits.set(FAR, 0);
    assertEquals(1000000, globals.load("local i = 0 while i < 1000000 do i = i + 1 end return i").call().toint(), "no budget off the loop");
  }

  @Test
  void whatMayBlockRefusesToRunOnAnEventLoopOnly() throws Exception {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("lua-sandbox", ".txt");
    java.nio.file.Files.writeString(file, "line\n");
    Globals globals = LuaSandbox.create(false, limits(FAR, 0));
    org.luaj.vm2.LuaValue read = globals.load("local f = io.open(...) local l = f:read('*l') f:close() return l");
    assertEquals("line", read.call(file.toString()).tojstring(), "on a plain thread io works");
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      java.util.concurrent.CompletableFuture<Throwable> onLoop = new java.util.concurrent.CompletableFuture<>();
      vertx.runOnContext(v -> {
        try {
          read.call(file.toString());
          onLoop.complete(null);
        } catch (Throwable e) {
          onLoop.complete(e);
        }
      });
      Throwable refused = onLoop.get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertTrue(refused instanceof LuaSandbox.LeavesLoop, String.valueOf(refused));
      assertTrue(refused.getMessage().contains("io.open may block"), refused.getMessage());
    } finally {
      vertx.close().await();
      java.nio.file.Files.delete(file);
    }
  }

  @Test
  void configKeysAreRead() {
    GatewayConfig config = GatewayConfig.from(new JsonObject().put("coprocess_options",
        new JsonObject().put("lua_allow_os", true).put("lua_instances", 3).put("lua_loop_instructions", 0)), false);
    assertTrue(config.coprocess().luaAllowOs());
    assertEquals(3, config.coprocess().luaInstances());
    assertEquals(0, config.coprocess().luaLoopInstructions());
    assertEquals(20_000, GatewayConfig.from(new JsonObject(), false).coprocess().luaLoopInstructions());
    assertFalse(GatewayConfig.from(new JsonObject(), false).coprocess().luaAllowOs());
    assertTrue(config.unknownKeys().isEmpty(), config.unknownKeys().toString());
  }
}
