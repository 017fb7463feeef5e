package dev.coproxy.coprocess.lua;

import java.util.Map;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * A string map's table ({@link LuaTables#toLua(Map)}, the spec and the metadata), filled when a
 * script first reads, iterates or writes it: a hook that never looks at them costs nothing.
 */
final class StringMapTable extends LuaTable {

  private Map<String, String> pending;

  StringMapTable(Map<String, String> map) {
    this.pending = map.isEmpty() ? null : map;
  }

  private void fill() {
    Map<String, String> map = pending;
    pending = null;
    map.forEach((k, v) -> rawset(k, v));
  }

  @Override
  public LuaValue rawget(LuaValue key) {
    if (pending != null) {
      fill();
    }
    return super.rawget(key);
  }

  @Override
  public Varargs next(LuaValue key) {
    if (pending != null) {
      fill();
    }
    return super.next(key);
  }

  @Override
  public void rawset(LuaValue key, LuaValue value) {
    if (pending != null) {
      fill();
    }
    super.rawset(key, value);
  }
}
