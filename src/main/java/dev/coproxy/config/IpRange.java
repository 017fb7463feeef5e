package dev.coproxy.config;

/**
 * One entry of an IP list: a single address ({@code 10.0.0.1}, {@code ::1}) or a CIDR range
 * ({@code 10.0.0.0/8}, {@code 2001:db8::/32}), parsed once when the config or definition loads.
 * Host bits of a range's address are ignored ({@code 127.0.0.1/24} is {@code 127.0.0.0/24}), as
 * in Go's {@code net.ParseCIDR}. An IPv4 range holds IPv4 addresses only, an IPv6 range IPv6
 * addresses only.
 *
 * @param hi the range's first 64 bits, masked
 * @param lo its last 64 bits, masked
 * @param maskHi the prefix mask of the first 64 bits
 * @param maskLo the prefix mask of the last 64 bits
 * @param v4 an IPv4 range
 * @param text the entry as written
 */
public record IpRange(long hi, long lo, long maskHi, long maskLo, boolean v4, String text) {

  /**
   * Parses an address or a CIDR range.
   *
   * @throws IllegalArgumentException saying what is wrong with it
   */
  public static IpRange parse(String text) {
    String entry = text == null ? "" : text.trim();
    int slash = entry.indexOf('/');
    IpAddress address = IpAddress.parse(slash < 0 ? entry : entry.substring(0, slash));
    if (address == null) {
      throw new IllegalArgumentException("\"" + text + "\" is not an IP address or CIDR range");
    }
    int width = address.v4() && entry.indexOf(':') < 0 ? 32 : 128;
    int bits = slash < 0 ? width : prefix(entry.substring(slash + 1), width, text);
    if (width == 128 && address.v4() && bits < 96) {
      // An IPv4-mapped range shorter than the mapped block would reach past it and, held as IPv4,
      // match every IPv4 client.
      throw new IllegalArgumentException("\"" + text + "\" is an IPv4-mapped range wider than ::ffff:0:0/96; write it as an IPv4 range");
    }
    // An IPv4 range lives in the last 32 bits of the IPv4-mapped block.
    int prefix = width == 32 ? 96 + bits : bits;
    long maskHi = prefix >= 64 ? -1L : prefix == 0 ? 0 : -1L << (64 - prefix);
    long maskLo = prefix <= 64 ? 0 : prefix == 128 ? -1L : -1L << (128 - prefix);
    return new IpRange(address.hi() & maskHi, address.lo() & maskLo, maskHi, maskLo, address.v4(), entry);
  }

  /** True when {@code address} lies in this range. */
  public boolean contains(IpAddress address) {
    return address.v4() == v4 && ((address.hi() ^ hi) & maskHi) == 0 && ((address.lo() ^ lo) & maskLo) == 0;
  }

  private static int prefix(String digits, int width, String text) {
    if (digits.isEmpty() || digits.length() > 3 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException("\"" + text + "\" has no valid prefix length after /");
    }
    int bits = Integer.parseInt(digits);
    if (bits > width) {
      throw new IllegalArgumentException("\"" + text + "\" has a prefix longer than " + width + " bits");
    }
    return bits;
  }
}
