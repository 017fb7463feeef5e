package dev.coproxy.chain.access;

import dev.coproxy.api.ApiDefinition.AuthSource;
import dev.coproxy.chain.Middleware;
import dev.coproxy.chain.RequestContext;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Tyk's {@code StripAuth} ({@code strip_auth_data}): once the key is checked, it is taken out of the
 * request so that neither the {@code post} hooks nor the upstream see it. Runs first among the
 * session checks. Removed, as Tyk does: the auth header; the query parameter ({@code param_name},
 * else the header name) when {@code use_param}; the cookie named {@code cookie_name} (else the
 * header name) from {@code Cookie}. Unlike Tyk, the other parameters keep their order and spelling
 * (Tyk re-encodes and sorts the query) and every cookie of that exact name goes (Tyk drops the
 * first cookie whose name merely starts with it). The request is copied for this
 * ({@link RequestContext#materialize}) with its body still streaming.
 */
public final class StripAuth implements Middleware {

  private final String header;
  private final String param;
  private final String cookie;

  public StripAuth(AuthSource auth) {
    this.header = auth.headerName();
    this.param = !auth.useParam() ? null : auth.paramName().isEmpty() ? auth.headerName() : auth.paramName();
    this.cookie = auth.cookieName().isEmpty() ? auth.headerName() : auth.cookieName();
  }

  @Override
  public String id() {
    return "strip_auth";
  }

  @Override
  public Future<Void> onRequest(RequestContext ctx) {
    if (!ctx.materialized()) {
      ctx.materialize(ctx.body());
    }
    MultiMap headers = ctx.headers();
    headers.remove(header);
    if (param != null) {
      ctx.query(withoutParam(ctx.query(), param));
    }
    List<String> cookies = headers.getAll(HttpHeaders.COOKIE);
    if (!cookies.isEmpty()) {
      List<String> kept = new ArrayList<>(cookies.size());
      for (String line : cookies) {
        String rest = withoutCookie(line, cookie);
        if (!rest.isEmpty()) {
          kept.add(rest);
        }
      }
      headers.remove(HttpHeaders.COOKIE);
      if (!kept.isEmpty()) {
        headers.add(HttpHeaders.COOKIE.toString(), kept);
      }
    }
    return Future.succeededFuture();
  }

  /** The query without the pairs whose (decoded) name is {@code name}; the rest as written. */
  static String withoutParam(String query, String name) {
    if (query == null || query.isEmpty()) {
      return query;
    }
    StringBuilder out = new StringBuilder(query.length());
    for (String pair : query.split("&", -1)) {
      int equals = pair.indexOf('=');
      if (decode(equals < 0 ? pair : pair.substring(0, equals)).equals(name)) {
        continue;
      }
      if (!pair.isEmpty()) {
        out.append(out.length() == 0 ? "" : "&").append(pair);
      }
    }
    return out.toString();
  }

  /** A {@code Cookie} line without the cookies named {@code name}; the others as written. */
  static String withoutCookie(String line, String name) {
    StringBuilder out = new StringBuilder(line.length());
    for (String part : line.split(";", -1)) {
      String trimmed = part.trim();
      int equals = trimmed.indexOf('=');
      if (trimmed.isEmpty() || (equals < 0 ? trimmed : trimmed.substring(0, equals).trim()).equals(name)) {
        continue;
      }
      out.append(out.length() == 0 ? "" : "; ").append(trimmed);
    }
    return out.toString();
  }

  private static String decode(String text) {
    try {
      return URLDecoder.decode(text, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return text;
    }
  }
}
