package dev.coproxy.routing;

import dev.coproxy.api.ApiCatalog;
import dev.coproxy.api.ApiDefinition;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable set of loaded APIs. A reload builds a new table and swaps it in whole, so a request
 * always sees one consistent set. Routing is by the longest matching listen path.
 */
public final class ApiTable implements ApiCatalog {

  /** The table with no APIs. */
  public static final ApiTable EMPTY = new ApiTable(List.of());

  private final LoadedApi[] byListenPathLength;
  private final Map<String, LoadedApi> byId = new LinkedHashMap<>();

  public ApiTable(Collection<LoadedApi> apis) {
    List<LoadedApi> sorted = new ArrayList<>(apis);
    sorted.sort(Comparator.comparingInt((LoadedApi a) -> a.definition().listenPath().length()).reversed());
    this.byListenPathLength = sorted.toArray(new LoadedApi[0]);
    for (LoadedApi api : apis) {
      byId.put(api.definition().apiId(), api);
    }
  }

  /** The API whose listen path is the longest prefix of {@code path}, or null. */
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
