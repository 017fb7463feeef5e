package dev.coproxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.config.KeyTable.KeyClass;
import dev.coproxy.config.KeyTable.Rule;
import dev.coproxy.config.KeyTable.Scope;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every key of Tyk's classic API definition, session and tyk.conf (the lists under
 * {@code src/test/resources/tyk-keys/}, taken from Tyk's Go structs) is in exactly one class of
 * the key table; every row of the table is a Tyk key or a documented Coproxy extension.
 */
class KeyTableCompletenessTest {

  private static final String EXTENSION = "Coproxy extension:";

  @ParameterizedTest
  @EnumSource(Scope.class)
  void everyTykKeyHasAClass(Scope scope) throws IOException {
    KeyTable table = KeyTable.bundled();
    List<String> missing = new ArrayList<>();
    for (String key : tykKeys(scope)) {
      if (!covered(table, scope, key)) {
        missing.add(key);
      }
    }
    assertEquals(List.of(), missing, "Tyk keys in no class of " + KeyTable.RESOURCE + " (scope " + scope + ")");
  }

  @ParameterizedTest
  @EnumSource(Scope.class)
  void everyRowIsATykKeyOrAnExtension(Scope scope) throws IOException {
    Set<String> tyk = tykKeys(scope);
    List<String> strays = new ArrayList<>();
    for (Rule rule : KeyTable.bundled().rules(scope)) {
      if (!isTykKey(tyk, rule.path()) && !rule.note().startsWith(EXTENSION)) {
        strays.add(rule.path());
      }
      if (rule.note().isBlank() && rule.keyClass() != KeyClass.SECTION) {
        strays.add(rule.path() + " (no note)");
      }
    }
    assertEquals(List.of(), strays, "rows that are neither Tyk keys nor notes starting with \"" + EXTENSION + "\"");
  }

  @ParameterizedTest
  @EnumSource(Scope.class)
  void noKeyIsInTwoClasses(Scope scope) {
    // A row that is not a section covers its whole subtree: nothing below it may have a row too.
    List<String> shadowed = new ArrayList<>();
    for (Rule rule : KeyTable.bundled().rules(scope)) {
      for (String ancestor = parent(rule.path()); ancestor != null; ancestor = parent(ancestor)) {
        Rule above = KeyTable.bundled().rule(scope, ancestor);
        if (above != null && above.keyClass() != KeyClass.SECTION) {
          shadowed.add(rule.path() + " under " + ancestor);
        }
      }
    }
    assertEquals(List.of(), shadowed);
  }

  @ParameterizedTest
  @EnumSource(Scope.class)
  void refusalsSayWhy(Scope scope) {
    for (Rule rule : KeyTable.bundled().rules(scope)) {
      if (rule.keyClass() == KeyClass.WARNED) {
        assertEquals(Scope.CONF, scope, rule.path() + ": only tyk.conf keys are warned about");
      }
    }
    assertTrue(KeyTable.bundled().rules(scope).stream().anyMatch(r -> r.keyClass() == KeyClass.REFUSED));
  }

  // A row may name a map key where Tyk's list has * (auth_configs.authToken for auth_configs.*).
  private static boolean isTykKey(Set<String> tyk, String path) {
    if (tyk.contains(path)) {
      return true;
    }
    String[] segments = path.split("\\.");
    return tyk.stream().map(k -> k.split("\\.")).anyMatch(k -> {
      if (k.length != segments.length) {
        return false;
      }
      for (int i = 0; i < k.length; i++) {
        if (!k[i].equals("*") && !k[i].equals(segments[i])) {
          return false;
        }
      }
      return true;
    });
  }

  private static boolean covered(KeyTable table, Scope scope, String key) {
    if (table.rule(scope, key) != null) {
      return true;
    }
    for (String ancestor = parent(key); ancestor != null; ancestor = parent(ancestor)) {
      Rule rule = table.rule(scope, ancestor);
      if (rule != null && rule.keyClass() != KeyClass.SECTION) {
        return true;
      }
    }
    // A container: some row lies below it (its own children are checked one by one).
    String prefix = key + ".";
    return table.rules(scope).stream().anyMatch(r -> r.path().startsWith(prefix));
  }

  private static String parent(String path) {
    int dot = path.lastIndexOf('.');
    return dot < 0 ? null : path.substring(0, dot);
  }

  private static Set<String> tykKeys(Scope scope) throws IOException {
    String file = "tyk-keys/" + switch (scope) {
      case API -> "apidef.txt";
      case SESSION -> "session.txt";
      case CONF -> "config.txt";
    };
    try (InputStream in = KeyTableCompletenessTest.class.getClassLoader().getResourceAsStream(file)) {
      assertTrue(in != null, file + " is missing");
      Set<String> keys = new TreeSet<>();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!line.isBlank() && !line.startsWith("#")) {
          keys.add(line.trim());
        }
      }
      return keys;
    }
  }
}
