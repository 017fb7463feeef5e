package dev.coproxy.cluster;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Claims a block of quota units for one node, atomically, on the member that owns the quota
 * counter: grants {@code min(size, max - used)} units ({@link #blockSize}), adds them to
 * {@code used} and returns {@code {granted, used, expiresAtMillis, epoch}}. The counter's value is
 * {@code {used, expiresAtMillis, epoch}}: a missing or expired counter starts a new period with the
 * epoch the caller proposed, so that units handed back later ({@link QuotaReturn}) only count
 * against the period they were taken from. The backup runs the same step with the same fields.
 */
final class QuotaLease implements EntryProcessor<String, long[], long[]> {

  private static final long serialVersionUID = 1L;
  /** The largest block a node claims at once. */
  static final long MAX_BLOCK = 100;

  private final long max;
  private final long periodMillis;
  private final int members;
  private final long epoch;

  QuotaLease(long max, long periodMillis, int members, long epoch) {
    this.max = max;
    this.periodMillis = periodMillis;
    this.members = members;
    this.epoch = epoch;
  }

  /**
   * How many units a node claims when {@code remaining} are left for {@code members} nodes: an
   * eighth of each node's share, at most {@link #MAX_BLOCK}, at least 1, never more than remain.
   * Near the end of a quota blocks are single units, so nodes together allow exactly max calls.
   */
  static long blockSize(long remaining, int members) {
    if (remaining <= 0) {
      return 0;
    }
    long share = remaining / (8L * Math.max(1, members));
    return Math.min(remaining, Math.max(1, Math.min(MAX_BLOCK, share)));
  }

  @Override
  public long[] process(Map.Entry<String, long[]> entry) {
    long now = System.currentTimeMillis();
    long[] old = entry.getValue();
    boolean fresh = old == null || (old[1] != 0 && old[1] <= now);
    long used = fresh ? 0 : old[0];
    long expiresAt = fresh ? (periodMillis > 0 ? now + periodMillis : 0) : old[1];
    long currentEpoch = fresh || old.length < 3 ? epoch : old[2];
    long granted = blockSize(max - used, members);
    long[] next = {used + granted, expiresAt, currentEpoch};
    if (fresh && periodMillis > 0 && entry instanceof ExtendedMapEntry<String, long[]> extended) {
      // Hazelcast's TTL is in whole seconds: a second longer, so it never ends the period early.
      extended.setValue(next, periodMillis + StoredValue.TTL_SLACK_MILLIS, TimeUnit.MILLISECONDS);
    } else if (!fresh && entry instanceof ExtendedMapEntry<String, long[]> extended) {
      extended.setValueWithoutChangingExpiryTime(next);
    } else {
      entry.setValue(next);
    }
    return new long[] {granted, next[0], expiresAt, currentEpoch};
  }
}
