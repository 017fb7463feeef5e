package dev.coproxy.idextractor;

import java.io.IOException;
import java.io.StringReader;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathExpression;
import javax.xml.xpath.XPathExpressionException;
import javax.xml.xpath.XPathFactory;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * Tyk's {@code xpath} mode: the input is parsed as XML and the value is the string value of the
 * first node {@code xpath_expression} selects. Parsing is safe: a document type declaration is
 * refused outright (so no entity, internal or external, is ever expanded and nothing is read from
 * disk or network), and inputs above {@link #MAX_INPUT_CHARS} are refused before parsing. JAXP
 * parsers and compiled expressions are not thread-safe: each thread keeps its own.
 */
final class XPathMode implements Mode {

  /** The largest XML input parsed, in characters. */
  static final int MAX_INPUT_CHARS = 1 << 20;

  private final String expression;
  private final ThreadLocal<XPathExpression> compiled;
  private final ThreadLocal<DocumentBuilder> builders;

  /**
   * @throws XPathExpressionException when the expression does not compile
   */
  XPathMode(String expression) throws XPathExpressionException {
    this.expression = expression;
    compile(expression);
    this.compiled = ThreadLocal.withInitial(() -> {
      try {
        return compile(expression);
      } catch (XPathExpressionException e) {
        throw new IllegalStateException(e); // compiled once above, so it cannot fail here
      }
    });
    this.builders = ThreadLocal.withInitial(XPathMode::safeBuilder);
  }

  private static XPathExpression compile(String expression) throws XPathExpressionException {
    return XPathFactory.newInstance().newXPath().compile(expression);
  }

  @Override
  public String apply(String input) {
    if (input.length() > MAX_INPUT_CHARS) {
      throw new ExtractionFailure("XML input of " + input.length() + " characters is above the limit of " + MAX_INPUT_CHARS);
    }
    Document document;
    try {
      document = builders.get().parse(new InputSource(new StringReader(input)));
    } catch (SAXException | IOException e) {
      throw new ExtractionFailure("the input is not acceptable XML: " + e.getMessage());
    }
    NodeList nodes;
    try {
      nodes = (NodeList) compiled.get().evaluate(document, XPathConstants.NODESET);
    } catch (XPathExpressionException e) {
      throw new ExtractionFailure("xpath " + expression + " does not select nodes: " + e.getMessage());
    }
    if (nodes.getLength() == 0) {
      throw new ExtractionFailure("xpath " + expression + " matched nothing");
    }
    return nodes.item(0).getTextContent();
  }

  private static DocumentBuilder safeBuilder() {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    try {
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
      factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
      factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
      factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
      factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
      factory.setXIncludeAware(false);
      factory.setExpandEntityReferences(false);
      factory.setNamespaceAware(false);
      DocumentBuilder builder = factory.newDocumentBuilder();
      builder.setErrorHandler(new DefaultHandler()); // no parser messages on stderr
      return builder;
    } catch (ParserConfigurationException e) {
      throw new IllegalStateException("the JDK's XML parser lacks a safety feature: " + e.getMessage(), e);
    }
  }
}
