package dev.coproxy.policy;

import dev.coproxy.config.ConfigException;
import dev.coproxy.config.PolicyOptions;
import dev.coproxy.session.KeyValueStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * The policies of this node: those of its files ({@link PolicyFiles}) with the changes made through
 * the Gateway API on any node ({@link PolicyStore}) laid over them, the newer of the two winning for
 * an id both hold. {@link #reload} runs at start and on every reload ({@code /tyk/reload}, a group
 * reload from any node) and replaces the set whole; the request path only reads the set in memory.
 * Reloads run one after the other, never overlapping.
 */
public final class LoadedPolicies implements Policies {

  private static final System.Logger LOG = System.getLogger(LoadedPolicies.class.getName());

  /** One loaded set; {@code files} is kept to know what each file held at the last reload. */
  private record Snapshot(Map<String, Policy> byId, Map<String, PolicyFiles.Found> files, long generation) {
  }

  /**
   * What a reload did.
   *
   * @param loaded policies now live
   * @param errors one line per skipped file or entry
   */
  public record Report(int loaded, List<String> errors) {
  }

  private final Vertx vertx;
  private final PolicyFiles files;
  private final PolicyStore store;
  private final AtomicReference<Snapshot> current = new AtomicReference<>(new Snapshot(Map.of(), Map.of(), 0));
  private Future<?> lastReload = Future.succeededFuture();

  public LoadedPolicies(Vertx vertx, PolicyOptions options, KeyValueStore store) {
    this.vertx = vertx;
    this.files = new PolicyFiles(options);
    this.store = new PolicyStore(store);
  }

  @Override
  public Policy find(String id) {
    return current.get().byId().get(id);
  }

  @Override
  public long generation() {
    return current.get().generation();
  }

  /** Every live policy, in load order. */
  public Collection<Policy> all() {
    return current.get().byId().values();
  }

  /** Re-reads the files and the store and swaps the new set in; a failure keeps the set as it was. */
  public synchronized Future<Report> reload() {
    Future<Report> next = lastReload.transform(ar -> load());
    lastReload = next;
    return next;
  }

  private Future<Report> load() {
    Snapshot before = current.get();
    Future<PolicyFiles.Read> read = vertx.executeBlocking(() -> files.read(before.files()), false);
    return Future.all(read, store.all()).map(both -> {
      List<PolicyStore.Change> changes = both.resultAt(1);
      List<String> errors = new ArrayList<>(read.result().errors());
      Map<String, Policy> byId = combine(read.result().byId(), changes, errors);
      boolean changed = !json(byId).equals(json(before.byId()));
      // In load order: the Gateway API lists them as they were read.
      current.set(new Snapshot(Collections.unmodifiableMap(new LinkedHashMap<>(byId)), read.result().byId(),
          before.generation() + (changed ? 1 : 0)));
      if (!byId.isEmpty() || !errors.isEmpty() || changed) {
        LOG.log(Level.INFO, "loaded " + byId.size() + " policies" + (errors.isEmpty() ? "" : " (" + errors.size() + " problems)"));
      }
      return new Report(byId.size(), List.copyOf(errors));
    }).onFailure(e -> LOG.log(Level.ERROR, "policies not reloaded, keeping the " + before.byId().size() + " loaded before: " + e.getMessage()));
  }

  // A file edited after the API's change wins over it: the operator's latest word counts.
  private static Map<String, Policy> combine(Map<String, PolicyFiles.Found> fromFiles, List<PolicyStore.Change> changes,
      List<String> errors) {
    Map<String, Policy> byId = new LinkedHashMap<>();
    fromFiles.forEach((id, found) -> byId.put(id, found.policy()));
    for (PolicyStore.Change change : changes) {
      PolicyFiles.Found file = fromFiles.get(change.id());
      if (file != null && file.modifiedMillis() > change.atMillis()) {
        continue;
      }
      if (change.policy() == null) {
        byId.remove(change.id());
        continue;
      }
      try {
        byId.put(change.id(), Policy.load(change.policy(), change.id()));
      } catch (ConfigException e) {
        String line = "policy " + change.id() + " from the Gateway API (store) skipped: " + e.getMessage();
        LOG.log(Level.ERROR, line);
        errors.add(line);
      }
    }
    return byId;
  }

  private static Map<String, JsonObject> json(Map<String, Policy> byId) {
    return byId.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().json()));
  }

  PolicyStore store() {
    return store;
  }
}
