package dev.coproxy.plugintest;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a hook changed, as one line per field path ({@code request.set_headers.X-Foo: + "bar"}),
 * from the JSON forms of the object sent and the object returned. Maps and messages are walked;
 * lists and values are compared whole. The base64 {@code raw_body} is left out when a readable
 * {@code body} changed with it.
 */
final class ObjectDiff {

  private ObjectDiff() {
  }

  static List<String> lines(JsonObject before, JsonObject after) {
    List<String> out = new ArrayList<>();
    walk("", before, after, out);
    return out;
  }

  private static void walk(String prefix, JsonObject before, JsonObject after, List<String> out) {
    Set<String> names = new TreeSet<>(before.fieldNames());
    names.addAll(after.fieldNames());
    for (String name : names) {
      Object old = before.getValue(name);
      Object now = after.getValue(name);
      String path = prefix + name;
      if (old instanceof JsonObject o && now instanceof JsonObject n) {
        walk(path + ".", o, n, out);
      } else if (old == null && now instanceof JsonObject n) {
        walk(path + ".", new JsonObject(), n, out);
      } else if (now == null && old instanceof JsonObject o) {
        walk(path + ".", o, new JsonObject(), out);
      } else if (name.equals("raw_body") && !java.util.Objects.equals(before.getValue("body"), after.getValue("body"))) {
        continue;
      } else if (old == null) {
        out.add(path + ": + " + text(now));
      } else if (now == null) {
        out.add(path + ": - " + text(old));
      } else if (!old.equals(now)) {
        out.add(path + ": " + text(old) + " -> " + text(now));
      }
    }
  }

  private static String text(Object value) {
    return value instanceof String ? io.vertx.core.json.Json.encode(value) : String.valueOf(value);
  }
}
