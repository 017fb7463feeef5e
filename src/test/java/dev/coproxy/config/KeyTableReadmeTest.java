package dev.coproxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.config.KeyTable.KeyClass;
import dev.coproxy.config.KeyTable.Rule;
import dev.coproxy.config.KeyTable.Scope;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The README shows the key table as the code has it. After changing {@code tyk-keys.tsv}, rewrite
 * the README's copy with {@code mvn -q test -Dtest=KeyTableReadmeTest -Dcoproxy.readme.write=true}.
 */
class KeyTableReadmeTest {

  private static final String BEGIN = "<!-- key table: generated from src/main/resources/tyk-keys.tsv by KeyTableReadmeTest -->";
  private static final String END = "<!-- end of key table -->";
  private static final Map<Scope, String> TITLES = Map.of(
      Scope.API, "API definition keys",
      Scope.SESSION, "Key (session) fields",
      Scope.CONF, "tyk.conf keys");

  @Test
  void theReadmeShowsTheTable() throws Exception {
    Path readme = Path.of("README.md");
    String text = Files.readString(readme, StandardCharsets.UTF_8);
    int begin = text.indexOf(BEGIN);
    int end = text.indexOf(END);
    assertTrue(begin >= 0 && end > begin, "README.md needs the markers " + BEGIN + " and " + END);
    String current = text.substring(begin + BEGIN.length(), end);
    String rendered = render(KeyTable.bundled());
    if (Boolean.getBoolean("coproxy.readme.write")) {
      Files.writeString(readme, text.substring(0, begin + BEGIN.length()) + rendered + text.substring(end), StandardCharsets.UTF_8);
      return;
    }
    assertEquals(rendered, current, "README.md's key table is stale: rerun with -Dcoproxy.readme.write=true");
  }

  static String render(KeyTable table) {
    StringBuilder out = new StringBuilder("\n");
    for (Scope scope : Scope.values()) {
      long implemented = table.rules(scope).stream().filter(r -> r.keyClass() == KeyClass.IMPLEMENTED).count();
      long refused = table.rules(scope).stream().filter(r -> r.keyClass() == KeyClass.REFUSED).count();
      out.append("\n<details><summary>").append(TITLES.get(scope)).append(": ").append(implemented).append(" implemented, ")
          .append(refused).append(" refused unless unset</summary>\n\n")
          .append("| key | class | accepted values | note |\n|---|---|---|---|\n");
      for (Rule rule : table.rules(scope)) {
        if (rule.keyClass() == KeyClass.SECTION) {
          continue;
        }
        out.append("| `").append(rule.path()).append("` | ").append(label(rule)).append(" | ")
            .append(cell(rule.acceptText())).append(" | ").append(cell(rule.note())).append(" |\n");
      }
      out.append("\n</details>\n");
    }
    return out.append("\n").toString();
  }

  private static String label(Rule rule) {
    return switch (rule.keyClass()) {
      case IMPLEMENTED -> "implemented";
      case INERT -> "inert";
      case REFUSED -> rule.scope() == Scope.CONF ? "**stops start-up**" : "**refused**";
      case WARNED -> "warning";
      case SECTION -> "";
    };
  }

  private static String cell(String text) {
    return text.replace("|", "\\|").replace("\n", " ");
  }
}
