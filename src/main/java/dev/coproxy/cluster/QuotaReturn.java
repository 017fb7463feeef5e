package dev.coproxy.cluster;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import java.util.Map;

/**
 * Hands unused quota units back to the shared counter (a node that idled on a key, or stops):
 * subtracts them from {@code used} when the counter is still in the period ({@code epoch}) the
 * units were claimed from; after a renewal or a reset they simply lapse.
 */
final class QuotaReturn implements EntryProcessor<String, long[], Long> {

  private static final long serialVersionUID = 1L;

  private final long units;
  private final long epoch;

  QuotaReturn(long units, long epoch) {
    this.units = units;
    this.epoch = epoch;
  }

  @Override
  public Long process(Map.Entry<String, long[]> entry) {
    long[] old = entry.getValue();
    if (old == null || old.length < 3 || old[2] != epoch || (old[1] != 0 && old[1] <= System.currentTimeMillis())) {
      return 0L;
    }
    long[] next = {Math.max(0, old[0] - units), old[1], old[2]};
    if (entry instanceof ExtendedMapEntry<String, long[]> extended) {
      extended.setValueWithoutChangingExpiryTime(next);
    } else {
      entry.setValue(next);
    }
    return old[0] - next[0];
  }
}
