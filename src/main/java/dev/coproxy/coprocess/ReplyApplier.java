package dev.coproxy.coprocess;

import dev.coproxy.chain.QueryStrings;
import dev.coproxy.chain.RequestContext;
import dev.coproxy.proto.MiniRequestObject;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Applies a request hook's reply to the request, in Tyk's order (section 5): raw_body becomes the
 * body, delete_headers then set_headers, the query is the pre-hook query minus delete_params plus
 * add_params, the url and method are taken from the reply. {@code body}, {@code params},
 * {@code headers}, {@code request_uri} and {@code scheme} in the reply are ignored, as in Tyk.
 */
final class ReplyApplier {

  /** An HTTP method is a token (RFC 9110 section 9.1). */
  private static final Pattern METHOD_TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  private ReplyApplier() {
  }

  /**
   * @param preHookQuery the request's query before the hook ran, or null
   * @throws HookFailure with reason bad_reply when the url, the method, a header or the override
   *     status cannot be used (nothing is changed then)
   */
  static void apply(RequestContext ctx, MiniRequestObject reply, String preHookQuery) {
    Target url = parseUrl(reply.getUrl());
    String methodName = reply.getMethod();
    HttpMethod method = methodName.isEmpty() || methodName.equals(ctx.method().name()) ? ctx.method() : parseMethod(methodName);
    int code = reply.getReturnOverrides().getResponseCode();
    if (code > 0 && (code < 200 || code > 999)) {
      // Not a final status: written as is, the client would wait for the real answer forever.
      throw new HookFailure(HookFailure.Reason.BAD_REPLY, "the reply's return_overrides.response_code " + code
          + " is not the status of a final answer");
    }
    reply.getSetHeadersMap().forEach((name, value) -> HeaderRules.check("request.set_headers", name, value));
    reply.getReturnOverrides().getHeadersMap().forEach((name, value) -> HeaderRules.check("return_overrides.headers", name, value));

    MultiMap headers = ctx.headers();
    byte[] body = reply.getRawBody().toByteArray();
    ctx.body(Buffer.buffer(body));
    for (String name : reply.getDeleteHeadersList()) {
      headers.remove(name);
    }
    reply.getSetHeadersMap().forEach((name, value) -> headers.set(ObjectBuilder.canonical(name), value));
    // The body decides its framing, whatever the plugin did to these headers (as Go's ContentLength
    // field does): a stale Content-Length would cut the body and desynchronise the upstream connection.
    headers.remove("transfer-encoding");
    if (body.length > 0) {
      headers.set("Content-Length", Integer.toString(body.length));
    } else {
      headers.remove("content-length");
    }

    Map<String, List<String>> query = decode(preHookQuery);
    for (String name : reply.getDeleteParamsList()) {
      query.remove(name);
    }
    reply.getAddParamsMap().forEach((name, value) -> query.put(name, new ArrayList<>(List.of(value))));

    ctx.path(url.rawPath());
    String urlQuery = url.rawQuery();
    // Query edits made through url are kept only when they agree with the computed parameters.
    ctx.query(decode(urlQuery).equals(query) ? urlQuery : encode(query));
    ctx.method(method);
  }

  /** A request target as Go's {@code url.ParseRequestURI} reads it: the raw path and raw query (null when none). */
  record Target(String rawPath, String rawQuery) {
  }

  /**
   * Reads the reply's url as leniently as Go does: an absolute path or an http(s) URL; the query is
   * taken as is and only the path's percent escapes are checked, so targets with characters such as
   * {@code {}|[]} or a bare {@code %} in the query (which clients send and Go accepts) survive a hook
   * that echoes them.
   */
  static Target parseUrl(String text) {
    if (text.isEmpty()) {
      throw new HookFailure(HookFailure.Reason.BAD_REPLY, "the reply's request.url is empty (a hook must return the url it received)");
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        throw new HookFailure(HookFailure.Reason.BAD_REPLY, "the reply's request.url holds a control character");
      }
    }
    String rest = text;
    if (!rest.startsWith("/")) {
      int separator = rest.indexOf("://");
      String scheme = separator < 0 ? "" : rest.substring(0, separator).toLowerCase(java.util.Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https")) {
        throw new HookFailure(HookFailure.Reason.BAD_REPLY, separator < 0
            ? "the reply's request.url is not an absolute path: " + text
            : "the reply's request.url has an unsupported scheme: " + text);
      }
      rest = rest.substring(separator + 3);
      int pathStart = 0;
      while (pathStart < rest.length() && rest.charAt(pathStart) != '/' && rest.charAt(pathStart) != '?') {
        pathStart++;
      }
      rest = rest.substring(pathStart);
      if (!rest.startsWith("/")) {
        rest = "/" + rest;
      }
    }
    int question = rest.indexOf('?');
    String path = question < 0 ? rest : rest.substring(0, question);
    for (int i = path.indexOf('%'); i >= 0; i = path.indexOf('%', i + 1)) {
      if (i + 2 >= path.length() || Character.digit(path.charAt(i + 1), 16) < 0 || Character.digit(path.charAt(i + 2), 16) < 0) {
        throw new HookFailure(HookFailure.Reason.BAD_REPLY, "the reply's request.url has an invalid escape in its path: " + text);
      }
    }
    return new Target(wireSafe(path), question < 0 ? null : wireSafe(rest.substring(question + 1)));
  }

  /**
   * Percent-encodes what cannot appear in a request line (space, {@code #} and non-ASCII
   * characters, as UTF-8); Go escapes them in the path too. Sent as they are, the upstream request
   * cannot be written.
   */
  private static String wireSafe(String text) {
    int i = 0;
    while (i < text.length() && text.charAt(i) > ' ' && text.charAt(i) < 0x7f && text.charAt(i) != '#') {
      i++;
    }
    if (i == text.length()) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length() + 16).append(text, 0, i);
    for (byte b : text.substring(i).getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c > ' ' && c < 0x7f && c != '#') {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return out.toString();
  }

  private static HttpMethod parseMethod(String name) {
    if (!METHOD_TOKEN.matcher(name).matches()) {
      throw new HookFailure(HookFailure.Reason.BAD_REPLY, "the reply's request.method is not a valid method: " + name);
    }
    return HttpMethod.valueOf(name);
  }

  /** Go's {@code url.ParseQuery}; see {@link QueryStrings#decode}. */
  static Map<String, List<String>> decode(String query) {
    return QueryStrings.decode(query);
  }

  /** Go's {@code url.Values.Encode}; see {@link QueryStrings#encode}. */
  static String encode(Map<String, List<String>> query) {
    return QueryStrings.encode(query);
  }
}
