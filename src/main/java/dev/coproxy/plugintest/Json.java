package dev.coproxy.plugintest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** How the request file's values become the object's strings and bytes. */
final class Json {

  private Json() {
  }

  static String string(Object value, String key, RequestFile file) throws BadInput {
    if (!(value instanceof String text)) {
      throw file.bad("\"" + key + "\" must be a string");
    }
    return text;
  }

  /**
   * A map of strings. A value that is not a string travels as its JSON text, as the gateway sends
   * {@code config_data}; a header written as a list keeps its first value, as the gateway does.
   */
  static Map<String, String> stringMap(Object value, String key, RequestFile file) throws BadInput {
    Map<String, String> out = new LinkedHashMap<>();
    if (value == null) {
      return out;
    }
    if (!(value instanceof JsonObject object)) {
      throw file.bad("\"" + key + "\" must be an object");
    }
    for (String name : object.fieldNames()) {
      Object entry = object.getValue(name);
      if (entry instanceof JsonArray list && key.endsWith("headers")) {
        entry = list.isEmpty() ? "" : list.getValue(0);
      }
      out.put(name, entry instanceof String text ? text : entry == null ? "" : String.valueOf(entry instanceof JsonObject o ? o.encode() : entry));
    }
    return out;
  }

  /** A body: a string as UTF-8, a JSON object or list as its JSON text. */
  static byte[] body(Object value, String key, RequestFile file) throws BadInput {
    if (value == null) {
      return new byte[0];
    }
    if (value instanceof String text) {
      return text.getBytes(StandardCharsets.UTF_8);
    }
    if (value instanceof JsonObject object) {
      return object.encode().getBytes(StandardCharsets.UTF_8);
    }
    if (value instanceof JsonArray list) {
      return list.encode().getBytes(StandardCharsets.UTF_8);
    }
    throw file.bad("\"" + key + "\" must be a string, or a JSON object or list sent as its JSON text");
  }

  /** Go's canonical header name, as the gateway sends headers to hooks ({@code x-api-key} is {@code X-Api-Key}). */
  static String canonical(String name) {
    char[] chars = name.toCharArray();
    boolean upper = true;
    for (int i = 0; i < chars.length; i++) {
      char c = chars[i];
      if (c <= ' ' || c >= 0x7f || "\"(),/:;<=>?@[\\]{}".indexOf(c) >= 0) {
        return name;
      }
      chars[i] = upper ? Character.toUpperCase(c) : Character.toLowerCase(c);
      upper = c == '-';
    }
    return new String(chars);
  }
}
