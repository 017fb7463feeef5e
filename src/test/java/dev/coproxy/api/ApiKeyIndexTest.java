package dev.coproxy.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.coproxy.config.KeyTable;
import dev.coproxy.config.KeyTable.KeyClass;
import dev.coproxy.config.KeyTable.Rule;
import dev.coproxy.config.KeyTable.Scope;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The key table is the API model's index: every API-definition key the table calls
 * {@code implemented} is read by one of the model's records, and every key a record reads is an
 * implemented key of the table (or lies inside one whose value is read as a whole, such as
 * {@code handler_meta}).
 */
class ApiKeyIndexTest {

  private static final KeyTable TABLE = KeyTable.bundled();

  @Test
  void everyImplementedKeyIsReadByARecord() {
    List<String> read = new ArrayList<>(ApiKeys.read());
    read.addAll(ApiKeys.DECIDED_BY_TABLE);
    List<String> unread = new ArrayList<>();
    for (Rule rule : TABLE.rules(Scope.API)) {
      if (rule.keyClass() == KeyClass.IMPLEMENTED
          && read.stream().noneMatch(key -> key.equals(rule.path()) || key.startsWith(rule.path() + "."))) {
        unread.add(rule.path());
      }
    }
    assertEquals(List.of(), unread, "implemented in " + KeyTable.RESOURCE + " but read by no record of the API model");
  }

  @Test
  void everyKeyARecordReadsIsImplemented() {
    List<String> strays = new ArrayList<>();
    for (String key : ApiKeys.read()) {
      Rule rule = ruleAtOrAbove(key);
      if (rule == null || rule.keyClass() != KeyClass.IMPLEMENTED) {
        strays.add(key + (rule == null ? " (no row)" : " (" + rule.keyClass() + " at " + rule.path() + ")"));
      }
    }
    assertEquals(List.of(), strays, "read by the API model but not implemented in " + KeyTable.RESOURCE);
  }

  @Test
  void keysDecidedByTheTableAloneAreImplementedWithAcceptedValues() {
    for (String key : ApiKeys.DECIDED_BY_TABLE) {
      Rule rule = TABLE.rule(Scope.API, key);
      assertEquals(KeyClass.IMPLEMENTED, rule.keyClass(), key);
      assertNotNull(rule.accept(), key + " must list the values it accepts");
    }
  }

  // The key's own row, or the nearest row above it that is not a section (a value read whole).
  private static Rule ruleAtOrAbove(String key) {
    for (String path = key; ; path = path.substring(0, path.lastIndexOf('.'))) {
      Rule rule = TABLE.rule(Scope.API, path);
      if (rule != null && rule.keyClass() != KeyClass.SECTION) {
        return rule;
      }
      if (path.indexOf('.') < 0) {
        return null;
      }
    }
  }
}
