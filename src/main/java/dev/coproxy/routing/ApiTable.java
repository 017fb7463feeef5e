package dev.coproxy.routing;

import dev.coproxy.api.ApiCatalog;
import dev.coproxy.api.ApiDefinition;
import io.vertx.core.net.HostAndPort;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable set of loaded APIs. A reload builds a new table and swaps it in whole, so a request
 * always sees one consistent set. Routing is by the longest matching listen path; with
 * {@code enable_custom_domains}, as in Tyk, the APIs with a {@code domain} come first, each for its
 * host only, and the APIs without one serve every host after them. A table without such APIs never
 * looks at the host.
 */
public final class ApiTable implements ApiCatalog {

  /** The table with no APIs. */
  public static final ApiTable EMPTY = new ApiTable(List.of());

  private final boolean customDomains;
  // The APIs with a domain in force, and (below) the others, each longest listen path first.
  private final LoadedApi[] hosted;
  private final LoadedApi[] byListenPathLength;
  private final Map<String, LoadedApi> byId = new LinkedHashMap<>();

  /** A table whose APIs' domains are ignored. */
  public ApiTable(Collection<LoadedApi> apis) {
    this(apis, false);
  }

  /** @param customDomains the gateway's {@code enable_custom_domains}: APIs' domains are in force */
  public ApiTable(Collection<LoadedApi> apis, boolean customDomains) {
    this.customDomains = customDomains;
    List<LoadedApi> sorted = new ArrayList<>(apis);
    sorted.sort(Comparator.comparingInt((LoadedApi a) -> a.definition().listenPath().length()).reversed());
    this.hosted = sorted.stream().filter(api -> ListenPaths.domainOf(api.definition(), customDomains) != null)
        .toArray(LoadedApi[]::new);
    this.byListenPathLength = sorted.stream().filter(api -> ListenPaths.domainOf(api.definition(), customDomains) == null)
        .toArray(LoadedApi[]::new);
    for (LoadedApi api : apis) {
      byId.put(api.definition().apiId(), api);
    }
  }

  /** True when APIs' domains are in force ({@code enable_custom_domains}). */
  public boolean customDomains() {
    return customDomains;
  }

  /**
   * The API for a request to {@code authority} (its {@code Host}; null when it sent none) and
   * {@code path}: an API with a domain for that host first, else an API without one; or null.
   */
  public LoadedApi match(HostAndPort authority, String path) {
    for (LoadedApi api : hosted) {
      if (api.definition().access().domain().matches(authority) && api.definition().matches(path)) {
        return api;
      }
    }
    return match(path);
  }

  /** The API without a domain in force whose listen path is the longest prefix of {@code path}, or null. */
  public LoadedApi match(String path) {
    for (LoadedApi api : byListenPathLength) {
      if (api.definition().matches(path)) {
        return api;
      }
    }
    return null;
  }

  public LoadedApi byId(String apiId) {
    return byId.get(apiId);
  }

  @Override
  public ApiDefinition definition(String apiId) {
    LoadedApi api = byId.get(apiId);
    return api == null ? null : api.definition();
  }

  public Collection<LoadedApi> all() {
    return byId.values();
  }

  public int size() {
    return byId.size();
  }
}
