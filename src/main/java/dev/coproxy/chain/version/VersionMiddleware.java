package dev.coproxy.chain.version;

import dev.coproxy.api.ApiDefinition;
import dev.coproxy.api.ApiVersion;
import dev.coproxy.api.VersionData;
import dev.coproxy.chain.Middleware;
import dev.coproxy.events.EventSink;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Builds the version, path-list and per-key path middleware of an API for the slots of
 * {@link dev.coproxy.chain.auth.StandardChain}, leaving out what the API does not configure: an API
 * without versions (or whose one version has no lists, limits, headers or expiry) gets none of it
 * but {@link GranularAccess}, which every protected API needs for keys with {@code allowed_urls}.
 */
public final class VersionMiddleware {

  private final LongSupplier clockMillis;
  private final EventSink events;

  public VersionMiddleware(LongSupplier clockMillis, EventSink events) {
    this.clockMillis = clockMillis;
    this.events = events;
  }

  /** The version check, first in the chain, when the API needs one. */
  public List<Middleware> entry(ApiDefinition api) {
    return needsVersionCheck(api) ? List.of(new VersionCheck(api, clockMillis, events)) : List.of();
  }

  /** Request size limits, after the {@code pre} hooks. */
  public List<Middleware> guards(ApiDefinition api) {
    return RequestSizeLimit.wanted(api) ? List.of(new RequestSizeLimit(api)) : List.of();
  }

  /** After the access rights check: the key's versions, then its {@code allowed_urls}. */
  public List<Middleware> afterAccessRights(ApiDefinition api) {
    return api.versions().versioned() ? List.of(new VersionAccess(api.versions()), new GranularAccess()) : List.of(new GranularAccess());
  }

  /** After the session checks (keyless APIs too): the version's request headers and upstream timeout. */
  public List<Middleware> apiChecks(ApiDefinition api) {
    List<Middleware> out = new ArrayList<>(2);
    if (GlobalHeaders.wanted(api)) {
      out.add(new GlobalHeaders());
    }
    if (HardTimeout.wanted(api)) {
      out.add(new HardTimeout(api));
    }
    return out;
  }

  // Versioned APIs always; a not-versioned one when its version has something to apply, or when
  // Tyk could not pick its version (then every request is refused, as in Tyk).
  private static boolean needsVersionCheck(ApiDefinition api) {
    VersionData data = api.versions();
    if (data.versioned()) {
      return true;
    }
    if (data.versions().isEmpty()) {
      return false;
    }
    ApiVersion fixed = data.unversioned();
    return fixed == null || fixed.hasPathRules() || fixed.expires() != null
        || RequestSizeLimit.wanted(api) || GlobalHeaders.wanted(api) || HardTimeout.wanted(api);
  }
}
