package dev.coproxy.idextractor;

import dev.coproxy.chain.QueryStrings;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.multipart.Attribute;
import io.netty.handler.codec.http.multipart.DefaultHttpDataFactory;
import io.netty.handler.codec.http.multipart.HttpPostMultipartRequestDecoder;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;
import io.netty.handler.codec.http.multipart.InterfaceHttpData;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The values of one form field as Go's {@code Request.ParseMultipartForm} collects them into
 * {@code Request.Form}: first the URL-encoded body (POST, PUT and PATCH only), then the query, then
 * the fields of a {@code multipart/form-data} body (file parts are not form values). Runs for a form
 * ID extractor, on the request's whole body; a multipart body is read by Netty's decoder, in memory.
 */
final class FormValues {

  private static final String URLENCODED = "application/x-www-form-urlencoded";
  private static final String MULTIPART = "multipart/form-data";
  /** Go's {@code multipart} reader refuses a form of more parts than this. */
  private static final int MAX_PARTS = 1000;
  /** The body is already whole in memory (within the gateway's body limit): no limit of its own. */
  private static final int NO_BUFFER_LIMIT = -1;

  private FormValues() {
  }

  /** @throws ExtractionFailure for a multipart body without a boundary, or one that cannot be read */
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
      multipart(material.body(), multipartHead(contentType), name, out);
    }
    return out;
  }

  private static void addAll(List<String> out, List<String> values) {
    if (values != null) {
      out.addAll(values);
    }
  }

  // The request head the decoder reads the boundary from. It matches the media type in lower case
  // only (Go in any case), and without a boundary it would fail on the body with no clear reason.
  private static HttpRequest multipartHead(String contentType) {
    int params = contentType.indexOf(';');
    HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/");
    head.headers().set(HttpHeaderNames.CONTENT_TYPE, params < 0 ? MULTIPART : MULTIPART + contentType.substring(params));
    boolean bounded;
    try {
      bounded = HttpPostRequestDecoder.isMultipart(head);
    } catch (RuntimeException e) {
      // "boundary=" with no value
      bounded = false;
    }
    if (!bounded) {
      throw new ExtractionFailure("multipart/form-data body without a boundary");
    }
    return head;
  }

  // Fields without a charset of their own are UTF-8 (Go keeps their bytes; its strings are UTF-8).
  private static void multipart(Buffer body, HttpRequest head, String name, List<String> out) {
    LastHttpContent content = new DefaultLastHttpContent(Unpooled.wrappedBuffer(body.getBytes()));
    HttpPostMultipartRequestDecoder decoder = null;
    try {
      decoder = new HttpPostMultipartRequestDecoder(new DefaultHttpDataFactory(false), head, StandardCharsets.UTF_8,
          MAX_PARTS, NO_BUFFER_LIMIT);
      decoder.offer(content);
      if (decoder.currentPartialHttpData() != null) {
        // The body ended inside a part: Go's reader fails there too.
        throw new ExtractionFailure("malformed multipart body");
      }
      List<InterfaceHttpData> fields = decoder.getBodyHttpDatas(name);
      for (InterfaceHttpData data : fields == null ? List.<InterfaceHttpData>of() : fields) {
        // File parts are FileUploads, not Attributes.
        if (data instanceof Attribute field) {
          out.add(field.getValue());
        }
      }
    } catch (DecoderException | IOException e) {
      throw new ExtractionFailure("malformed multipart body");
    } finally {
      content.release();
      if (decoder != null) {
        decoder.destroy();
      }
    }
  }
}
