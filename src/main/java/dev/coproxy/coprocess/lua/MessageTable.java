package dev.coproxy.coprocess.lua;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.Map;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * A message's table ({@link LuaTables#toLua(Message)}): a field is converted when first read
 * through {@code get} or {@code rawget}, every field at the first {@code next} (so {@code pairs}
 * sees them all). A field a script set to nil reads as its message value again, as nil already
 * meant "keep" on the way back. Only the converted fields are read back.
 */
final class MessageTable extends LuaTable {

  private final Message message;
  private final Map<LuaValue, FieldDescriptor> fields;
  private boolean whole;

  MessageTable(Message message) {
    this.message = message;
    this.fields = LuaTables.fields(message.getDescriptorForType());
  }

  /** The message the table stands for. */
  Message message() {
    return message;
  }

  /** The field of that name, or null. */
  FieldDescriptor field(LuaValue name) {
    return fields.get(name);
  }

  @Override
  public LuaValue rawget(LuaValue key) {
    LuaValue value = super.rawget(key);
    if (value.isnil() && !whole) {
      FieldDescriptor field = fields.get(key);
      if (field != null) {
        value = LuaTables.fieldToLua(field, message);
        super.rawset(key, value);
      }
    }
    return value;
  }

  @Override
  public Varargs next(LuaValue key) {
    if (!whole) {
      fields.forEach((name, field) -> rawget(name));
      whole = true;
    }
    return super.next(key);
  }

  /** The fields converted so far, without converting more. */
  Varargs convertedAfter(LuaValue key) {
    return super.next(key);
  }
}
