package dev.coproxy.idextractor;

import dev.coproxy.api.IdExtractorSpec;
import javax.xml.xpath.XPathExpressionException;

/**
 * Builds an API's {@link IdExtractor} when its chain is built, from the
 * {@code custom_middleware.id_extractor} its definition parsed and checked at load
 * ({@link IdExtractorSpec}: the regex is compiled there, the XPath expression proven valid).
 */
public final class IdExtractorConfig {

  private IdExtractorConfig() {
  }

  /**
   * @param spec the API's extractor, or null when it has none
   * @param hashFunction the gateway's {@code hash_key_function}
   * @return the extractor, or null when the API has none
   */
  public static IdExtractor build(IdExtractorSpec spec, String apiId, String orgId, String hashFunction) {
    if (spec == null) {
      return null;
    }
    Source source = switch (spec.from()) {
      case HEADER -> Source.HEADER;
      case FORM -> Source.FORM;
      case BODY -> Source.BODY;
      case QUERYSTRING -> Source.QUERYSTRING;
    };
    Mode mode = switch (spec.with()) {
      case VALUE -> Mode.VALUE;
      case REGEX -> new RegexMode(spec.regex(), spec.matchIndex());
      case XPATH -> xpath(spec.xpath());
    };
    return new IdExtractor(apiId, source, spec.name(), mode, orgId, hashFunction);
  }

  private static Mode xpath(String expression) {
    try {
      return new XPathMode(expression);
    } catch (XPathExpressionException e) {
      throw new IllegalStateException("xpath_expression was checked when the API loaded: " + expression, e);
    }
  }
}
