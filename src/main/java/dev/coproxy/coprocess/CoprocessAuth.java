package dev.coproxy.coprocess;

import dev.coproxy.chain.ChainInterruption;
import dev.coproxy.chain.Middleware;
import dev.coproxy.chain.RequestContext;
import dev.coproxy.config.ConfigException;
import dev.coproxy.idextractor.Extracted;
import dev.coproxy.idextractor.IdCache;
import dev.coproxy.log.RateLimitedLog;
import dev.coproxy.policy.MergedSessions;
import dev.coproxy.policy.PolicyMergeException;
import dev.coproxy.proto.SessionState;
import dev.coproxy.session.Session;
import dev.coproxy.session.SessionMapper;
import dev.coproxy.session.SessionRepository;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * The {@code auth_check} hook as the API's auth (Tyk's section 8): the plugin must return a
 * session and a token in {@code metadata["token"]}; the session is then adopted (organisation set
 * to the API's, quota state carried over from the stored session), stored under the token with
 * {@code session_lifetime} (the session's, else the API's) as its TTL in seconds, and attached to
 * the request for the session checks that follow, with the policies it names applied
 * ({@link MergedSessions}): a session whose policies cannot be applied is refused with 403
 * {@code Forbidden} and not stored, as in Tyk. What is stored is the plugin's session; the merge is
 * made again whenever it is used.
 *
 * <p>With an ID extractor (Tyk's section 9.4) the request's ID is computed first: a session stored
 * under it with a future {@code id_extractor_deadline} is attached without calling the plugin (the
 * session checks still run) unless its policies can no longer be applied; otherwise the plugin runs and its session is stored under the ID
 * instead of the token.
 */
final class CoprocessAuth implements Middleware {

  static final String FORBIDDEN = "Forbidden";
  private static final System.Logger LOG = System.getLogger(CoprocessAuth.class.getName());

  private final HookRunner runner;
  private final Map<String, String> spec;
  private final AuthFailures authFailures;
  private final SessionRepository sessions;
  private final MergedSessions merged;
  private final IdCache idCache;
  private final RateLimitedLog policyLog = RateLimitedLog.perSecond(LOG);

  /** @param idCache the API's ID extractor cache, or null without one */
  CoprocessAuth(HookRunner runner, Map<String, String> spec, AuthFailures authFailures, SessionRepository sessions,
      MergedSessions merged, IdCache idCache) {
    this.runner = runner;
    this.spec = spec;
    this.authFailures = authFailures;
    this.sessions = sessions;
    this.merged = merged;
    this.idCache = idCache;
  }

  @Override
  public String id() {
    return "coprocess_auth_check:" + runner.hook().name();
  }

  @Override
  public boolean tracesItself() {
    return true;
  }

  @Override
  public boolean readsRequestBody() {
    return true;
  }

  @Override
  public Future<Void> onRequest(RequestContext ctx) {
    if (ctx.ignored()) {
      return Future.succeededFuture(); // an ignored path skips auth, as in Tyk
    }
    if (idCache == null) {
      return callPlugin(ctx, null);
    }
    return idCache.lookup(ctx, lookup -> {
      Extracted found = lookup.found();
      Session cached = lookup.hit() ? cachedSession(ctx, found) : null;
      if (cached != null) {
        ctx.attachSession(found.id(), found.storageId(), cached);
        return Future.succeededFuture();
      }
      return callPlugin(ctx, found);
    });
  }

  // As in Tyk, a cached session whose policies cannot be applied is no hit: the plugin is asked again.
  private Session cachedSession(RequestContext ctx, Extracted found) {
    try {
      return merged.effective(found.storageId(), found.session(), ctx.api().orgId());
    } catch (PolicyMergeException e) {
      return null;
    }
  }

  /** @param extracted the request's ID and stored session, or null without an ID extractor */
  private Future<Void> callPlugin(RequestContext ctx, Extracted extracted) {
    String query = ctx.query();
    return runner.call(ObjectBuilder.request(ctx, runner.hook(), spec), ctx).compose(reply -> {
      String token = reply.hasSession() ? token(reply) : "";
      ChainInterruption stop = CoprocessMiddleware.applyReply(runner, ctx, reply, query, token, authFailures);
      if (stop != null) {
        return Future.failedFuture(stop);
      }
      if (!reply.hasSession() || token.isEmpty()) {
        authFailures.fire(ctx, token);
        return Future.failedFuture(ChainInterruption.error(403, FORBIDDEN));
      }
      return adopt(ctx, reply, token, extracted);
    }, this::refused);
  }

  // Any failed call refuses the request, an unavailable driver's included (403, as DESIGN asks).
  private Future<Void> refused(Throwable failure) {
    return Future.failedFuture(runner.refusal(HookFailure.from(failure), 403, Overrides.KEY_NOT_AUTHORISED));
  }

  private static String token(dev.coproxy.proto.Object reply) {
    String fromObject = reply.getMetadataOrDefault("token", "");
    return fromObject.isEmpty() ? reply.getSession().getMetadataOrDefault("token", "") : fromObject;
  }

  private Future<Void> adopt(RequestContext ctx, dev.coproxy.proto.Object reply, String token, Extracted extracted) {
    SessionState.Builder state = reply.getSession().toBuilder().putAllMetadata(reply.getMetadataMap())
        .setOrgId(ctx.api().orgId());
    JsonObject json = SessionMapper.toJson(state.build());
    Session session;
    try {
      session = Session.parse(json);
    } catch (ConfigException e) {
      HookFailure failure = runner.failed(new HookFailure(HookFailure.Reason.BAD_REPLY, "the session cannot be used: " + e.getMessage()));
      return Future.failedFuture(runner.refusal(failure, 500, CoprocessMiddleware.MIDDLEWARE_ERROR));
    }
    Session effective;
    try {
      effective = merged.merge(session, ctx.api().orgId());
    } catch (PolicyMergeException e) {
      policyLog.log(System.Logger.Level.WARNING, () -> "api " + ctx.api().apiId() + ": the session of " + runner.hook().name()
          + " names policies that cannot be applied: " + e.getMessage());
      authFailures.fire(ctx, token);
      return Future.failedFuture(ChainInterruption.error(403, FORBIDDEN));
    }
    // With an extractor the session is stored under the ID: the token only proves the plugin said yes.
    String key = extracted == null ? token : extracted.id();
    String id = extracted == null ? sessions.storageId(token) : extracted.storageId();
    long lifetime = session.sessionLifetime() > 0 ? session.sessionLifetime() : ctx.api().sessionLifetime();
    Future<Session> stored = extracted == null ? sessions.findByStorageId(id) : Future.succeededFuture(extracted.session());
    return stored.compose(existing -> {
      if (existing != null) {
        // Quotas must not reset on every auth call: keep the stored quota state.
        json.put("quota_remaining", existing.json().getValue("quota_remaining", json.getValue("quota_remaining")));
        json.put("quota_renews", existing.json().getValue("quota_renews", json.getValue("quota_renews")));
      }
      return sessions.saveByStorageId(id, session, lifetime);
    }).map(v -> {
      ctx.attachSession(key, id, effective);
      return null;
    });
  }
}
