package dev.coproxy.routing;

import dev.coproxy.api.ApiDefinition;
import dev.coproxy.api.DomainPattern;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Who may serve a listen path when two APIs name the same one: the API that serves it now keeps
 * it, so a new or changed file can never displace a live API at a reload. With
 * {@code enable_custom_domains} a route is a listen path on a domain: APIs on one listen path with
 * different domains are not rivals. Also the id of a file that names none.
 */
public final class ListenPaths {

  private ListenPaths() {
  }

  /**
   * The candidates in load order: those that serve their listen path in {@code live} (same api_id,
   * same listen path) first, then the others in their own (file name) order.
   */
  public static List<LoadedApi> incumbentsFirst(List<LoadedApi> candidates, ApiTable live, boolean customDomains) {
    List<LoadedApi> incumbents = new ArrayList<>();
    List<LoadedApi> newcomers = new ArrayList<>();
    for (LoadedApi api : candidates) {
      (servesNow(api.definition(), live, customDomains) ? incumbents : newcomers).add(api);
    }
    incumbents.addAll(newcomers);
    return incumbents;
  }

  /**
   * The live API, other than {@code def}'s own, that serves {@code def}'s listen path, or null. The
   * Gateway API refuses a definition for which this is not null.
   */
  public static LoadedApi holder(ApiDefinition def, ApiTable live) {
    String route = route(def, live.customDomains());
    for (LoadedApi api : live.all()) {
      if (route(api.definition(), live.customDomains()).equals(route) && !api.definition().apiId().equals(def.apiId())) {
        return api;
      }
    }
    return null;
  }

  /**
   * What two APIs must not share: the listen path, on the domain when domains are in force.
   *
   * @param customDomains the gateway's {@code enable_custom_domains}
   */
  public static String route(ApiDefinition def, boolean customDomains) {
    DomainPattern domain = domainOf(def, customDomains);
    return domain == null ? def.listenPath() : domain.routeKey() + " " + def.listenPath();
  }

  /** The API's domain when it is in force, else null. */
  static DomainPattern domainOf(ApiDefinition def, boolean customDomains) {
    return customDomains ? def.access().domain() : null;
  }

  /** The api_id of a definition file without one: its file name without {@code .json}. */
  public static String idFromFileName(Path file) {
    String name = file.getFileName().toString();
    return name.endsWith(".json") ? name.substring(0, name.length() - ".json".length()) : name;
  }

  private static boolean servesNow(ApiDefinition def, ApiTable live, boolean customDomains) {
    LoadedApi current = live.byId(def.apiId());
    return current != null && route(current.definition(), customDomains).equals(route(def, customDomains));
  }
}
