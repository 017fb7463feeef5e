package dev.coproxy.coprocess.lua;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.MapEntry;
import com.google.protobuf.Message;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * Converts coprocess protobuf messages to Lua tables and back, by the messages' descriptors: keys
 * are the proto field names (snake_case, as in Tyk's JSON), maps become tables, repeated fields
 * 1-based arrays, enums their numbers, and bytes fields Lua strings holding the exact bytes (Lua
 * strings are byte strings, so a binary {@code raw_body} round-trips unchanged). Every message field
 * is a table, even when the message is absent, so that a script can write {@code session.rate = 1}
 * without creating it first. On the way back unknown keys and values of the wrong type are ignored.
 *
 * <p>A message's table is lazy ({@link MessageTable}): a field becomes a Lua value when a script
 * first reads it (all of them when it iterates), and only the fields that became Lua values are
 * read back, since the others cannot have changed. A hook touching two fields of a request converts
 * those two, not the thirty of the request and the session.
 */
public final class LuaTables {

  // The Lua string of each field name, made once: building a LuaString hashes and interns it, and
  // every hook call converts dozens of fields each way. Immutable values, so shared by all instances.
  private static final Map<FieldDescriptor, LuaString> NAMES = new ConcurrentHashMap<>();

  // Each message type's fields by their Lua names, made once.
  private static final Map<Descriptor, Map<LuaValue, FieldDescriptor>> BY_NAME = new ConcurrentHashMap<>();

  private LuaTables() {
  }

  private static LuaString name(FieldDescriptor field) {
    LuaString name = NAMES.get(field);
    return name != null ? name : NAMES.computeIfAbsent(field, f -> LuaString.valueOf(f.getName()));
  }

  /** A message type's fields by their Lua names. */
  static Map<LuaValue, FieldDescriptor> fields(Descriptor type) {
    Map<LuaValue, FieldDescriptor> fields = BY_NAME.get(type);
    return fields != null ? fields : BY_NAME.computeIfAbsent(type, t -> {
      Map<LuaValue, FieldDescriptor> byName = new HashMap<>();
      t.getFields().forEach(field -> byName.put(name(field), field));
      return Map.copyOf(byName);
    });
  }

  /** The message as a (lazy) table. */
  public static LuaTable toLua(Message message) {
    return new MessageTable(message);
  }

  /** A string map as a table, filled when a script first reads or iterates it. */
  public static LuaTable toLua(Map<String, String> map) {
    return new StringMapTable(map);
  }

  static LuaValue fieldToLua(FieldDescriptor field, Message message) {
    if (field.isMapField()) {
      return mapToLua(field, message);
    }
    if (field.isRepeated()) {
      LuaTable array = new LuaTable();
      int n = message.getRepeatedFieldCount(field);
      for (int i = 0; i < n; i++) {
        array.set(i + 1, scalarToLua(field, message.getRepeatedField(field, i)));
      }
      return array;
    }
    return scalarToLua(field, message.getField(field));
  }

  private static LuaTable mapToLua(FieldDescriptor field, Message message) {
    LuaTable map = new LuaTable();
    // A map entry's key and value are its fields 1 and 2.
    FieldDescriptor keyField = field.getMessageType().getFields().get(0);
    FieldDescriptor valueField = field.getMessageType().getFields().get(1);
    int n = message.getRepeatedFieldCount(field);
    for (int i = 0; i < n; i++) {
      Message entry = (Message) message.getRepeatedField(field, i);
      map.set(scalarToLua(keyField, entry.getField(keyField)), scalarToLua(valueField, entry.getField(valueField)));
    }
    return map;
  }

  private static LuaValue scalarToLua(FieldDescriptor field, Object value) {
    return switch (field.getJavaType()) {
      case STRING -> LuaValue.valueOf((String) value);
      case BYTE_STRING -> LuaValue.valueOf(((ByteString) value).toByteArray());
      case BOOLEAN -> LuaValue.valueOf((Boolean) value);
      case INT -> LuaValue.valueOf((Integer) value);
      case LONG -> LuaValue.valueOf((double) (Long) value);
      case FLOAT -> LuaValue.valueOf((Float) value);
      case DOUBLE -> LuaValue.valueOf((Double) value);
      case ENUM -> LuaValue.valueOf(((com.google.protobuf.Descriptors.EnumValueDescriptor) value).getNumber());
      case MESSAGE -> toLua((Message) value);
    };
  }

  /**
   * Fills a builder from a table. Fields the table leaves out (nil) keep the builder's value; a
   * map or repeated field present in the table replaces the builder's.
   */
  public static void fromLua(LuaValue table, Message.Builder builder) {
    if (table instanceof MessageTable lazy && lazy.message().getDescriptorForType() == builder.getDescriptorForType()) {
      // Only what became Lua values can differ from the message.
      LuaValue key = LuaValue.NIL;
      while (true) {
        Varargs next = lazy.convertedAfter(key);
        key = next.arg1();
        if (key.isnil()) {
          return;
        }
        FieldDescriptor field = lazy.field(key);
        if (field != null) {
          fieldFromLua(field, next.arg(2), builder);
        }
      }
    }
    if (!table.istable()) {
      return;
    }
    for (FieldDescriptor field : builder.getDescriptorForType().getFields()) {
      LuaValue value = table.get(name(field));
      if (!value.isnil()) {
        fieldFromLua(field, value, builder);
      }
    }
  }

  /** True when a table returned for {@code message} may hold a change: anything but its untouched table. */
  public static boolean touched(LuaValue table) {
    return !(table instanceof MessageTable lazy) || !lazy.convertedAfter(LuaValue.NIL).arg1().isnil();
  }

  private static void fieldFromLua(FieldDescriptor field, LuaValue value, Message.Builder builder) {
    if (field.isMapField()) {
      mapFromLua(field, value, builder);
    } else if (field.isRepeated()) {
      builder.clearField(field);
      if (value.istable()) {
        for (int i = 1; i <= value.length(); i++) {
          Object element = scalarFromLua(field, value.get(i), builder);
          if (element != null) {
            builder.addRepeatedField(field, element);
          }
        }
      }
    } else {
      Object converted = scalarFromLua(field, value, builder);
      if (converted != null) {
        builder.setField(field, converted);
      }
    }
  }

  /** True when the table has at least one key: a script filled in a message it was handed empty. */
  public static boolean hasEntries(LuaValue value) {
    return value.istable() && !value.next(LuaValue.NIL).arg1().isnil();
  }

  private static void mapFromLua(FieldDescriptor field, LuaValue value, Message.Builder builder) {
    BiConsumer<Message.Builder, Map<String, String>> replace = StringMaps.setter(field);
    if (replace != null) {
      replace.accept(builder, value.istable() ? StringMaps.of(value) : Map.of());
      return;
    }
    builder.clearField(field);
    if (!value.istable()) {
      return;
    }
    FieldDescriptor keyField = field.getMessageType().getFields().get(0);
    FieldDescriptor valueField = field.getMessageType().getFields().get(1);
    @SuppressWarnings("unchecked")
    MapEntry.Builder<Object, Object> entryBuilder = (MapEntry.Builder<Object, Object>) builder.newBuilderForField(field);
    // Enum values go through the descriptor API (a map entry keeps them as numbers); the rest use the
    // entry's typed setters, which skip the per-field descriptor checks.
    boolean typed = valueField.getJavaType() != FieldDescriptor.JavaType.ENUM;
    LuaValue k = LuaValue.NIL;
    while (true) {
      Varargs next = value.next(k);
      k = next.arg1();
      if (k.isnil()) {
        break;
      }
      Object key = scalarFromLua(keyField, k, entryBuilder);
      Object entryValue = scalarFromLua(valueField, next.arg(2), entryBuilder);
      if (key != null && entryValue != null) {
        entryBuilder.clear();
        MapEntry<?, ?> entry = typed ? entryBuilder.setKey(key).setValue(entryValue).build()
            : (MapEntry<?, ?>) entryBuilder.setField(keyField, key).setField(valueField, entryValue).build();
        builder.addRepeatedField(field, entry);
      }
    }
  }

  // Null when the value cannot become the field's type.
  private static Object scalarFromLua(FieldDescriptor field, LuaValue value, Message.Builder parent) {
    return switch (field.getJavaType()) {
      case STRING -> StringMaps.text(value);
      case BYTE_STRING -> value.isstring() ? bytes(value.checkstring()) : null;
      case BOOLEAN -> value.isboolean() ? value.toboolean() : null;
      case INT -> value.isnumber() ? (int) value.todouble() : null;
      case LONG -> value.isnumber() ? (long) value.todouble() : null;
      case FLOAT -> value.isnumber() ? (float) value.todouble() : null;
      case DOUBLE -> value.isnumber() ? value.todouble() : null;
      case ENUM -> value.isnumber() ? enumValue(field, (int) value.todouble()) : null;
      case MESSAGE -> {
        if (!value.istable()) {
          yield null;
        }
        // A lazy table holds only the fields a script read: it applies to the message it came from.
        Message.Builder child = value instanceof MessageTable lazy ? lazy.message().toBuilder() : parent.newBuilderForField(field);
        fromLua(value, child);
        yield child.build();
      }
    };
  }

  private static Object enumValue(FieldDescriptor field, int number) {
    return field.getEnumType().findValueByNumberCreatingIfUnknown(number);
  }

  private static ByteString bytes(LuaString s) {
    return ByteString.copyFrom(s.m_bytes, s.m_offset, s.m_length);
  }

  /** A plain Lua value for a decoded JSON value (objects and arrays become tables). */
  public static LuaValue fromJson(Object json) {
    if (json == null) {
      return LuaValue.NIL;
    }
    if (json instanceof io.vertx.core.json.JsonObject object) {
      return fromJson(object.getMap());
    }
    if (json instanceof io.vertx.core.json.JsonArray array) {
      return fromJson(array.getList());
    }
    if (json instanceof Map<?, ?> map) {
      LuaTable table = new LuaTable();
      map.forEach((k, v) -> table.set(String.valueOf(k), fromJson(v)));
      return table;
    }
    if (json instanceof List<?> list) {
      LuaTable table = new LuaTable();
      for (int i = 0; i < list.size(); i++) {
        table.set(i + 1, fromJson(list.get(i)));
      }
      return table;
    }
    if (json instanceof Number number) {
      return LuaValue.valueOf(number.doubleValue());
    }
    if (json instanceof Boolean b) {
      return LuaValue.valueOf(b);
    }
    return LuaValue.valueOf(String.valueOf(json));
  }
}
