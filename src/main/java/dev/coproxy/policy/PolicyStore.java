package dev.coproxy.policy;

import dev.coproxy.session.KeyValueStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The policy changes made through the Gateway API, in the gateway's store (cluster-wide when
 * clustered) under {@value #PREFIX}{@code <id>}: each node reads them at its next reload, so a policy
 * created or deleted on one node is created or deleted on every node. A deletion is kept as a marker
 * so that it also hides the copies other nodes hold in their files. Each entry carries when it was
 * made, to be weighed against the modification time of a policy file with the same id.
 */
final class PolicyStore {

  /** Store key prefix of policy entries. */
  static final String PREFIX = "coproxy-policy-";

  /**
   * One change.
   *
   * @param policy the policy as written, null for a deletion
   * @param atMillis when it was made (epoch ms)
   */
  record Change(String id, JsonObject policy, long atMillis) {
  }

  private final KeyValueStore store;

  PolicyStore(KeyValueStore store) {
    this.store = store;
  }

  Future<Void> put(String id, JsonObject policy, long atMillis) {
    return store.put(PREFIX + id, new JsonObject().put("at", atMillis).put("policy", policy).encode(), 0);
  }

  Future<Void> markDeleted(String id, long atMillis) {
    return store.put(PREFIX + id, new JsonObject().put("at", atMillis).put("deleted", true).encode(), 0);
  }

  /** The change stored for this id, or null. */
  Future<Change> get(String id) {
    return store.get(PREFIX + id).map(value -> decode(id, value));
  }

  /** Every stored change; an entry that is not ours (not JSON of our shape) is left out. */
  Future<List<Change>> all() {
    return store.keys(PREFIX).compose(keys -> {
      List<Future<Change>> reads = new ArrayList<>();
      keys.forEach(key -> reads.add(get(key.substring(PREFIX.length()))));
      return Future.all(reads).map(done -> reads.stream().map(Future::result).filter(Objects::nonNull).toList());
    });
  }

  private static Change decode(String id, String value) {
    if (value == null) {
      return null;
    }
    try {
      JsonObject entry = new JsonObject(value);
      return new Change(id, entry.getBoolean("deleted", false) ? null : entry.getJsonObject("policy"), entry.getLong("at", 0L));
    } catch (RuntimeException e) {
      return null;
    }
  }
}
