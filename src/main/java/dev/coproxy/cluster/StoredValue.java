package dev.coproxy.cluster;

/**
 * How a value sits in the cluster map: {@code <expiresAtMillis>|<value>} (0 = never expires).
 * Hazelcast keeps entry TTLs in whole seconds and may drop an entry up to a second early, so the
 * exact expiry travels with the value, and the Hazelcast TTL is set a second longer as a clean-up.
 */
final class StoredValue {

  /** Added to Hazelcast TTLs, so that its second granularity never expires an entry early. */
  static final long TTL_SLACK_MILLIS = 1000;

  private StoredValue() {
  }

  static String encode(String value, long expiresAtMillis) {
    return expiresAtMillis + "|" + value;
  }

  /** The value, or null when absent or expired at {@code now}. */
  static String decode(String stored, long now) {
    if (stored == null) {
      return null;
    }
    int bar = stored.indexOf('|');
    long expiresAt = Long.parseLong(stored, 0, bar, 10);
    return expiresAt != 0 && expiresAt <= now ? null : stored.substring(bar + 1);
  }
}
