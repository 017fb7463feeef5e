package dev.coproxy.metrics;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a PromQL expression of a dashboard reads: the metric names it selects, the label names its
 * matchers name on each, and the labels it groups by. Enough PromQL for dashboards, not a parser:
 * strings, Grafana variables, ranges and grouping clauses are taken out first, then every remaining
 * identifier that is not a function call or a keyword is a metric name. Matchers of a fixed value
 * ({@code driver="python"}) are kept as written, so that the value can be looked for too.
 */
record PromQl(Map<String, Set<String>> matcherLabels, Map<String, Set<String>> exactMatchers, Set<String> groupingLabels) {

  private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
      "bool", "and", "or", "unless", "offset", "inf", "nan");
  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{[^}]*\\}|\\$\\w+");
  private static final Pattern RANGE = Pattern.compile("\\[[^\\]]*\\]");
  private static final Pattern GROUPING = Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\(([^)]*)\\)");
  private static final Pattern SELECTOR = Pattern.compile("(?<![\\w.:])([a-zA-Z_:][\\w:]*)\\s*\\{([^}]*)\\}");
  private static final Pattern EXACT = Pattern.compile("([a-zA-Z_]\\w*)\\s*=\\s*\"([^\"]+)\"");
  private static final Pattern MATCHER_LABEL = Pattern.compile("([a-zA-Z_]\\w*)\\s*(?:=~|!~|!=|=)");
  private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.:])([a-zA-Z_:][\\w:]*)(\\s*\\()?");
  private static final Pattern LABEL_VALUES = Pattern.compile("^\\s*label_values\\((.*),\\s*([a-zA-Z_]\\w*)\\s*\\)\\s*$");

  /** The metric names the expression selects. */
  Set<String> metrics() {
    return matcherLabels.keySet();
  }

  /**
   * Reads one expression; a Grafana {@code label_values(expr, label)} variable query counts the
   * label as a grouping label of {@code expr}.
   */
  static PromQl parse(String expression) {
    Matcher labelValues = LABEL_VALUES.matcher(expression);
    if (labelValues.matches()) {
      PromQl inner = parse(labelValues.group(1));
      Set<String> grouping = new LinkedHashSet<>(inner.groupingLabels());
      grouping.add(labelValues.group(2));
      return new PromQl(inner.matcherLabels(), inner.exactMatchers(), grouping);
    }
    Map<String, Set<String>> exact = new LinkedHashMap<>();
    Matcher written = SELECTOR.matcher(VARIABLE.matcher(expression).replaceAll(""));
    while (written.find()) {
      Matcher matcher = EXACT.matcher(written.group(2));
      while (matcher.find()) {
        exact.computeIfAbsent(written.group(1), k -> new LinkedHashSet<>()).add(matcher.group(1) + "=\"" + matcher.group(2) + "\"");
      }
    }
    String text = STRING.matcher(expression).replaceAll("\"\"");
    text = VARIABLE.matcher(text).replaceAll("");
    text = RANGE.matcher(text).replaceAll("");
    Set<String> grouping = new LinkedHashSet<>();
    Matcher groups = GROUPING.matcher(text);
    while (groups.find()) {
      for (String label : groups.group(1).split(",")) {
        if (!label.isBlank()) {
          grouping.add(label.strip());
        }
      }
    }
    text = GROUPING.matcher(text).replaceAll(" ");
    Map<String, Set<String>> metrics = new LinkedHashMap<>();
    Matcher selectors = SELECTOR.matcher(text);
    while (selectors.find()) {
      Set<String> labels = metrics.computeIfAbsent(selectors.group(1), k -> new LinkedHashSet<>());
      Matcher label = MATCHER_LABEL.matcher(selectors.group(2));
      while (label.find()) {
        labels.add(label.group(1));
      }
    }
    Matcher identifiers = IDENTIFIER.matcher(text.replaceAll("\\{[^}]*\\}", "{}"));
    while (identifiers.find()) {
      String name = identifiers.group(1);
      boolean call = identifiers.group(2) != null;
      if (!call && !KEYWORDS.contains(name.toLowerCase())) {
        metrics.computeIfAbsent(name, k -> new LinkedHashSet<>());
      }
    }
    return new PromQl(metrics, exact, grouping);
  }
}
