package dev.coproxy.api;

import dev.coproxy.config.ConfigException;
import dev.coproxy.config.KeyTable;
import dev.coproxy.config.KeyTable.Finding;
import dev.coproxy.config.KeyTable.Scope;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Fail closed for API definitions: a definition that sets a key Coproxy does not implement (to
 * anything but its inert default) is refused, naming the key; with {@code allow_unimplemented_keys}
 * it loads with one warning per API and key instead. Inert and unknown keys get one line each per
 * key for the life of the gateway, however many APIs carry them.
 */
public final class KeyPolicy {

  private static final System.Logger LOG = System.getLogger(KeyPolicy.class.getName());

  private final KeyTable table;
  private final boolean allowUnimplemented;
  private final Set<String> told = ConcurrentHashMap.newKeySet();

  /**
   * @param allowUnimplemented {@code allow_unimplemented_keys}: warn instead of refusing
   */
  public KeyPolicy(KeyTable table, boolean allowUnimplemented) {
    this.table = table;
    this.allowUnimplemented = allowUnimplemented;
  }

  /** The bundled table, refusing. */
  public static KeyPolicy strict() {
    return new KeyPolicy(KeyTable.bundled(), false);
  }

  /** Judges the keys of a parsed definition as it was given (a bundle's manifest merged in). */
  public void check(ApiDefinition definition) {
    check(definition.apiId(), definition.raw());
  }

  /**
   * Judges a definition's keys.
   *
   * @param apiId the API's id, for messages
   * @throws ConfigException naming the first refused key, unless refusals are turned into warnings
   */
  public void check(String apiId, JsonObject json) {
    for (Finding finding : table.check(Scope.API, json)) {
      switch (finding.verdict()) {
        case REFUSED -> {
          if (!allowUnimplemented) {
            throw new ConfigException(finding.key(), finding.problem() + "; api " + apiId
                + " is refused (allow_unimplemented_keys: true would load it without this feature)");
          }
          once(apiId + " " + finding.key(), Level.WARNING, "api " + apiId + ": " + finding.describe()
              + "; loaded anyway because allow_unimplemented_keys is true: this feature is NOT applied");
        }
        case INERT -> once(finding.rule().path(), Level.INFO, "api " + apiId + ": " + finding.describe()
            + " (said once per key)");
        case UNKNOWN -> once(finding.key(), Level.WARNING, "api " + apiId + ": " + finding.describe());
        case WARNED -> once(finding.key(), Level.WARNING, "api " + apiId + ": " + finding.describe());
        default -> throw new IllegalStateException(finding.verdict().toString());
      }
    }
  }

  private void once(String what, Level level, String message) {
    if (told.add(what)) {
      LOG.log(level, message);
    }
  }
}
