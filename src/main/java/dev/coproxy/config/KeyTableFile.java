package dev.coproxy.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The file behind {@link KeyTable}: the classpath resource {@value KeyTable#RESOURCE}, read once,
 * and its lines turned into rules. A malformed line is an {@link IllegalStateException} naming the
 * line: the table ships in the jar, so that is a build defect, never a user's.
 */
final class KeyTableFile {

  private KeyTableFile() {
  }

  static KeyTable load() {
    try (InputStream in = KeyTableFile.class.getClassLoader().getResourceAsStream(KeyTable.RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(KeyTable.RESOURCE + " is missing from the classpath");
      }
      return parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines().toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads the table's lines (tab-separated: scope, path, class, accept, note; a header first). The
   * accept cell lists values separated by {@code |} ({@code zero} or JSON), or after {@code not }
   * the values that are refused.
   */
  static KeyTable parse(List<String> lines) {
    Map<KeyTable.Scope, Map<String, KeyTable.Rule>> rules = new LinkedHashMap<>();
    for (KeyTable.Scope scope : KeyTable.Scope.values()) {
      rules.put(scope, new LinkedHashMap<>());
    }
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] cells = line.split("\t", -1);
      if (cells.length < 5) {
        throw new IllegalStateException(KeyTable.RESOURCE + " line " + (i + 1) + ": needs 5 tab-separated cells, got " + cells.length);
      }
      KeyTable.Scope scope = KeyTable.Scope.valueOf(cells[0].trim().toUpperCase(Locale.ROOT));
      KeyTable.KeyClass keyClass = KeyTable.KeyClass.valueOf(cells[2].trim().toUpperCase(Locale.ROOT));
      String acceptCell = cells[3].trim();
      boolean negated = acceptCell.startsWith("not ");
      KeyTable.Rule rule = new KeyTable.Rule(scope, cells[1].trim(), keyClass, accept(keyClass, negated ? acceptCell.substring(4).trim() : acceptCell, i + 1),
          negated, cells[4].trim());
      if (rules.get(scope).put(rule.path(), rule) != null) {
        throw new IllegalStateException(KeyTable.RESOURCE + " line " + (i + 1) + ": " + scope + " " + rule.path() + " is listed twice");
      }
    }
    return new KeyTable(rules);
  }

  private static List<Object> accept(KeyTable.KeyClass keyClass, String cell, int line) {
    if (cell.isEmpty()) {
      return keyClass == KeyTable.KeyClass.REFUSED || keyClass == KeyTable.KeyClass.WARNED ? List.of(KeyTable.ZERO) : null;
    }
    List<Object> values = new ArrayList<>();
    for (String token : cell.split("\\|")) {
      String t = token.trim();
      if (t.equals("zero")) {
        values.add(KeyTable.ZERO);
        continue;
      }
      try {
        values.add(Json.decodeValue(t));
      } catch (DecodeException e) {
        throw new IllegalStateException(KeyTable.RESOURCE + " line " + line + ": accept value " + t + " is not JSON");
      }
    }
    return List.copyOf(values);
  }
}
