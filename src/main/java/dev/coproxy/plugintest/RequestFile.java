package dev.coproxy.plugintest;

import com.google.protobuf.ByteString;
import dev.coproxy.chain.QueryStrings;
import dev.coproxy.config.ConfigException;
import dev.coproxy.proto.Header;
import dev.coproxy.proto.HookType;
import dev.coproxy.proto.MiniRequestObject;
import dev.coproxy.proto.ResponseObject;
import dev.coproxy.proto.ReturnOverrides;
import dev.coproxy.proto.SessionState;
import dev.coproxy.session.SessionMapper;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * Reads {@code plugin test --request FILE} into the {@code coprocess.Object} the gateway would send
 * for that request: {@code method}, {@code url}, {@code headers}, {@code body}, and optionally
 * {@code session}, {@code spec} and (response hooks only) {@code response}. Fields the hook type
 * would not receive from the gateway are refused rather than sent, so a test never passes on data a
 * real request cannot carry.
 */
final class RequestFile {

  private static final Set<String> KEYS = Set.of("method", "url", "headers", "body", "session", "spec", "response");
  private static final Set<String> RESPONSE_KEYS = Set.of("status_code", "headers", "body");

  private final Path file;
  private final JsonObject json;

  private RequestFile(Path file, JsonObject json) {
    this.file = file;
    this.json = json;
  }

  /** Reads and parses the file; a missing file or text that is not a JSON object is a {@link BadInput}. */
  static RequestFile read(Path file) throws BadInput {
    try {
      return new RequestFile(file, new JsonObject(Files.readString(file, StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new BadInput("cannot read the request file " + file + ": " + e.getMessage());
    } catch (DecodeException | ClassCastException e) {
      throw new BadInput("request file " + file + " is not a JSON object: " + e.getMessage());
    }
  }

  /** The object for a hook of {@code type} ({@code typeName} as the command line wrote it) named {@code name}. */
  dev.coproxy.proto.Object toObject(HookType type, String typeName, String name) throws BadInput {
    for (String key : json.fieldNames()) {
      if (!KEYS.contains(key)) {
        throw bad("unknown key \"" + key + "\" (known: method, url, headers, body, session, spec, response)");
      }
    }
    dev.coproxy.proto.Object.Builder object = dev.coproxy.proto.Object.newBuilder().setHookType(type).setHookName(name)
        .setRequest(request()).putAllSpec(Json.stringMap(json.getValue("spec"), "spec", this));
    object.putSpec("APIID", object.getSpecOrDefault("APIID", "plugin-test"));
    object.putSpec("OrgID", object.getSpecOrDefault("OrgID", ""));
    boolean getsSession = type == HookType.Post || type == HookType.PostKeyAuth || type == HookType.Response;
    if (json.containsKey("session") && !getsSession) {
      throw bad("\"session\": a " + typeName + " hook gets no session from the gateway (only post_key_auth, post and response hooks do)");
    }
    if (json.containsKey("session")) {
      SessionState session = session();
      object.setSession(session).putAllMetadata(session.getMetadataMap());
    } else if (type == HookType.Response) {
      object.setSession(SessionState.getDefaultInstance());
    }
    if (type == HookType.Response) {
      object.setResponse(response());
    } else if (json.containsKey("response")) {
      throw bad("\"response\" is only sent to response hooks (--hook-type response)");
    }
    return object.build();
  }

  private MiniRequestObject request() throws BadInput {
    String url = Json.string(json.getValue("url", "/"), "url", this);
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw bad("\"url\" is not a URL: " + e.getMessage());
    }
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    String pathAndQuery = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
    MiniRequestObject.Builder request = MiniRequestObject.newBuilder()
        .setMethod(Json.string(json.getValue("method", "GET"), "method", this))
        .setUrl(pathAndQuery).setRequestUri(pathAndQuery)
        .setScheme(uri.getScheme() == null ? "http" : uri.getScheme())
        .setReturnOverrides(ReturnOverrides.newBuilder().setResponseCode(-1));
    Json.stringMap(json.getValue("headers"), "headers", this).forEach((header, value) -> request.putHeaders(Json.canonical(header), value));
    if (uri.getRawAuthority() != null && !request.containsHeaders("Host")) {
      request.putHeaders("Host", uri.getRawAuthority());
    }
    QueryStrings.decode(uri.getRawQuery()).forEach((key, values) -> request.putParams(key, values.get(0)));
    byte[] body = Json.body(json.getValue("body"), "body", this);
    if (body.length > 0) {
      request.setRawBody(ByteString.copyFrom(body)).setBody(new String(body, StandardCharsets.UTF_8));
    }
    return request.build();
  }

  private SessionState session() throws BadInput {
    if (!(json.getValue("session") instanceof JsonObject session)) {
      throw bad("\"session\" must be a session object as the Gateway API stores it");
    }
    try {
      return SessionMapper.toProto(session);
    } catch (ConfigException e) {
      throw bad("\"session\": " + e.getMessage());
    }
  }

  private ResponseObject response() throws BadInput {
    if (!(json.getValue("response") instanceof JsonObject response)) {
      throw bad("a response hook needs \"response\": {\"status_code\", \"headers\", \"body\"}");
    }
    for (String key : response.fieldNames()) {
      if (!RESPONSE_KEYS.contains(key)) {
        throw bad("unknown key \"response." + key + "\" (known: status_code, headers, body)");
      }
    }
    if (!(response.getValue("status_code", 200) instanceof Number status) || status.intValue() < 100 || status.intValue() > 599) {
      throw bad("\"response.status_code\" must be an HTTP status (100-599)");
    }
    ResponseObject.Builder out = ResponseObject.newBuilder().setStatusCode(status.intValue());
    for (Map.Entry<String, String> header : Json.stringMap(response.getValue("headers"), "response.headers", this).entrySet()) {
      String name = Json.canonical(header.getKey());
      out.putHeaders(name, header.getValue()).addMultivalueHeaders(Header.newBuilder().setKey(name).addValues(header.getValue()));
    }
    byte[] body = Json.body(response.getValue("body"), "response.body", this);
    return out.setRawBody(ByteString.copyFrom(body)).setBody(new String(body, StandardCharsets.UTF_8)).build();
  }

  /** A problem with the file, naming it. */
  BadInput bad(String problem) {
    return new BadInput("request file " + file + ": " + problem);
  }
}
