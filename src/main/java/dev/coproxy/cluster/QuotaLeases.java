package dev.coproxy.cluster;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A node's blocks of quota units: a call takes a unit from the local block of its quota counter
 * with no cluster call; an empty block is refilled by one atomic claim on the shared counter
 * ({@link QuotaLease}; concurrent calls wait for the same claim). The shared counter therefore
 * counts units handed out, and nodes together never allow more than {@code max} calls. Unused units
 * go back ({@link QuotaReturn}) when the node idles on a key and when it stops; a node killed
 * outright loses its unused block, which stays counted as used (an over-count of at most one block
 * per node, never an under-count). Thread-safe: the event loops of a node share one instance.
 */
final class QuotaLeases {

  /** The shared counter, as the leases use it. */
  interface Backend {
    /** Claims a block: {@code {granted, used, expiresAtMillis, epoch}}. */
    Future<long[]> claim(String key, long max, long periodMillis, long proposedEpoch);

    /** Gives {@code units} back to the period {@code epoch}. */
    Future<Void> giveBack(String key, long units, long epoch);
  }

  private static final class Block {
    long available;
    long max;
    long expiresAt;
    long epoch;
    long lastUse;
    Future<long[]> claiming;
  }

  private static final System.Logger LOG = System.getLogger(QuotaLeases.class.getName());

  private final Map<String, Block> blocks = new ConcurrentHashMap<>();
  private final Backend backend;
  private final LongSupplier clock;
  private final LongSupplier epochs;

  /** @param epochs proposes the epoch of a period the next claim may start (random numbers) */
  QuotaLeases(Backend backend, LongSupplier clock, LongSupplier epochs) {
    this.backend = backend;
    this.clock = clock;
    this.epochs = epochs;
  }

  /** One call against the quota: true when it got a unit. */
  Future<Boolean> take(String key, long max, long periodMillis) {
    Block block = blocks.computeIfAbsent(key, k -> new Block());
    Future<long[]> claim;
    synchronized (block) {
      if (blocks.get(key) != block) {
        // Forgotten meanwhile (idle or reset): start again with the current block.
        return take(key, max, periodMillis);
      }
      long now = clock.getAsLong();
      block.lastUse = now;
      if (block.available > 0 && (block.max != max || (block.expiresAt != 0 && block.expiresAt <= now))) {
        // The period ended or the key's quota changed: what is left of the block lapses.
        block.available = 0;
      }
      if (block.available > 0) {
        block.available--;
        return Future.succeededFuture(true);
      }
      claim = block.claiming;
      if (claim == null) {
        // Callers see the claim complete only once the block is filled: a future that is complete
        // but whose listeners still wait on another event loop would make them spin here.
        Promise<long[]> filledThen = Promise.promise();
        claim = filledThen.future();
        block.claiming = claim;
        backend.claim(key, max, periodMillis, epochs.getAsLong()).onComplete(done -> {
          filled(block, max, done.succeeded() ? done.result() : null);
          filledThen.handle(done);
        });
      }
    }
    Future<Boolean> result = claim.compose(granted -> granted[0] == 0 ? Future.succeededFuture(false) : take(key, max, periodMillis));
    // A caller waiting for another caller's claim goes on on its own event loop.
    return Completions.onCallerLoop(result);
  }

  private void filled(Block block, long max, long[] answer) {
    synchronized (block) {
      block.claiming = null;
      if (answer == null || answer[0] == 0) {
        return;
      }
      // Units of another period (the counter renewed or was reset meanwhile) lapse.
      block.available = block.epoch == answer[3] && block.max == max ? block.available + answer[0] : answer[0];
      block.max = max;
      block.expiresAt = answer[2];
      block.epoch = answer[3];
    }
  }

  /** This node's unused units of a counter (they count as used in the shared counter). */
  long unused(String key) {
    Block block = blocks.get(key);
    if (block == null) {
      return 0;
    }
    synchronized (block) {
      return block.expiresAt != 0 && block.expiresAt <= clock.getAsLong() ? 0 : block.available;
    }
  }

  /**
   * Forgets a counter's block when it belongs to the period {@code epoch} (that counter was reset):
   * its unused units lapse with the counter. A block already claimed from the counter that replaced
   * it is kept: a reset announced late must not take units that count in the new period.
   */
  void drop(String key, long epoch) {
    Block block = blocks.get(key);
    if (block == null) {
      return;
    }
    synchronized (block) {
      if (block.epoch == epoch) {
        block.available = 0;
        blocks.remove(key, block);
      }
    }
  }

  /** Hands back the unused units of counters without a call for {@code idleMillis}; forgets idle empty blocks. */
  Future<Void> returnIdle(long idleMillis) {
    long now = clock.getAsLong();
    List<Future<Void>> returns = new ArrayList<>();
    blocks.forEach((key, block) -> {
      synchronized (block) {
        if (now - block.lastUse < idleMillis || block.claiming != null) {
          return;
        }
        if (block.available > 0 && (block.expiresAt == 0 || block.expiresAt > now)) {
          long units = block.available;
          returns.add(backend.giveBack(key, units, block.epoch)
              .onFailure(e -> LOG.log(System.Logger.Level.WARNING, "quota counter " + key + ": " + units + " unused units not handed back: " + e)));
        }
        block.available = 0;
        blocks.remove(key, block);
      }
    });
    return Future.join(returns).mapEmpty();
  }

  /** Hands back every unused unit (the node stops). */
  Future<Void> returnAll() {
    return returnIdle(Long.MIN_VALUE);
  }
}
