package dev.coproxy.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A list of IP addresses and CIDR ranges (an API's {@code allowed_ips} or {@code blacklisted_ips},
 * the gateway's {@code trusted_proxies}), parsed once at load; {@link #contains} walks the ranges
 * with no allocation.
 */
public final class IpSet {

  /** The empty list. */
  public static final IpSet EMPTY = new IpSet(new IpRange[0]);

  private final IpRange[] ranges;

  private IpSet(IpRange[] ranges) {
    this.ranges = ranges;
  }

  /**
   * Parses a list's entries.
   *
   * @param key the list's key, named in the error
   * @throws ConfigException naming {@code key[i]} for an entry that is not an address or range
   */
  public static IpSet parse(List<String> entries, String key) {
    List<IpRange> ranges = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      try {
        ranges.add(IpRange.parse(entries.get(i)));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(key + "[" + i + "]", e.getMessage());
      }
    }
    return ranges.isEmpty() ? EMPTY : new IpSet(ranges.toArray(new IpRange[0]));
  }

  /** True when some entry holds {@code address}; false for null. */
  public boolean contains(IpAddress address) {
    if (address == null) {
      return false;
    }
    for (IpRange range : ranges) {
      if (range.contains(address)) {
        return true;
      }
    }
    return false;
  }

  public boolean isEmpty() {
    return ranges.length == 0;
  }

  /** The entries as written. */
  public List<String> entries() {
    return Arrays.stream(ranges).map(IpRange::text).toList();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof IpSet set && Arrays.equals(ranges, set.ranges);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(ranges);
  }

  @Override
  public String toString() {
    return entries().toString();
  }
}
