package dev.coproxy.chain.auth;

import dev.coproxy.api.ApiDefinition;
import dev.coproxy.chain.ChainFactory;
import dev.coproxy.chain.Middleware;
import dev.coproxy.chain.auth.AccessRightsCheck;
import dev.coproxy.chain.auth.KeyExpiryCheck;
import dev.coproxy.chain.auth.RateLimitAndQuota;
import dev.coproxy.chain.auth.TokenAuth;
import dev.coproxy.events.EventSink;
import dev.coproxy.session.SessionRepository;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The built-in chain in Tyk's order: for protected APIs, token auth, then the session checks (key
 * expiry, access rights, rate limit and quota). Keyless APIs get an empty chain.
 */
public final class StandardChain implements ChainFactory {

  private final SessionRepository sessions;
  private final LongSupplier clockMillis;
  private final EventSink events;

  public StandardChain(SessionRepository sessions, LongSupplier clockMillis, EventSink events) {
    this.sessions = sessions;
    this.clockMillis = clockMillis;
    this.events = events;
  }

  @Override
  public List<Middleware> build(ApiDefinition api) {
    List<Middleware> chain = new ArrayList<>();
    if (!api.keyless()) {
      chain.add(tokenAuth(api));
      chain.addAll(sessionChecks());
    }
    return chain;
  }

  /** Tyk's standard auth for an API. */
  public Middleware tokenAuth(ApiDefinition api) {
    return new TokenAuth(sessions, api.auth(), events);
  }

  /** The checks that act on an attached session, in Tyk's order. */
  public List<Middleware> sessionChecks() {
    return List.of(new KeyExpiryCheck(clockMillis, events), new AccessRightsCheck(),
        new RateLimitAndQuota(sessions.store(), clockMillis, events));
  }
}
