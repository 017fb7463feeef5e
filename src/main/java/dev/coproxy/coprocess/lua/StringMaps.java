package dev.coproxy.coprocess.lua;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.coproxy.proto.MiniRequestObject;
import dev.coproxy.proto.ResponseObject;
import dev.coproxy.proto.ReturnOverrides;
import dev.coproxy.proto.SessionState;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * String maps coming back from Lua: a table read as a {@code map<string, string>} (strings, numbers
 * and booleans as their text; other keys and values are left out, as for any field of the wrong
 * type), and the typed setters of the coprocess messages' string map fields.
 */
final class StringMaps {

  // The string-to-string maps of the coprocess messages, replaced through their typed setters: the
  // descriptor API adds a map's entries as a list of entry messages, which protobuf turns back into
  // a map when the field is read (the reply's set_headers, on every hook that sets a header).
  private static final Map<FieldDescriptor, BiConsumer<Message.Builder, Map<String, String>>> SETTERS = Map.of(
      field(MiniRequestObject.getDescriptor(), MiniRequestObject.HEADERS_FIELD_NUMBER),
      (b, m) -> ((MiniRequestObject.Builder) b).clearHeaders().putAllHeaders(m),
      field(MiniRequestObject.getDescriptor(), MiniRequestObject.SET_HEADERS_FIELD_NUMBER),
      (b, m) -> ((MiniRequestObject.Builder) b).clearSetHeaders().putAllSetHeaders(m),
      field(MiniRequestObject.getDescriptor(), MiniRequestObject.PARAMS_FIELD_NUMBER),
      (b, m) -> ((MiniRequestObject.Builder) b).clearParams().putAllParams(m),
      field(MiniRequestObject.getDescriptor(), MiniRequestObject.ADD_PARAMS_FIELD_NUMBER),
      (b, m) -> ((MiniRequestObject.Builder) b).clearAddParams().putAllAddParams(m),
      field(MiniRequestObject.getDescriptor(), MiniRequestObject.EXTENDED_PARAMS_FIELD_NUMBER),
      (b, m) -> ((MiniRequestObject.Builder) b).clearExtendedParams().putAllExtendedParams(m),
      field(ReturnOverrides.getDescriptor(), ReturnOverrides.HEADERS_FIELD_NUMBER),
      (b, m) -> ((ReturnOverrides.Builder) b).clearHeaders().putAllHeaders(m),
      field(ResponseObject.getDescriptor(), ResponseObject.HEADERS_FIELD_NUMBER),
      (b, m) -> ((ResponseObject.Builder) b).clearHeaders().putAllHeaders(m),
      field(SessionState.getDescriptor(), SessionState.METADATA_FIELD_NUMBER),
      (b, m) -> ((SessionState.Builder) b).clearMetadata().putAllMetadata(m),
      field(SessionState.getDescriptor(), SessionState.OAUTH_KEYS_FIELD_NUMBER),
      (b, m) -> ((SessionState.Builder) b).clearOauthKeys().putAllOauthKeys(m));

  private StringMaps() {
  }

  private static FieldDescriptor field(Descriptor type, int number) {
    return type.findFieldByNumber(number);
  }

  /** The typed replacement of {@code field}'s entries, or null when it is not one of the string maps above. */
  static BiConsumer<Message.Builder, Map<String, String>> setter(FieldDescriptor field) {
    return SETTERS.get(field);
  }

  /** A value as the text of a string field, or null when it has none. */
  static String text(LuaValue value) {
    return value.isstring() || value.isboolean() ? value.tojstring() : null;
  }

  /** The table's entries that are text on both sides, in the table's order. */
  static Map<String, String> of(LuaValue table) {
    Map<String, String> map = new LinkedHashMap<>();
    LuaValue k = LuaValue.NIL;
    while (true) {
      Varargs next = table.next(k);
      k = next.arg1();
      if (k.isnil()) {
        return map;
      }
      String key = text(k);
      String value = text(next.arg(2));
      if (key != null && value != null) {
        map.put(key, value);
      }
    }
  }
}
