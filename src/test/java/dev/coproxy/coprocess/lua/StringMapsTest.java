package dev.coproxy.coprocess.lua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.coproxy.proto.MiniRequestObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

class StringMapsTest {

  private static final Globals LUA = JsePlatform.standardGlobals();

  @Test
  void aTableIsReadWithItsTextEntriesOnlyInItsOrder() {
    LuaValue table = LUA.load("local t = {} t.b = 'x' t.n = 2 t.yes = true t.nested = {} t[1] = 'first' return t").call();
    Map<String, String> map = StringMaps.of(table);
    assertEquals(Map.of("b", "x", "n", "2", "yes", "true", "1", "first"), map);
    assertEquals(List.copyOf(map.keySet()), List.copyOf(StringMaps.of(table).keySet()), "the same order each time");
    assertNull(map.get("nested"), "a table is not text");
  }

  @Test
  void theTypedSetterReplacesTheEntries() {
    MiniRequestObject.Builder request = MiniRequestObject.newBuilder().putSetHeaders("Old", "1");
    StringMaps.setter(MiniRequestObject.getDescriptor().findFieldByName("set_headers")).accept(request, Map.of("New", "2"));
    assertEquals(Map.of("New", "2"), request.build().getSetHeadersMap());
    assertNull(StringMaps.setter(MiniRequestObject.getDescriptor().findFieldByName("url")), "not a map");
  }
}
