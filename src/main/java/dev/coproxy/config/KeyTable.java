package dev.coproxy.config;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The class of every key Tyk defines in a classic API definition, a session (key) and
 * {@code tyk.conf}: implemented, inert, or not implemented. Read once from the classpath resource
 * {@value #RESOURCE}, the one table the README renders. {@link #check} walks a JSON object against
 * it and says, for each key, whether Coproxy honours it, ignores it harmlessly, or must refuse it.
 */
public final class KeyTable {

  /** Classpath location of the table. */
  public static final String RESOURCE = "tyk-keys.tsv";

  /** Which object a rule applies to. */
  public enum Scope { API, SESSION, CONF }

  /** What Coproxy does with a key. */
  public enum KeyClass {
    /** A container: its children have rules of their own. */
    SECTION,
    /** Tyk's behaviour (possibly only for the accepted values). */
    IMPLEMENTED,
    /** No effect on access or on what is served: ignored. */
    INERT,
    /** Not implemented: refused unless set to an accepted (inert) value. */
    REFUSED,
    /** Not implemented, safe to run without (tyk.conf only): one warning. */
    WARNED
  }

  /**
   * One row of the table.
   *
   * @param scope where the key lives
   * @param path dotted path; {@code *} stands for any map key or list element
   * @param keyClass what Coproxy does with it
   * @param accept values accepted as they are (for refused and warned keys: the inert defaults);
   *     null accepts anything
   * @param negated {@code accept} lists the values refused instead (written {@code not ...})
   * @param note what the key does, and for refusals what to do instead
   */
  public record Rule(Scope scope, String path, KeyClass keyClass, List<Object> accept, boolean negated, String note) {

    /** True when a value needs no refusal or warning under this rule. */
    public boolean accepts(Object value) {
      if (accept == null) {
        return true;
      }
      for (Object listed : accept) {
        if (listed == ZERO ? isZero(value) : same(listed, value)) {
          return !negated;
        }
      }
      return negated;
    }

    /** The accepted values as written in the table, for messages and the README. */
    public String acceptText() {
      if (accept == null) {
        return "";
      }
      List<String> parts = new ArrayList<>();
      accept.forEach(a -> parts.add(a == ZERO ? "unset / zero" : Json.encode(a)));
      return (negated ? "anything but " : "") + String.join(", ", parts);
    }
  }

  /** What a check found for one key of one object. */
  public enum Verdict {
    /** Set to a value Coproxy does not implement. */
    REFUSED,
    /** Not implemented but harmless (tyk.conf): worth a warning. */
    WARNED,
    /** Present, ignored: at most an informational line. */
    INERT,
    /** No rule: not a key Tyk or Coproxy knows. */
    UNKNOWN
  }

  /**
   * One key that needs attention.
   *
   * @param key its concrete dotted path ({@code version_data.versions.Default.extended_paths.black_list})
   * @param value its value
   * @param rule its rule; null when {@code verdict} is UNKNOWN
   * @param verdict what to do about it
   * @param miscased the key is written in another case than Tyk's (Go would still read it; Coproxy
   *     reads only Tyk's spelling, so an implemented key written that way is refused)
   */
  public record Finding(String key, Object value, Rule rule, Verdict verdict, boolean miscased) {

    /** One line for a log or an error reply, naming the key and its value. */
    public String describe() {
      return key + " " + problem();
    }

    /** What is wrong or worth knowing, without the key. */
    public String problem() {
      return switch (verdict) {
        case UNKNOWN -> "is not a key Coproxy knows; ignored";
        case INERT -> "has no effect in Coproxy (" + rule.note() + ")";
        case WARNED -> "is not implemented: " + rule.note();
        case REFUSED -> miscased && rule.keyClass() == KeyClass.IMPLEMENTED
            ? "is not spelt as Tyk documents it (" + rule.path() + "): Tyk would read it, Coproxy reads keys only in Tyk's case"
            : "is set to " + shortly(value) + ", which Coproxy does not implement (" + rule.note() + ")"
            + (rule.accept() == null ? "" : "; accepted: " + rule.acceptText());
      };
    }
  }

  /** In a rule's accepted values: Go's zero value of whatever type ({@link #isZero}). */
  static final Object ZERO = new Object();

  /** Per scope, the rules by their path in lower case (Go reads JSON keys whatever their case). */
  private final Map<Scope, Map<String, Rule>> rules;
  /**
   * Per scope, every known path in lower case (a rule's, or a proper prefix of one, where a key is
   * known without a row of its own) with its spelling in Tyk's case.
   */
  private final Map<Scope, Map<String, String>> spellings = new EnumMap<>(Scope.class);

  KeyTable(Map<Scope, Map<String, Rule>> rules) {
    this.rules = new EnumMap<>(Scope.class);
    rules.forEach((scope, byPath) -> {
      Map<String, Rule> folded = new LinkedHashMap<>();
      Map<String, String> known = new HashMap<>();
      byPath.forEach((path, rule) -> {
        folded.put(fold(path), rule);
        known.put(fold(path), path);
        for (int dot = path.indexOf('.'); dot > 0; dot = path.indexOf('.', dot + 1)) {
          known.putIfAbsent(fold(path.substring(0, dot)), path.substring(0, dot));
        }
      });
      this.rules.put(scope, folded);
      spellings.put(scope, known);
    });
  }

  /** The table shipped in the jar. */
  public static KeyTable bundled() {
    return Bundled.TABLE;
  }

  // Loaded on first use, once.
  private static final class Bundled {
    static final KeyTable TABLE = KeyTableFile.load();
  }

  /** Every rule of a scope, in the table's order. */
  public List<Rule> rules(Scope scope) {
    return List.copyOf(rules.get(scope).values());
  }

  /** The rule for an exact (wildcarded) path, or null. */
  public Rule rule(Scope scope, String path) {
    return rules.get(scope).get(fold(path));
  }

  /**
   * Walks an object and lists every key that is refused, warned about, inert or unknown, in the
   * object's order. Implemented keys with accepted values are not listed.
   */
  public List<Finding> check(Scope scope, JsonObject json) {
    List<Finding> out = new ArrayList<>();
    walkObject(scope, json, "", "", false, out);
    return out;
  }

  /** The refused keys among {@link #check}'s findings. */
  public static List<Finding> refusals(List<Finding> findings) {
    return findings.stream().filter(f -> f.verdict() == Verdict.REFUSED).toList();
  }

  // Patterns are in lower case. A key matched by name (not by *) in another case than Tyk's is
  // "miscased", and so is everything below it.
  private void walkObject(Scope scope, JsonObject json, String pattern, String concrete, boolean miscased, List<Finding> out) {
    for (Map.Entry<String, Object> entry : json) {
      String key = entry.getKey();
      String exact = join(pattern, fold(key));
      String any = join(pattern, "*");
      boolean byName = known(scope, exact) || !known(scope, any);
      boolean caseDiffers = byName && known(scope, exact) && !spellings.get(scope).get(exact).endsWith(key);
      walkValue(scope, entry.getValue(), byName ? exact : any, join(concrete, key), miscased || caseDiffers, out);
    }
  }

  private void walkValue(Scope scope, Object value, String pattern, String concrete, boolean miscased, List<Finding> out) {
    Rule rule = rules.get(scope).get(pattern);
    if (!known(scope, pattern)) {
      out.add(new Finding(concrete, value, null, Verdict.UNKNOWN, miscased));
      return;
    }
    if (rule != null && rule.keyClass() != KeyClass.SECTION) {
      judge(rule, value, concrete, miscased, out);
      return;
    }
    if (value instanceof JsonObject object) {
      walkObject(scope, object, pattern, concrete, miscased, out);
    } else if (value instanceof JsonArray array) {
      for (int i = 0; i < array.size(); i++) {
        walkValue(scope, array.getValue(i), join(pattern, "*"), concrete + "[" + i + "]", miscased, out);
      }
    }
  }

  private static void judge(Rule rule, Object value, String concrete, boolean miscased, List<Finding> out) {
    boolean accepted = rule.accepts(value);
    Verdict verdict = switch (rule.keyClass()) {
      case IMPLEMENTED -> !accepted || miscased && !isZero(value) ? Verdict.REFUSED : null;
      case INERT -> isZero(value) ? null : Verdict.INERT;
      case REFUSED -> accepted ? null : Verdict.REFUSED;
      case WARNED -> accepted ? null : Verdict.WARNED;
      case SECTION -> throw new IllegalStateException("section rule judged: " + rule.path());
    };
    if (verdict != null) {
      out.add(new Finding(concrete, value, rule, verdict, miscased));
    }
  }

  // A path is known when it has a rule or some rule lies below it.
  private boolean known(Scope scope, String pattern) {
    return spellings.get(scope).containsKey(pattern);
  }

  private static String fold(String key) {
    return key.toLowerCase(Locale.ROOT);
  }

  private static String join(String parent, String key) {
    return parent.isEmpty() ? key : parent + "." + key;
  }

  /** Go's zero value, deep: null, false, 0, "", [], {} or an object of such values. */
  static boolean isZero(Object value) {
    if (value == null || Boolean.FALSE.equals(value)) {
      return true;
    }
    if (value instanceof Number n) {
      return n.doubleValue() == 0;
    }
    if (value instanceof String s) {
      return s.isEmpty();
    }
    if (value instanceof JsonArray a) {
      return a.isEmpty();
    }
    if (value instanceof JsonObject o) {
      for (Map.Entry<String, Object> e : o) {
        if (!isZero(e.getValue())) {
          return false;
        }
      }
      return true;
    }
    return false;
  }

  private static boolean same(Object allowed, Object value) {
    if (allowed instanceof Number a && value instanceof Number v) {
      return a.doubleValue() == v.doubleValue();
    }
    if (allowed instanceof String a && value instanceof String v) {
      return a.equalsIgnoreCase(v);
    }
    return allowed.equals(value);
  }

  private static String shortly(Object value) {
    String text = value instanceof String s ? "\"" + s + "\"" : Json.encode(value);
    return text.length() > 60 ? text.substring(0, 57) + "..." : text;
  }
}
