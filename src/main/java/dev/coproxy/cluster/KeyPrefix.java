package dev.coproxy.cluster;

import com.hazelcast.query.Predicate;
import java.util.Map;

/** Selects the live map entries whose key starts with a prefix; evaluated on every member. */
final class KeyPrefix implements Predicate<String, String> {

  private static final long serialVersionUID = 1L;

  private final String prefix;
  private final long now;

  KeyPrefix(String prefix, long now) {
    this.prefix = prefix;
    this.now = now;
  }

  @Override
  public boolean apply(Map.Entry<String, String> entry) {
    return entry.getKey().startsWith(prefix) && StoredValue.decode(entry.getValue(), now) != null;
  }
}
