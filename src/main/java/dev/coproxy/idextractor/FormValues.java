package dev.coproxy.idextractor;

import dev.coproxy.chain.QueryStrings;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The values of one form field as Go's {@code Request.ParseMultipartForm} collects them into
 * {@code Request.Form}: first the URL-encoded body (POST, PUT and PATCH only), then the query, then
 * the fields of a {@code multipart/form-data} body (file parts are not form values).
 */
final class FormValues {

  private static final String URLENCODED = "application/x-www-form-urlencoded";
  private static final String MULTIPART = "multipart/form-data";

  private FormValues() {
  }

  static List<String> of(RequestMaterial material, String contentType, String name) {
    List<String> out = new ArrayList<>();
    String mime = contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    boolean bodyForm = material.body() != null && material.body().length() > 0
        && ("POST".equals(material.method()) || "PUT".equals(material.method()) || "PATCH".equals(material.method()));
    if (bodyForm && mime.equals(URLENCODED)) {
      addAll(out, QueryStrings.decode(material.body().toString(StandardCharsets.UTF_8)).get(name));
    }
    addAll(out, QueryStrings.decode(material.query()).get(name));
    if (bodyForm && mime.equals(MULTIPART)) {
      multipart(material.body(), boundary(contentType), name, out);
    }
    return out;
  }

  private static void addAll(List<String> out, List<String> values) {
    if (values != null) {
      out.addAll(values);
    }
  }

  private static String boundary(String contentType) {
    for (String param : contentType.split(";")) {
      String p = param.trim();
      if (p.regionMatches(true, 0, "boundary=", 0, 9)) {
        String value = p.substring(9).trim();
        return value.length() > 1 && value.startsWith("\"") && value.endsWith("\"") ? value.substring(1, value.length() - 1) : value;
      }
    }
    throw new ExtractionFailure("multipart/form-data body without a boundary");
  }

  // Latin-1 keeps one char per byte, so part contents go back to their exact bytes before decoding.
  private static void multipart(Buffer body, String boundary, String name, List<String> out) {
    String text = body.toString(StandardCharsets.ISO_8859_1);
    String delimiter = "--" + boundary;
    int at = text.startsWith(delimiter) ? 0 : text.indexOf("\r\n" + delimiter);
    if (at < 0) {
      throw new ExtractionFailure("multipart body without its boundary");
    }
    at = text.indexOf(delimiter, at);
    while (true) {
      int start = at + delimiter.length();
      if (text.startsWith("--", start)) {
        return;
      }
      int headersEnd = text.indexOf("\r\n\r\n", start);
      int next = headersEnd < 0 ? -1 : text.indexOf("\r\n" + delimiter, headersEnd + 4);
      if (next < 0) {
        throw new ExtractionFailure("malformed multipart body");
      }
      String disposition = disposition(text.substring(start, headersEnd));
      if (name.equals(parameter(disposition, "name")) && parameter(disposition, "filename") == null) {
        out.add(new String(text.substring(headersEnd + 4, next).getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
      }
      at = next + 2;
    }
  }

  private static String disposition(String headers) {
    for (String line : headers.split("\r\n")) {
      if (line.regionMatches(true, 0, "content-disposition:", 0, 20)) {
        return line.substring(20);
      }
    }
    return "";
  }

  private static String parameter(String header, String key) {
    for (String param : header.split(";")) {
      String p = param.trim();
      int equals = p.indexOf('=');
      if (equals > 0 && p.substring(0, equals).trim().equalsIgnoreCase(key)) {
        String value = p.substring(equals + 1).trim();
        return value.length() > 1 && value.startsWith("\"") && value.endsWith("\"") ? value.substring(1, value.length() - 1) : value;
      }
    }
    return null;
  }
}
