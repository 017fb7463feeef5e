package dev.coproxy.policy;

import dev.coproxy.config.PolicyOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.CopyOptions;
import java.nio.file.Path;
import java.util.UUID;
import java.util.function.LongSupplier;

/**
 * Policy changes from the Gateway API: as in Tyk, written to {@code policy_path} as
 * {@code <id>.json} (atomically, through a temporary file) and live from the next reload; and, for
 * the other nodes, to the store ({@link PolicyStore}), which every node reads at its reload.
 * Without {@code policy_path} (or with a folder that does not exist) nothing is written, as in Tyk,
 * whose API needs that folder.
 */
public final class PolicyWrites {

  /** Why a change was not made. */
  public enum Refusal { NO_STORAGE, WRITE_FAILED, NOT_FOUND }

  /** A refused change; {@link #refusal} says why. */
  public static final class RefusedChange extends RuntimeException {

    private final Refusal refusal;

    RefusedChange(Refusal refusal, String message) {
      super(message, null, false, false);
      this.refusal = refusal;
    }

    public Refusal refusal() {
      return refusal;
    }
  }

  private final Vertx vertx;
  private final Path dir;
  private final LoadedPolicies policies;
  private final LongSupplier clock;

  public PolicyWrites(Vertx vertx, PolicyOptions options, LoadedPolicies policies, LongSupplier clock) {
    this.vertx = vertx;
    this.dir = options.path() == null ? null : options.path().toAbsolutePath().normalize();
    this.policies = policies;
    this.clock = clock;
  }

  /** Writes a policy's file, then its store entry. */
  public Future<Void> save(Policy policy) {
    return folder().compose(folder -> {
      Path file = fileOf(folder, policy.id());
      if (file == null) {
        return Future.failedFuture(new RefusedChange(Refusal.WRITE_FAILED, "policy id " + policy.id() + " names no file in " + folder));
      }
      String temp = folder.resolve("." + file.getFileName() + "." + UUID.randomUUID() + ".tmp").toString();
      return vertx.fileSystem().writeFile(temp, Buffer.buffer(policy.json().encodePrettily()))
          .compose(v -> vertx.fileSystem().move(temp, file.toString(), new CopyOptions().setReplaceExisting(true).setAtomicMove(true)))
          .recover(e -> Future.failedFuture(new RefusedChange(Refusal.WRITE_FAILED, "cannot write " + file + ": " + e.getMessage())))
          .compose(v -> policies.store().put(policy.id(), policy.json(), clock.getAsLong()));
    });
  }

  /**
   * Deletes a policy's file and marks it deleted in the store. A policy this node has no file of
   * (made on another node) is deleted too; an id known nowhere is refused.
   */
  public Future<Void> delete(String id) {
    return folder().compose(folder -> {
      Path file = fileOf(folder, id);
      if (file == null) {
        return Future.failedFuture(new RefusedChange(Refusal.NOT_FOUND, "policy id " + id + " names no file in " + folder));
      }
      Future<Boolean> stored = policies.store().get(id).map(change -> change != null && change.policy() != null);
      Future<Boolean> onDisk = vertx.fileSystem().exists(file.toString());
      return Future.all(stored, onDisk).compose(both -> {
        if (!onDisk.result() && !stored.result() && policies.find(id) == null) {
          return Future.failedFuture(new RefusedChange(Refusal.NOT_FOUND, "no policy " + id));
        }
        Future<Void> removed = onDisk.result() ? vertx.fileSystem().delete(file.toString()) : Future.succeededFuture();
        return removed.compose(v -> policies.store().markDeleted(id, clock.getAsLong()));
      });
    });
  }

  private Future<Path> folder() {
    if (dir == null) {
      return Future.failedFuture(new RefusedChange(Refusal.NO_STORAGE, "policies.policy_path is not set"));
    }
    return vertx.fileSystem().exists(dir.toString()).compose(exists -> exists ? Future.succeededFuture(dir)
        : Future.failedFuture(new RefusedChange(Refusal.NO_STORAGE, "policies.policy_path " + dir + " does not exist")));
  }

  // An id from the URL or a body may hold "/" or "..": it must name a file right in the folder.
  private static Path fileOf(Path folder, String id) {
    Path file = folder.resolve(id + ".json").normalize();
    return folder.equals(file.getParent()) && !id.isEmpty() ? file : null;
  }
}
