package dev.coproxy.api;

import dev.coproxy.config.ConfigException;
import dev.coproxy.config.JsonReader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One entry of a version's path lists ({@code ignored}, {@code black_list}, {@code white_list}, in
 * {@code extended_paths} or the legacy {@code paths}), compiled when the definition loads.
 *
 * @param kind which list it comes from
 * @param pattern the path, as Tyk matches it
 * @param method {@code method}: the one method it applies to; empty = every method
 * @param methodActions {@code method_actions} by method, or null when the entry has none (then
 *     {@code method} decides); a listed method with no entry here does not match
 */
public record PathRule(Kind kind, PathPattern pattern, String method, Map<String, MethodAction> methodActions) {

  /** The list an entry belongs to. */
  public enum Kind { IGNORED, BLACK_LIST, WHITE_LIST }

  /**
   * What a {@code method_actions} entry does: nothing special ({@code no_action}), or answer from
   * the gateway ({@code reply}) with this status, body and headers.
   */
  public record MethodAction(boolean reply, int code, String data, Map<String, String> headers) {

    public MethodAction {
      headers = Map.copyOf(headers);
    }
  }

  /**
   * Parses one extended list ({@code extended_paths.<list>}); entries marked {@code disabled} are
   * left out, as Tyk does.
   *
   * @param key the list's key, for messages
   * @throws ConfigException naming the entry's key that cannot work
   */
  static List<PathRule> parseExtended(JsonArray list, Kind kind, boolean ignoreEndpointCase, String key) {
    List<PathRule> rules = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String at = key + "[" + i + "]";
      if (!(list.getValue(i) instanceof JsonObject entry)) {
        throw new ConfigException(at, "must be an object with a path");
      }
      JsonReader r = new JsonReader(entry, at);
      if (r.bool("disabled", false)) {
        continue;
      }
      PathPattern pattern = PathPatterns.compile(PathPatterns.path(r), r.bool("ignore_case", false) || ignoreEndpointCase, r.path("path"));
      Map<String, MethodAction> actions = r.has("method_actions") ? actions(r.object("method_actions"), r.path("method_actions")) : null;
      rules.add(new PathRule(kind, pattern, PathPatterns.method(r.string("method", ""), false, r.path("method")), actions));
    }
    return rules;
  }

  /** Parses one legacy list ({@code paths.<list>}): plain paths for every method. */
  static List<PathRule> parseLegacy(List<String> paths, Kind kind, String key) {
    List<PathRule> rules = new ArrayList<>();
    for (int i = 0; i < paths.size(); i++) {
      if (paths.get(i).isEmpty()) {
        throw new ConfigException(key + "[" + i + "]", "is empty: an entry without a path would match every request");
      }
      rules.add(new PathRule(kind, PathPatterns.compile(paths.get(i), false, key + "[" + i + "]"), "", null));
    }
    return rules;
  }

  private static Map<String, MethodAction> actions(JsonObject methods, String key) {
    Map<String, MethodAction> actions = new LinkedHashMap<>();
    JsonReader all = new JsonReader(methods, key);
    for (String method : methods.fieldNames()) {
      PathPatterns.method(method, true, all.path(method));
      JsonReader a = all.child(method);
      String action = a.string("action", "");
      if (action.equals("no_action")) {
        actions.put(method, new MethodAction(false, 0, "", Map.of()));
        continue;
      }
      if (!action.equals("reply")) {
        throw new ConfigException(a.path("action"), "must be \"no_action\" or \"reply\", got \"" + action + "\"");
      }
      int code = (int) a.integer("code", 0, 0, 999);
      if (code < 100) {
        throw new ConfigException(a.path("code"), "must be an HTTP status (100 to 999) for a reply, got " + code);
      }
      Map<String, String> headers = new LinkedHashMap<>();
      JsonReader headerReader = a.child("headers");
      for (String name : a.object("headers").fieldNames()) {
        headers.put(name, headerReader.string(name, ""));
      }
      actions.put(method, new MethodAction(true, code, a.string("data", ""), headers));
    }
    return actions;
  }
}
