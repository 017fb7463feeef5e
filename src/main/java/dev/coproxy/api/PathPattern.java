package dev.coproxy.api;

import java.util.regex.Pattern;

/**
 * One compiled endpoint path (see {@link PathPatterns}) with the literal text every match must
 * contain, so that most paths are told apart by a plain substring search before any regular
 * expression runs: an API with dozens of entries pays little for those that cannot match.
 *
 * @param regex the regular expression, matched anywhere in a path
 * @param required text every match contains (empty when none can be told)
 */
public record PathPattern(Pattern regex, String required) {

  private static final String META = "\\^$.|?*+()[]{}";

  /** Wraps a compiled expression, working out its required text. */
  static PathPattern of(Pattern regex) {
    return new PathPattern(regex, required(regex));
  }

  /** True when the pattern is found in the path. */
  public boolean foundIn(String path) {
    return path != null && (required.isEmpty() || path.contains(required)) && regex.matcher(path).find();
  }

  /** True when the pattern is found in any of the candidate paths (null ones are skipped). */
  public boolean foundIn(String[] candidates) {
    for (String candidate : candidates) {
      if (foundIn(candidate)) {
        return true;
      }
    }
    return false;
  }

  // The literal run at the start of the expression (after a leading ^), short of a character a
  // quantifier makes optional; nothing when the expression has an alternative or ignores case.
  private static String required(Pattern regex) {
    String source = regex.pattern();
    if ((regex.flags() & Pattern.CASE_INSENSITIVE) != 0 || source.indexOf('|') >= 0) {
      return "";
    }
    int start = source.startsWith("^") ? 1 : 0;
    int end = start;
    while (end < source.length() && META.indexOf(source.charAt(end)) < 0) {
      end++;
    }
    if (end < source.length() && end > start && "?*{".indexOf(source.charAt(end)) >= 0) {
      end--;
    }
    return source.substring(start, end);
  }
}
