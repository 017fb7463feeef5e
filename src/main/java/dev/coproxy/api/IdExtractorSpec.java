package dev.coproxy.api;

import dev.coproxy.config.ConfigException;
import dev.coproxy.config.JsonReader;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import javax.xml.xpath.XPathExpressionException;
import javax.xml.xpath.XPathFactory;

/**
 * {@code custom_middleware.id_extractor}, parsed and checked when an API whose auth is its
 * {@code auth_check} loads: the regex is compiled and the XPath expression compiled once to prove
 * it valid. As in Tyk there is no extractor when it is {@code disabled} or {@code extract_with} is
 * empty. Unlike Tyk, a configuration that cannot work is a load error naming the key (and the
 * API): an unknown source or mode, a missing header or parameter name, a missing or invalid
 * expression, a negative match index, and {@code value} over {@code body} (which would give every
 * request one ID).
 *
 * @param from {@code extract_from}
 * @param with {@code extract_with}
 * @param name the header ({@code header_name}) or parameter ({@code param_name}, alias
 *     {@code form_param_name}) to read; empty for {@code body} and for a whole query string
 * @param regex {@code regex_expression}, compiled; null unless {@code with} is REGEX
 * @param matchIndex {@code regex_match_index}
 * @param xpath {@code xpath_expression}, checked; null unless {@code with} is XPATH
 */
public record IdExtractorSpec(From from, With with, String name, Pattern regex, int matchIndex, String xpath) {

  /** Where the input is read ({@code extract_from}). */
  public enum From { HEADER, FORM, BODY, QUERYSTRING }

  /** How the value is picked from the input ({@code extract_with}). */
  public enum With { VALUE, REGEX, XPATH }

  /** The keys this record reads, below {@code custom_middleware.id_extractor}. */
  static final List<String> KEYS = List.of("disabled", "extract_from", "extract_with", "extractor_config.header_name",
      "extractor_config.param_name", "extractor_config.form_param_name", "extractor_config.regex_expression",
      "extractor_config.regex_match_index", "extractor_config.xpath_expression");

  /**
   * @param r a reader of the {@code id_extractor} object
   * @param apiId the API, named in messages (its file name need not be its id)
   * @return the extractor, or null when the API has none
   * @throws ConfigException naming the key that cannot work
   */
  static IdExtractorSpec parse(JsonReader r, String apiId) {
    try {
      return read(r);
    } catch (ConfigException e) {
      String problem = e.getMessage().substring(e.key().length() + 2);
      throw new ConfigException(e.key(), problem + " (api " + apiId + ", id_extractor)");
    }
  }

  private static IdExtractorSpec read(JsonReader r) {
    String with = r.string("extract_with", "").trim();
    if (r.bool("disabled", false) || with.isEmpty()) {
      return null;
    }
    String fromText = r.string("extract_from", "").trim();
    From from = named(From.values(), fromText);
    if (from == null) {
      throw new ConfigException(r.path("extract_from"), "must be header, form, body or querystring, got \"" + fromText + "\"");
    }
    JsonReader c = r.child("extractor_config");
    String name = switch (from) {
      case HEADER -> required(c, "header_name", "the header to read");
      case FORM -> paramName(c, true);
      case QUERYSTRING -> paramName(c, false);
      case BODY -> "";
    };
    With mode = named(With.values(), with);
    if (mode == null) {
      throw new ConfigException(r.path("extract_with"), "must be value, regex or xpath, got \"" + with + "\"");
    }
    return switch (mode) {
      case VALUE -> {
        if (from == From.BODY) {
          throw new ConfigException(r.path("extract_with"), "\"value\" cannot read the body (every request would get one ID): use regex or xpath");
        }
        yield new IdExtractorSpec(from, mode, name, null, 0, null);
      }
      case REGEX -> new IdExtractorSpec(from, mode, name, regex(c), (int) c.integer("regex_match_index", 0, 0, Integer.MAX_VALUE), null);
      case XPATH -> new IdExtractorSpec(from, mode, name, null, 0, xpath(c));
    };
  }

  // Tyk's values are lower case and compared exactly.
  private static <E extends Enum<E>> E named(E[] values, String text) {
    for (E value : values) {
      if (value.name().toLowerCase(Locale.ROOT).equals(text)) {
        return value;
      }
    }
    return null;
  }

  // form_param_name is accepted as an alias: Tyk's docs name it, Tyk's code reads param_name.
  private static String paramName(JsonReader c, boolean required) {
    String name = c.string("param_name", "").trim();
    if (name.isEmpty()) {
      name = c.string("form_param_name", "").trim();
    }
    if (name.isEmpty() && required) {
      throw new ConfigException(c.path("param_name"), "is missing: the form field to read (form_param_name is accepted too)");
    }
    return name;
  }

  private static String required(JsonReader c, String key, String what) {
    String value = c.string(key, "").trim();
    if (value.isEmpty()) {
      throw new ConfigException(c.path(key), "is missing: " + what);
    }
    return value;
  }

  private static Pattern regex(JsonReader c) {
    String expression = required(c, "regex_expression", "the regex mode needs a pattern");
    try {
      return Pattern.compile(expression);
    } catch (PatternSyntaxException e) {
      throw new ConfigException(c.path("regex_expression"), "is not a valid regular expression: " + e.getDescription());
    }
  }

  private static String xpath(JsonReader c) {
    String expression = required(c, "xpath_expression", "the xpath mode needs an expression");
    try {
      XPathFactory.newInstance().newXPath().compile(expression);
      return expression;
    } catch (XPathExpressionException e) {
      Throwable reason = e.getCause() != null && e.getCause().getMessage() != null ? e.getCause() : e;
      throw new ConfigException(c.path("xpath_expression"), "is not a valid XPath expression: " + reason.getMessage());
    }
  }
}
