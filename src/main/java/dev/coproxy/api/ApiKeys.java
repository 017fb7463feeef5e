package dev.coproxy.api;

import java.util.ArrayList;
import java.util.List;

/**
 * The index of the API-definition model: every key its records read, written as the key table
 * ({@code tyk-keys.tsv}) writes paths ({@code *} for any map key or list element). A test holds it
 * and the table's {@code implemented} rows to each other, both ways.
 */
public final class ApiKeys {

  /**
   * Implemented keys no record reads, because the key table's accepted values decide them whole
   * (none at present).
   */
  public static final List<String> DECIDED_BY_TABLE = List.of();

  private ApiKeys() {
  }

  /** Every key the records of an API definition read. */
  public static List<String> read() {
    List<String> keys = new ArrayList<>(ApiDefinition.KEYS);
    ApiDefinition.AuthSource.KEYS.forEach(k -> {
      keys.add("auth." + k);
      keys.add("auth_configs.authToken." + k);
    });
    keys.addAll(ProxySection.KEYS);
    keys.addAll(PluginSettings.KEYS);
    keys.addAll(CustomMiddleware.keys());
    keys.addAll(EventHandlers.KEYS);
    keys.addAll(VersionData.KEYS);
    keys.addAll(ApiAccess.KEYS);
    return List.copyOf(keys);
  }
}
