package dev.coproxy.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Typed, validating access to one JSON object of a config or API definition. Every failure is a
 * {@link ConfigException} naming the full dotted key; every key read is remembered so that the
 * caller can list the keys nobody read.
 */
public final class JsonReader {

  private final JsonObject json;
  private final String prefix;
  private final Set<String> read = new LinkedHashSet<>();
  private final List<JsonReader> children = new ArrayList<>();

  public JsonReader(JsonObject json, String prefix) {
    this.json = json == null ? new JsonObject() : json;
    this.prefix = prefix;
  }

  public JsonReader(JsonObject json) {
    this(json, "");
  }

  /** The dotted path of a key of this object. */
  public String path(String key) {
    return prefix.isEmpty() ? key : prefix + "." + key;
  }

  public boolean has(String key) {
    read.add(key);
    return json.getValue(key) != null;
  }

  public String string(String key, String fallback) {
    Object value = raw(key);
    if (value == null) {
      return fallback;
    }
    if (value instanceof String s) {
      return s;
    }
    if (value instanceof Number || value instanceof Boolean) {
      return String.valueOf(value);
    }
    throw new ConfigException(path(key), "must be a string, got " + describe(value));
  }

  public boolean bool(String key, boolean fallback) {
    Object value = raw(key);
    if (value == null) {
      return fallback;
    }
    if (value instanceof Boolean b) {
      return b;
    }
    if (value instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
      return Boolean.parseBoolean(s);
    }
    throw new ConfigException(path(key), "must be true or false, got " + describe(value));
  }

  public long integer(String key, long fallback, long min, long max) {
    Object value = raw(key);
    if (value == null) {
      return fallback;
    }
    long result;
    if (value instanceof java.math.BigInteger big && big.bitLength() > 63) {
      throw new ConfigException(path(key), "must be between " + min + " and " + max + ", got " + big);
    }
    if (value instanceof Integer || value instanceof Long || value instanceof java.math.BigInteger) {
      result = ((Number) value).longValue();
    } else if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
      result = n.longValue();
    } else if (value instanceof String s && s.trim().matches("-?\\d+")) {
      result = Long.parseLong(s.trim());
    } else {
      throw new ConfigException(path(key), "must be a whole number, got " + describe(value));
    }
    if (result < min || result > max) {
      throw new ConfigException(path(key), "must be between " + min + " and " + max + ", got " + result);
    }
    return result;
  }

  public double decimal(String key, double fallback, double min, double max) {
    Object value = raw(key);
    if (value == null) {
      return fallback;
    }
    double result;
    if (value instanceof Number n) {
      result = n.doubleValue();
    } else if (value instanceof String s) {
      try {
        result = Double.parseDouble(s.trim());
      } catch (NumberFormatException e) {
        throw new ConfigException(path(key), "must be a number, got " + describe(value));
      }
    } else {
      throw new ConfigException(path(key), "must be a number, got " + describe(value));
    }
    if (Double.isNaN(result) || result < min || result > max) {
      throw new ConfigException(path(key), "must be between " + min + " and " + max + ", got " + result);
    }
    return result;
  }

  /** A nested object, empty when absent. */
  public JsonObject object(String key) {
    Object value = raw(key);
    if (value == null) {
      return new JsonObject();
    }
    if (value instanceof JsonObject o) {
      return o;
    }
    throw new ConfigException(path(key), "must be an object, got " + describe(value));
  }

  /** A reader for a nested object, keeping the dotted path for messages. */
  public JsonReader child(String key) {
    JsonReader child = new JsonReader(object(key), path(key));
    children.add(child);
    return child;
  }

  /** A list, empty when absent. */
  public JsonArray array(String key) {
    Object value = raw(key);
    if (value == null) {
      return new JsonArray();
    }
    if (value instanceof JsonArray a) {
      return a;
    }
    throw new ConfigException(path(key), "must be a list, got " + describe(value));
  }

  /** A list of strings, empty when absent. */
  public List<String> strings(String key) {
    Object value = raw(key);
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray array)) {
      throw new ConfigException(path(key), "must be a list of strings, got " + describe(value));
    }
    List<String> out = new ArrayList<>(array.size());
    for (Object item : array) {
      if (!(item instanceof String s)) {
        throw new ConfigException(path(key), "must be a list of strings, found " + describe(item));
      }
      out.add(s);
    }
    return List.copyOf(out);
  }

  /** Keys present in the object that were never read: unknown or misspelled keys. */
  public List<String> unreadKeys() {
    List<String> unknown = new ArrayList<>();
    for (String key : json.fieldNames()) {
      if (!read.contains(key)) {
        unknown.add(path(key));
      }
    }
    for (JsonReader child : children) {
      unknown.addAll(child.unreadKeys());
    }
    return unknown;
  }

  private Object raw(String key) {
    read.add(key);
    return json.getValue(key);
  }

  private static String describe(Object value) {
    if (value instanceof String s) {
      return "\"" + s + "\"";
    }
    if (value instanceof JsonObject) {
      return "an object";
    }
    if (value instanceof JsonArray) {
      return "a list";
    }
    return String.valueOf(value);
  }
}
