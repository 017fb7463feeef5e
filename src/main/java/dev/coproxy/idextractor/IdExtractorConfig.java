package dev.coproxy.idextractor;

import dev.coproxy.config.ConfigException;
import dev.coproxy.config.JsonReader;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import javax.xml.xpath.XPathExpressionException;

/**
 * Reads {@code custom_middleware.id_extractor} when an API with an {@code auth_check} loads, and
 * compiles it. As in Tyk there is no extractor when it is {@code disabled} or {@code extract_with}
 * is empty. Unlike Tyk, a configuration that cannot work is an API load error naming the key: an
 * unknown source or mode, a missing header or parameter name, a missing or invalid expression, a
 * negative match index, and {@code value} over {@code body} (which would give every request one ID).
 */
public final class IdExtractorConfig {

  private IdExtractorConfig() {
  }

  /**
   * @param customMiddleware the API's {@code custom_middleware} block
   * @param hashFunction the gateway's {@code hash_key_function}
   * @return the compiled extractor, or null when the API has none
   * @throws ConfigException naming the key that cannot work
   */
  public static IdExtractor parse(JsonReader customMiddleware, String apiId, String orgId, String hashFunction) {
    try {
      return compile(customMiddleware, apiId, orgId, hashFunction);
    } catch (ConfigException e) {
      // The load error names the API too: its file name need not be its id.
      String problem = e.getMessage().substring(e.key().length() + 2);
      throw new ConfigException(e.key(), problem + " (api " + apiId + ", id_extractor)");
    }
  }

  private static IdExtractor compile(JsonReader customMiddleware, String apiId, String orgId, String hashFunction) {
    JsonReader r = customMiddleware.child("id_extractor");
    String with = r.string("extract_with", "").trim();
    if (r.bool("disabled", false) || with.isEmpty()) {
      return null;
    }
    String from = r.string("extract_from", "").trim();
    Source source = Source.of(from);
    if (source == null) {
      throw new ConfigException(r.path("extract_from"), "must be header, form, body or querystring, got \"" + from + "\"");
    }
    JsonReader c = r.child("extractor_config");
    String name = switch (source) {
      case HEADER -> required(c, "header_name", "the header to read");
      case FORM -> paramName(c, true);
      case QUERYSTRING -> paramName(c, false);
      case BODY -> "";
    };
    Mode mode = switch (with) {
      case "value" -> {
        if (source == Source.BODY) {
          throw new ConfigException(r.path("extract_with"), "\"value\" cannot read the body (every request would get one ID): use regex or xpath");
        }
        yield Mode.VALUE;
      }
      case "regex" -> regex(c);
      case "xpath" -> xpath(c);
      default -> throw new ConfigException(r.path("extract_with"), "must be value, regex or xpath, got \"" + with + "\"");
    };
    return new IdExtractor(apiId, source, name, mode, orgId, hashFunction);
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

  private static Mode regex(JsonReader c) {
    String expression = required(c, "regex_expression", "the regex mode needs a pattern");
    int index = (int) c.integer("regex_match_index", 0, 0, Integer.MAX_VALUE);
    try {
      return new RegexMode(Pattern.compile(expression), index);
    } catch (PatternSyntaxException e) {
      throw new ConfigException(c.path("regex_expression"), "is not a valid regular expression: " + e.getDescription());
    }
  }

  private static Mode xpath(JsonReader c) {
    String expression = required(c, "xpath_expression", "the xpath mode needs an expression");
    try {
      return new XPathMode(expression);
    } catch (XPathExpressionException e) {
      Throwable reason = e.getCause() != null && e.getCause().getMessage() != null ? e.getCause() : e;
      throw new ConfigException(c.path("xpath_expression"), "is not a valid XPath expression: " + reason.getMessage());
    }
  }
}
