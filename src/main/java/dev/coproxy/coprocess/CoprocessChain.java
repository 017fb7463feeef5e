package dev.coproxy.coprocess;

import dev.coproxy.api.ApiDefinition;
import dev.coproxy.chain.ChainFactory;
import dev.coproxy.chain.Middleware;
import dev.coproxy.chain.auth.StandardChain;
import dev.coproxy.chain.auth.StandardChain.Hooks;
import dev.coproxy.config.GatewayConfig.CoprocessOptions;
import dev.coproxy.events.EventSink;
import dev.coproxy.idextractor.IdCache;
import dev.coproxy.idextractor.IdExtractor;
import dev.coproxy.idextractor.IdExtractorClient;
import dev.coproxy.idextractor.IdExtractorConfig;
import dev.coproxy.idextractor.IdExtractorMeters;
import dev.coproxy.session.SessionRepository;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Builds an API's chain with its plugin hooks in Tyk's places (section 3.1), which
 * {@link StandardChain#assemble} lays out: {@code pre} hooks; for protected APIs the auth
 * ({@code auth_check} when custom auth is on, else token auth), the {@code post_key_auth} hooks and
 * the session checks; the {@code post} hooks (keyless APIs too); then the {@code response} hooks. With {@code enable_coprocess: false} every hook
 * is left out and custom-auth APIs fall back to token auth, as in Tyk.
 */
public final class CoprocessChain implements ChainFactory {

  private final StandardChain standard;
  private final SessionRepository sessions;
  private final Vertx vertx;
  private final String callIdPrefix = Integer.toHexString(System.identityHashCode(this)) + "-";
  private final AtomicLong calls = new AtomicLong();
  private final EventSink events;
  private final MeterRegistry registry;
  private final CoprocessOptions options;
  private final IdExtractorClient idClient;
  private final String hashKeyFunction;

  /**
   * @param idClient reaches the ID extractor verticle for APIs with an {@code id_extractor}
   * @param hashKeyFunction the gateway's {@code hash_key_function}, for the ID format
   */
  public CoprocessChain(StandardChain standard, SessionRepository sessions, Vertx vertx, EventSink events,
      MeterRegistry registry, CoprocessOptions options, IdExtractorClient idClient, String hashKeyFunction) {
    this.standard = standard;
    this.sessions = sessions;
    this.vertx = vertx;
    this.events = events;
    this.registry = registry;
    this.options = options;
    this.idClient = idClient;
    this.hashKeyFunction = hashKeyFunction;
  }

  @Override
  public List<Middleware> build(ApiDefinition api) {
    if (!options.enableCoprocess()) {
      return standard.build(api);
    }
    CoprocessSpec spec = CoprocessSpec.of(api, options.hookTimeoutMillis());
    if (!spec.hasHooks()) {
      return standard.build(api);
    }
    AuthFailures authFailures = new AuthFailures(events, api.auth().headerName());
    Function<HookSpec, Middleware> hookMiddleware = hook -> new CoprocessMiddleware(runner(api, hook), spec.spec(), authFailures);
    Middleware auth = api.keyless() || spec.authCheck() == null ? null
        : new CoprocessAuth(runner(api, spec.authCheck()), spec.spec(), authFailures, sessions, standard.mergedSessions(),
            idCache(api));
    return standard.assemble(api, new Hooks(
        spec.pre().stream().map(hookMiddleware).toList(),
        auth,
        api.keyless() ? List.of() : spec.postKeyAuth().stream().map(hookMiddleware).toList(),
        spec.post().stream().map(hookMiddleware).toList(),
        spec.response().stream().<Middleware>map(hook -> new ResponseHook(runner(api, hook), spec.spec())).toList()));
  }

  // Built once per load from the extractor the definition parsed and checked.
  private IdCache idCache(ApiDefinition api) {
    IdExtractor extractor = IdExtractorConfig.build(api.customMiddleware().idExtractor(), api.apiId(), api.orgId(), hashKeyFunction);
    return extractor == null ? null
        : new IdCache(extractor, idClient, new IdExtractorMeters(registry, api.apiId()), System::currentTimeMillis);
  }

  private HookRunner runner(ApiDefinition api, HookSpec hook) {
    return new HookRunner(vertx, hook, api.apiId(), new HookMeters(registry, api.apiId(), hook),
        () -> callIdPrefix + calls.incrementAndGet(), options.debugHeaders() || api.customMiddleware().debugHeaders(),
        api.detailedTracing());
  }
}
