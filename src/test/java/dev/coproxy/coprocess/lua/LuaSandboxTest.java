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

  @Test
  void processEscapesAreOffByDefaultAndOnWhenAllowed() {
    Globals closed = LuaSandbox.create(false, () -> FAR);
    assertTrue(closed.get("os").get("execute").isnil());
    assertTrue(closed.get("os").get("exit").isnil());
    assertTrue(closed.get("io").get("popen").isnil());
    assertTrue(closed.get("luajava").isnil());
    assertTrue(closed.get("os").get("time").isfunction(), "the rest of os stays");
    Globals open = LuaSandbox.create(true, () -> FAR);
    assertTrue(open.get("os").get("execute").isfunction());
    assertTrue(open.get("io").get("popen").isfunction());
    assertTrue(open.get("luajava").istable());
    assertTrue(open.get("debug").isnil(), "debug stays hidden either way");
  }

  @Test
  void aLoopIsStoppedOnceTheDeadlineHasPassed() {
    long[] deadline = {System.currentTimeMillis() + 100};
    Globals globals = LuaSandbox.create(false, () -> deadline[0]);
    long start = System.nanoTime();
    assertThrows(LuaSandbox.DeadlineExceeded.class, () -> globals.load("while true do end").call());
    assertTrue(System.nanoTime() - start < 5_000_000_000L);
    deadline[0] = FAR;
    assertEquals(3, globals.load("return 1 + 2").call().toint(), "the same globals serve the next call");
  }

  @Test
  void configKeysAreRead() {
    GatewayConfig config = GatewayConfig.from(new JsonObject().put("coprocess_options",
        new JsonObject().put("lua_allow_os", true).put("lua_instances", 3)), false);
    assertTrue(config.coprocess().luaAllowOs());
    assertEquals(3, config.coprocess().luaInstances());
    assertFalse(GatewayConfig.from(new JsonObject(), false).coprocess().luaAllowOs());
    assertTrue(config.unknownKeys().isEmpty(), config.unknownKeys().toString());
  }
}
