package dev.coproxy.chain.auth;

import dev.coproxy.api.ApiDefinition.AuthSource;
import dev.coproxy.chain.ChainInterruption;
import dev.coproxy.chain.Middleware;
import dev.coproxy.chain.RequestContext;
import dev.coproxy.events.EventMeta;
import dev.coproxy.events.EventSink;
import dev.coproxy.log.RateLimitedLog;
import dev.coproxy.policy.MergedSessions;
import dev.coproxy.policy.PolicyMergeException;
import dev.coproxy.session.Session;
import dev.coproxy.session.SessionRepository;
import io.vertx.core.Future;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpServerRequest;

/**
 * Tyk's standard token auth ({@code AuthKey}): reads the key from the configured header (or query
 * parameter or cookie), finds its session, applies the policies it names ({@link MergedSessions})
 * and attaches the result. Missing key: 401; unknown key, or a key whose policies cannot be
 * applied (missing, another organisation's): 403, as in Tyk.
 */
public final class TokenAuth implements Middleware {

  static final String MISSING = "Authorization field missing";
  static final String NOT_FOUND = "Access to this API has been disallowed";
  private static final String BEARER = "bearer ";
  private static final System.Logger LOG = System.getLogger(TokenAuth.class.getName());

  private final SessionRepository sessions;
  private final MergedSessions merged;
  private final RateLimitedLog policyLog = RateLimitedLog.perSecond(LOG);
  private final AuthSource source;
  private final EventSink events;

  public TokenAuth(SessionRepository sessions, MergedSessions merged, AuthSource source, EventSink events) {
    this.sessions = sessions;
    this.merged = merged;
    this.source = source;
    this.events = events;
  }

  @Override
  public String id() {
    return "token_auth";
  }

  @Override
  public Future<Void> onRequest(RequestContext ctx) {
    if (ctx.ignored()) {
      return Future.succeededFuture(); // an ignored path skips auth, as in Tyk
    }
    String token = token(ctx);
    if (token == null || token.isEmpty()) {
      return Future.failedFuture(ChainInterruption.error(401, MISSING));
    }
    String id = sessions.storageId(token);
    return sessions.findByStorageId(id).compose(stored -> {
      Session session = stored == null ? null : effective(ctx, id, stored);
      if (session == null) {
        events.fire("AuthFailure", ctx.api().apiId(), ctx.api().orgId(),
            EventMeta.keyFailure("Auth Failure", ctx.request(), token));
        return Future.failedFuture(ChainInterruption.error(403, NOT_FOUND));
      }
      ctx.attachSession(token, id, session);
      return Future.succeededFuture();
    });
  }

  // A key whose policies cannot be applied is, as in Tyk, not a valid key.
  private Session effective(RequestContext ctx, String id, Session stored) {
    try {
      return merged.effective(id, stored, ctx.api().orgId());
    } catch (PolicyMergeException e) {
      policyLog.log(System.Logger.Level.WARNING, () -> "api " + ctx.api().apiId() + ": a key's policies cannot be applied: "
          + e.getMessage());
      return null;
    }
  }

  // Read from the request as the chain left it: a pre hook may have set the key.
  private String token(RequestContext ctx) {
    HttpServerRequest request = ctx.request();
    String value = ctx.headers().get(source.headerName());
    if ((value == null || value.isEmpty()) && source.useParam()) {
      String param = source.paramName().isEmpty() ? source.headerName() : source.paramName();
      value = ctx.materialized() ? firstParam(ctx.query(), param) : request.getParam(param);
    }
    if ((value == null || value.isEmpty()) && source.useCookie()) {
      Cookie cookie = request.getCookie(source.cookieName().isEmpty() ? source.headerName() : source.cookieName());
      value = cookie == null ? null : cookie.getValue();
    }
    if (value == null) {
      return null;
    }
    value = value.trim();
    if (value.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      value = value.substring(BEARER.length()).trim();
    }
    return value;
  }

  private static String firstParam(String query, String name) {
    if (query == null) {
      return null;
    }
    java.util.List<String> values = dev.coproxy.chain.QueryStrings.decode(query).get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }
}
