package dev.coproxy.idextractor;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tyk's {@code regex} mode: the whole-pattern matches of {@code regex_expression} over the input,
 * non-overlapping and left to right; the value is match number {@code regex_match_index} (not a
 * capture group). A compiled {@link Pattern} is shared by all threads.
 */
final class RegexMode implements Mode {

  private final Pattern pattern;
  private final int index;

  RegexMode(Pattern pattern, int index) {
    this.pattern = pattern;
    this.index = index;
  }

  @Override
  public String apply(String input) {
    Matcher matcher = pattern.matcher(input);
    int found = 0;
    while (matcher.find()) {
      if (found == index) {
        return matcher.group();
      }
      found++;
    }
    throw new ExtractionFailure("can't find regexp match group: " + found + " matches of " + pattern.pattern()
        + ", regex_match_index is " + index);
  }
}
