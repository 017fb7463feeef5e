package dev.coproxy.chain.auth;

import dev.coproxy.api.ApiDefinition;
import dev.coproxy.chain.ChainFactory;
import dev.coproxy.chain.Middleware;
import dev.coproxy.chain.version.VersionMiddleware;
import dev.coproxy.events.EventSink;
import dev.coproxy.policy.MergedSessions;
import dev.coproxy.policy.Policies;
import dev.coproxy.session.SessionRepository;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The built-in chain in Tyk's order, and the one place that order is written down: plugin chains
 * ({@link dev.coproxy.coprocess.CoprocessChain}) hand their hooks to {@link #assemble}. Each step
 * below is left out for an API that does not configure it, so an unused feature costs nothing.
 * <ol>
 *   <li>{@link #entry}: what runs before any plugin (the version check);</li>
 *   <li>{@code pre} hooks;</li>
 *   <li>{@link #guards}: API-wide admission (IP lists, request size limits);</li>
 *   <li>protected APIs only: the auth (token auth or an {@code auth_check} hook), the
 *   {@code post_key_auth} hooks, then {@link #sessionChecks} (strip auth data, key expiry, access
 *   rights, per-path access, rate limit and quota);</li>
 *   <li>{@link #apiChecks}: the API-wide rate limit and the version's request headers;</li>
 *   <li>{@code post} hooks, then {@code response} hooks on the way back.</li>
 * </ol>
 */
public final class StandardChain implements ChainFactory {

  private final SessionRepository sessions;
  private final MergedSessions merged;
  private final LongSupplier clockMillis;
  private final EventSink events;
  private final VersionMiddleware versions;

  /** The plugin hooks of an API, already built, in their places. */
  public record Hooks(List<Middleware> pre, Middleware auth, List<Middleware> postKeyAuth, List<Middleware> post,
      List<Middleware> response) {

    /** No hooks: token auth for protected APIs. */
    static final Hooks NONE = new Hooks(List.of(), null, List.of(), List.of(), List.of());
  }

  /** @param policies the policies keys name; {@code Policies.of(Map.of())} for a gateway without any */
  public StandardChain(SessionRepository sessions, Policies policies, LongSupplier clockMillis, EventSink events) {
    this.sessions = sessions;
    this.merged = new MergedSessions(policies);
    this.clockMillis = clockMillis;
    this.events = events;
    this.versions = new VersionMiddleware(clockMillis, events);
  }

  @Override
  public List<Middleware> build(ApiDefinition api) {
    return assemble(api, Hooks.NONE);
  }

  /**
   * The API's whole chain with these hooks in Tyk's places.
   *
   * @param hooks the API's plugin hooks; a null {@code auth} means token auth
   */
  public List<Middleware> assemble(ApiDefinition api, Hooks hooks) {
    List<Middleware> chain = new ArrayList<>(entry(api));
    chain.addAll(hooks.pre());
    chain.addAll(guards(api));
    if (!api.keyless()) {
      chain.add(hooks.auth() != null ? hooks.auth() : tokenAuth(api));
      chain.addAll(hooks.postKeyAuth());
      chain.addAll(sessionChecks(api));
    }
    chain.addAll(apiChecks(api));
    chain.addAll(hooks.post());
    chain.addAll(hooks.response());
    return chain;
  }

  /** Tyk's standard auth for an API. */
  public Middleware tokenAuth(ApiDefinition api) {
    return new TokenAuth(sessions, merged, api.auth(), events);
  }

  /** The keys' sessions with their policies applied, shared by every auth of this gateway. */
  public MergedSessions mergedSessions() {
    return merged;
  }

  /** Runs first, before the {@code pre} hooks: Tyk's version check. */
  List<Middleware> entry(ApiDefinition api) {
    return versions.entry(api);
  }

  /** API-wide admission after the {@code pre} hooks, before auth: IP lists, request size limits. */
  List<Middleware> guards(ApiDefinition api) {
    return versions.guards(api);
  }

  /**
   * The checks that act on an attached session, in Tyk's order. An API with both
   * {@code disable_rate_limit} and {@code disable_quota} has no rate limit and quota check.
   */
  List<Middleware> sessionChecks(ApiDefinition api) {
    List<Middleware> checks = new ArrayList<>(List.of(new KeyExpiryCheck(clockMillis, events), new AccessRightsCheck()));
    checks.addAll(versions.afterAccessRights(api));
    boolean rate = !api.access().disableRateLimit();
    boolean quota = !api.access().disableQuota();
    if (rate || quota) {
      checks.add(new RateLimitAndQuota(sessions.store(), clockMillis, events, rate, quota));
    }
    return checks;
  }

  /** After the session checks (keyless APIs too): the API-wide rate limit, the version's headers. */
  List<Middleware> apiChecks(ApiDefinition api) {
    return versions.apiChecks(api);
  }
}
