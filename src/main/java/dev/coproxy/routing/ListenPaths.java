package dev.coproxy.routing;

import dev.coproxy.api.ApiDefinition;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Who may serve a listen path when two APIs name the same one: the API that serves it now keeps
 * it, so a new or changed file can never displace a live API at a reload. Also the id of a file
 * that names none.
 */
public final class ListenPaths {

  private ListenPaths() {
  }

  /**
   * The candidates in load order: those that serve their listen path in {@code live} (same api_id,
   * same listen path) first, then the others in their own (file name) order.
   */
  public static List<LoadedApi> incumbentsFirst(List<LoadedApi> candidates, ApiTable live) {
    List<LoadedApi> incumbents = new ArrayList<>();
    List<LoadedApi> newcomers = new ArrayList<>();
    for (LoadedApi api : candidates) {
      (servesNow(api.definition(), live) ? incumbents : newcomers).add(api);
    }
    incumbents.addAll(newcomers);
    return incumbents;
  }

  /**
   * The live API, other than {@code def}'s own, that serves {@code def}'s listen path, or null. The
   * Gateway API refuses a definition for which this is not null.
   */
  public static LoadedApi holder(ApiDefinition def, ApiTable live) {
    for (LoadedApi api : live.all()) {
      if (api.definition().listenPath().equals(def.listenPath()) && !api.definition().apiId().equals(def.apiId())) {
        return api;
      }
    }
    return null;
  }

  /** The api_id of a definition file without one: its file name without {@code .json}. */
  public static String idFromFileName(Path file) {
    String name = file.getFileName().toString();
    return name.endsWith(".json") ? name.substring(0, name.length() - ".json".length()) : name;
  }

  private static boolean servesNow(ApiDefinition def, ApiTable live) {
    LoadedApi current = live.byId(def.apiId());
    return current != null && current.definition().listenPath().equals(def.listenPath());
  }
}
