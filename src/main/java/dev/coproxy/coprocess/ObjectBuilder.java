package dev.coproxy.coprocess;

import com.google.common.base.Utf8;
import com.google.protobuf.ByteString;
import dev.coproxy.chain.RequestContext;
import dev.coproxy.chain.UpstreamAnswer;
import dev.coproxy.proto.Header;
import dev.coproxy.proto.MiniRequestObject;
import dev.coproxy.proto.ResponseObject;
import dev.coproxy.proto.ReturnOverrides;
import dev.coproxy.proto.SessionState;
import dev.coproxy.session.Session;
import dev.coproxy.session.SessionMapper;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the {@code coprocess.Object} a hook receives from the live request (Tyk's section 4 and
 * the field matrix of 1.5): headers with their first value and Go-canonical names plus {@code Host},
 * params, url, request_uri, method, scheme, body rules, the spec map, and session and metadata only
 * where the hook type gets them.
 */
final class ObjectBuilder {

  private static final ReturnOverrides NO_OVERRIDE = ReturnOverrides.newBuilder().setResponseCode(-1).build();

  private ObjectBuilder() {
  }

  /** The object for a request hook. */
  static dev.coproxy.proto.Object request(RequestContext ctx, HookSpec hook, Map<String, String> spec) {
    dev.coproxy.proto.Object.Builder object = base(ctx, hook, spec);
    Session session = ctx.session();
    boolean sessionHook = hook.type() == dev.coproxy.proto.HookType.Post || hook.type() == dev.coproxy.proto.HookType.PostKeyAuth;
    if (sessionHook && session != null) {
      SessionState state = SessionMapper.toProto(session.json());
      object.setSession(state).putAllMetadata(state.getMetadataMap());
    }
    return object.build();
  }

  /** The object for a response hook: the request as it was sent, the session, and the response. */
  static dev.coproxy.proto.Object response(RequestContext ctx, HookSpec hook, Map<String, String> spec, UpstreamAnswer answer) {
    dev.coproxy.proto.Object.Builder object = base(ctx, hook, spec);
    Session session = ctx.session();
    if (session != null) {
      SessionState state = SessionMapper.toProto(session.json());
      object.setSession(state).putAllMetadata(state.getMetadataMap());
    } else {
      object.setSession(SessionState.getDefaultInstance());
    }
    ResponseObject.Builder response = ResponseObject.newBuilder().setStatusCode(answer.status());
    Map<String, List<String>> grouped = new LinkedHashMap<>();
    for (Map.Entry<String, String> header : answer.headers()) {
      grouped.computeIfAbsent(canonical(header.getKey()), k -> new java.util.ArrayList<>()).add(header.getValue());
    }
    grouped.forEach((name, values) -> {
      response.putHeaders(name, values.get(0));
      response.addMultivalueHeaders(Header.newBuilder().setKey(name).addAllValues(values));
    });
    Buffer body = answer.body();
    byte[] bytes = body == null ? new byte[0] : body.getBytes();
    response.setRawBody(ByteString.copyFrom(bytes));
    if (!hook.rawBodyOnly() && Utf8.isWellFormed(bytes)) {
      response.setBody(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
    }
    return object.setResponse(response).build();
  }

  private static dev.coproxy.proto.Object.Builder base(RequestContext ctx, HookSpec hook, Map<String, String> spec) {
    return dev.coproxy.proto.Object.newBuilder()
        .setHookType(hook.type())
        .setHookName(hook.name())
        .setRequest(miniRequest(ctx, hook))
        .putAllSpec(spec);
  }

  private static MiniRequestObject miniRequest(RequestContext ctx, HookSpec hook) {
    MiniRequestObject.Builder request = MiniRequestObject.newBuilder();
    MultiMap headers = ctx.headers();
    // One pass over the entries: a name's first value wins, as headers.get would give it.
    for (Map.Entry<String, String> header : headers) {
      String canonical = canonical(header.getKey());
      if (!request.containsHeaders(canonical)) {
        request.putHeaders(canonical, header.getValue());
      }
    }
    String host = headers.get("host");
    if (host == null && ctx.request().authority() != null) {
      host = ctx.request().authority().toString();
    }
    if (host != null) {
      request.putHeaders("Host", host);
    }
    String query = ctx.query();
    request.setUrl(query == null ? ctx.path() : ctx.path() + "?" + query);
    ReplyApplier.decode(query).forEach((key, values) -> request.putParams(key, values.get(0)));
    request.setMethod(ctx.method().name())
        .setRequestUri(ctx.request().uri())
        .setScheme(ctx.request().isSSL() ? "https" : "http")
        .setReturnOverrides(NO_OVERRIDE);
    Buffer body = ctx.body();
    if (body != null && body.length() > 0) {
      byte[] bytes = body.getBytes();
      request.setRawBody(ByteString.copyFrom(bytes));
      if (!hook.rawBodyOnly() && Utf8.isWellFormed(bytes)) {
        request.setBody(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    return request.build();
  }

  /**
   * Go's canonical header name ({@code x-api-key} becomes {@code X-Api-Key}); names with characters
   * Go does not canonicalise are kept as they are.
   */
  static String canonical(String name) {
    if (isCanonical(name)) {
      return name;
    }
    char[] chars = name.toCharArray();
    boolean upper = true;
    for (int i = 0; i < chars.length; i++) {
      char c = chars[i];
      if (c == ' ' || c >= 0x7f || c <= ' ' || "\"(),/:;<=>?@[\\]{}".indexOf(c) >= 0) {
        return name;
      }
      chars[i] = upper ? Character.toUpperCase(c) : Character.toLowerCase(c);
      upper = c == '-';
    }
    return new String(chars);
  }

  // Most clients already send canonical names: no copy is made for them.
  private static boolean isCanonical(String name) {
    boolean upper = true;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean letter = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
      if (letter ? (upper ? c > 'Z' : c < 'a') : !(c >= '0' && c <= '9' || c == '-')) {
        return false;
      }
      upper = c == '-';
    }
    return true;
  }
}
