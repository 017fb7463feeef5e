package dev.coproxy.chain.version;

import dev.coproxy.api.PathPattern;
import dev.coproxy.api.PathPatterns;
import dev.coproxy.chain.ChainInterruption;
import dev.coproxy.chain.Middleware;
import dev.coproxy.chain.RequestContext;
import dev.coproxy.config.ConfigException;
import dev.coproxy.session.AccessDefinition;
import dev.coproxy.session.AccessDefinition.AccessSpec;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tyk's {@code GranularAccessMiddleware}, after the access rights check: a key whose access right
 * on the API lists {@code allowed_urls} may only call those paths with those methods; anything
 * else gets 403 "Access to this resource has been disallowed". As in Tyk (without path prefix
 * matching), each {@code url} is a regular expression found anywhere in the whole request path,
 * listen path included (percent-escapes decoded, as Tyk matches), and one that does not compile
 * matches nothing. Patterns are compiled once per distinct list, not per request.
 */
public final class GranularAccess implements Middleware {

  static final String DISALLOWED = "Access to this resource has been disallowed";
  private static final int MAX_CACHED = 10_000;

  /** One compiled entry; a null pattern never matches. */
  private record Allowed(PathPattern pattern, List<String> methods) {
  }

  // Shared by the event loops; keyed by the list itself, so a key changed on the Gateway API
  // (a new list) is compiled afresh.
  private final Map<List<AccessSpec>, List<Allowed>> compiled = new ConcurrentHashMap<>();

  @Override
  public String id() {
    return "granular_access";
  }

  @Override
  public Future<Void> onRequest(RequestContext ctx) {
    if (ctx.ignored() || ctx.session() == null) {
      return Future.succeededFuture();
    }
    AccessDefinition right = ctx.session().rightOn(ctx.api().apiId());
    if (right == null || right.allowedUrls().isEmpty()) {
      return Future.succeededFuture();
    }
    String method = ctx.method().name();
    String path = PathPatterns.decoded(ctx.matchPath());
    for (Allowed allowed : compile(right.allowedUrls())) {
      if (allowed.pattern() != null && allowed.methods().contains(method) && allowed.pattern().foundIn(path)) {
        return Future.succeededFuture();
      }
    }
    return Future.failedFuture(ChainInterruption.error(403, DISALLOWED));
  }

  private List<Allowed> compile(List<AccessSpec> urls) {
    List<Allowed> found = compiled.get(urls);
    if (found != null) {
      return found;
    }
    List<Allowed> built = new ArrayList<>(urls.size());
    for (AccessSpec spec : urls) {
      PathPattern pattern;
      try {
        pattern = PathPatterns.compile(spec.url(), false, "allowed_urls");
      } catch (ConfigException e) {
        pattern = null;
      }
      built.add(new Allowed(pattern, spec.methods()));
    }
    if (compiled.size() >= MAX_CACHED) {
      compiled.clear();
    }
    compiled.put(urls, List.copyOf(built));
    return built;
  }
}
