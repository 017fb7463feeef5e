package dev.coproxy.chain.auth;

import dev.coproxy.api.ApiDefinition;
import dev.coproxy.chain.ChainFactory;
import dev.coproxy.chain.Middleware;
import dev.coproxy.chain.version.VersionMiddleware;
import dev.coproxy.chain.access.ApiRateLimit;
import dev.coproxy.chain.access.ClientAddress;
import dev.coproxy.chain.access.IpList;
import dev.coproxy.chain.access.StripAuth;
import dev.coproxy.config.ClientAddressOptions;
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
  private final ClientAddress clients;

  /** The plugin hooks of an API, already built, in their places. */
  public record Hooks(List<Middleware> pre, Middleware auth, List<Middleware> postKeyAuth, List<Middleware> post,
      List<Middleware> response) {

    /** No hooks: token auth for protected APIs. */
    static final Hooks NONE = new Hooks(List.of(), null, List.of(), List.of(), List.of());
  }

  /** A chain that reads the client address by Tyk's rule (the forwarding headers are believed). */
  public StandardChain(SessionRepository sessions, Policies policies, LongSupplier clockMillis, EventSink events) {
    this(sessions, policies, clockMillis, events, new ClientAddress(ClientAddressOptions.TYK));
  }

  /**
   * @param policies the policies keys name; {@code Policies.of(Map.of())} for a gateway without any
   * @param clients how a request's client address is read (IP lists, events)
   */
  public StandardChain(SessionRepository sessions, Policies policies, LongSupplier clockMillis, EventSink events,
      ClientAddress clients) {
    this.sessions = sessions;
    this.merged = new MergedSessions(policies);
    this.clockMillis = clockMillis;
    this.events = events;
    this.versions = new VersionMiddleware(clockMillis, events);
    this.clients = clients;
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
    List<Middleware> guards = new ArrayList<>(2);
    if (!api.access().allowedIps().isEmpty()) {
      guards.add(IpList.allowing(api.access().allowedIps(), clients, events));
    }
    if (!api.access().blockedIps().isEmpty()) {
      guards.add(IpList.blocking(api.access().blockedIps(), clients, events));
    }
    guards.addAll(versions.guards(api));
    return guards;
  }

  /**
   * The checks that act on an attached session, in Tyk's order. An API with both
   * {@code disable_rate_limit} and {@code disable_quota} has no rate limit and quota check.
   */
  List<Middleware> sessionChecks(ApiDefinition api) {
    List<Middleware> checks = new ArrayList<>(6);
    if (api.access().stripAuthData()) {
      checks.add(new StripAuth(api.auth()));
    }
    checks.addAll(List.of(new KeyExpiryCheck(clockMillis, events), new AccessRightsCheck()));
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
    List<Middleware> checks = new ArrayList<>(2);
    if (api.access().globalRateLimit() != null) {
      checks.add(new ApiRateLimit(api, api.access().globalRateLimit(), sessions.store(), clockMillis, events, clients));
    }
    checks.addAll(versions.apiChecks(api));
    return checks;
  }
}
