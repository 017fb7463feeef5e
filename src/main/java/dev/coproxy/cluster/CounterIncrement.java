package dev.coproxy.cluster;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Adds {@code delta} (one per call, or a node's batch of rate calls) to a windowed counter, atomically, on the member that owns the key: the value is
 * {@code {count, expiresAtMillis}}. A missing or expired counter starts at {@code delta} with a new window;
 * Hazelcast's own entry TTL removes it a little after the window is over. The same step runs on the backup,
 * so the backup holds the same count.
 */
final class CounterIncrement implements EntryProcessor<String, long[], long[]> {

  private static final long serialVersionUID = 1L;

  private final long delta;
  private final long windowMillis;

  CounterIncrement(long delta, long windowMillis) {
    this.delta = delta;
    this.windowMillis = windowMillis;
  }

  @Override
  public long[] process(Map.Entry<String, long[]> entry) {
    long now = System.currentTimeMillis();
    long[] old = entry.getValue();
    if (old == null || (old[1] != 0 && old[1] <= now)) {
      long[] fresh = {delta, windowMillis > 0 ? now + windowMillis : 0};
      if (windowMillis > 0 && entry instanceof ExtendedMapEntry<String, long[]> extended) {
        // Hazelcast's TTL is in whole seconds: a second longer, so it never ends the window early.
        extended.setValue(fresh, windowMillis + StoredValue.TTL_SLACK_MILLIS, TimeUnit.MILLISECONDS);
      } else {
        entry.setValue(fresh);
      }
      return fresh;
    }
    long[] next = {old[0] + delta, old[1]};
    if (entry instanceof ExtendedMapEntry<String, long[]> extended) {
      extended.setValueWithoutChangingExpiryTime(next);
    } else {
      entry.setValue(next);
    }
    return next;
  }
}
