package dev.coproxy.idextractor;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * An API's compiled ID extractor: reads its input from one {@link Source}, picks the value with its
 * {@link Mode}, and makes Tyk's ID of it. Built once when the API loads (see
 * {@link IdExtractorConfig}); immutable and shared by every event loop.
 */
public final class IdExtractor {

  /** The largest input read from any source, in characters. */
  static final int MAX_INPUT_CHARS = XPathMode.MAX_INPUT_CHARS;

  private final String apiId;
  private final Source source;
  private final String name;
  private final Mode mode;
  private final String orgId;
  private final String hashFunction;
  private final ThreadLocal<MessageDigest> digests = ThreadLocal.withInitial(TykIds::md5);

  /**
   * @param name the header ({@code header}) or parameter ({@code form}, {@code querystring}) to read; "" for the whole query
   * @param hashFunction the gateway's {@code hash_key_function} ("" for legacy IDs)
   */
  IdExtractor(String apiId, Source source, String name, Mode mode, String orgId, String hashFunction) {
    this.apiId = apiId;
    this.source = source;
    this.name = name;
    this.mode = mode;
    this.orgId = orgId;
    this.hashFunction = hashFunction;
  }

  public String apiId() {
    return apiId;
  }

  public Source source() {
    return source;
  }

  /**
   * The ID of a request.
   *
   * @throws ExtractionFailure with the reason when the request holds no usable input
   */
  public String id(RequestMaterial material) {
    return TykIds.of(orgId, hashFunction, mode.apply(input(material)), digests.get());
  }

  String input(RequestMaterial material) {
    String input = switch (source) {
      case HEADER -> {
        String value = material.headers().get(name);
        if (value == null || value.isEmpty()) {
          throw new ExtractionFailure("bad header value: header " + name + " is missing or empty");
        }
        yield value;
      }
      case FORM -> joined(FormValues.of(material, material.headers().get("Content-Type"), name), "no form value " + name);
      case QUERYSTRING -> name.isEmpty() ? nonEmpty(material.query(), "no query string")
          : joined(dev.coproxy.chain.QueryStrings.decode(material.query()).getOrDefault(name, List.of()), "no query parameter " + name);
      case BODY -> nonEmpty(body(material.body()), "empty body");
    };
    if (input.length() > MAX_INPUT_CHARS) {
      throw new ExtractionFailure("input of " + input.length() + " characters is above the limit of " + MAX_INPUT_CHARS);
    }
    return input;
  }

  private static String body(Buffer body) {
    if (body == null) {
      return null;
    }
    if (body.length() > MAX_INPUT_CHARS * 4L) {
      throw new ExtractionFailure("body of " + body.length() + " bytes is above the limit of " + MAX_INPUT_CHARS * 4L);
    }
    return body.toString(StandardCharsets.UTF_8);
  }

  private static String joined(List<String> values, String missing) {
    String joined = String.join("", values);
    return nonEmpty(joined, missing);
  }

  private static String nonEmpty(String value, String missing) {
    if (value == null || value.isEmpty()) {
      throw new ExtractionFailure(missing);
    }
    return value;
  }
}
