package dev.coproxy.config;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 address as two 64-bit halves, so that matching it against {@link IpRange}s is a
 * few long comparisons. IPv4 addresses are held in their IPv4-mapped IPv6 form
 * ({@code ::ffff:a.b.c.d}) and marked {@code v4}, as Go's {@code net.IP} treats them: an IPv4
 * address and its mapped form are the same address, and neither matches an IPv6 range.
 *
 * @param hi the first 64 bits
 * @param lo the last 64 bits
 * @param v4 an IPv4 address (written as such or IPv4-mapped)
 */
public record IpAddress(long hi, long lo, boolean v4) {

  private static final long MAPPED_PREFIX = 0xffffL << 32;

  /**
   * Parses an address literal (no host names: nothing is ever looked up).
   *
   * @return the address, or null when {@code text} is not an IPv4 or IPv6 literal
   */
  public static IpAddress parse(String text) {
    if (text == null || text.isEmpty() || text.indexOf('%') >= 0 || text.indexOf('[') >= 0) {
      return null;
    }
    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(text);
    return bytes == null ? null : of(bytes);
  }

  /**
   * Parses an address as proxies write it in {@code X-Forwarded-For} and as a socket reports it: a
   * literal, or one with a port ({@code 1.2.3.4:5678}, {@code [::1]:5678}), or an IPv6 literal with
   * a zone ({@code fe80::1%eth0}, the zone dropped).
   *
   * @return the address, or null when {@code text} holds none
   */
  public static IpAddress parseLoose(String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    String host = text;
    if (host.startsWith("[")) {
      int close = host.indexOf(']');
      host = close < 0 ? "" : host.substring(1, close);
    } else if (host.indexOf(':') >= 0 && host.indexOf(':') == host.lastIndexOf(':') && host.indexOf('.') >= 0) {
      host = host.substring(0, host.indexOf(':'));
    }
    int zone = host.indexOf('%');
    return parse(zone < 0 ? host : host.substring(0, zone));
  }

  /** The address of 4 (IPv4) or 16 (IPv6) bytes in network order. */
  public static IpAddress of(byte[] bytes) {
    if (bytes.length == 4) {
      long v4 = ((bytes[0] & 0xffL) << 24) | ((bytes[1] & 0xffL) << 16) | ((bytes[2] & 0xffL) << 8) | (bytes[3] & 0xffL);
      return new IpAddress(0, MAPPED_PREFIX | v4, true);
    }
    if (bytes.length != 16) {
      throw new IllegalArgumentException("an IP address has 4 or 16 bytes, not " + bytes.length);
    }
    long hi = 0;
    long lo = 0;
    for (int i = 0; i < 8; i++) {
      hi = (hi << 8) | (bytes[i] & 0xffL);
      lo = (lo << 8) | (bytes[i + 8] & 0xffL);
    }
    return new IpAddress(hi, lo, hi == 0 && (lo >>> 32) == 0xffffL);
  }

  /** The usual text: dotted for IPv4, Java's form for IPv6. */
  @Override
  public String toString() {
    byte[] bytes = new byte[v4 ? 4 : 16];
    if (v4) {
      for (int i = 0; i < 4; i++) {
        bytes[i] = (byte) (lo >>> (24 - 8 * i));
      }
    } else {
      for (int i = 0; i < 8; i++) {
        bytes[i] = (byte) (hi >>> (56 - 8 * i));
        bytes[i + 8] = (byte) (lo >>> (56 - 8 * i));
      }
    }
    try {
      return InetAddress.getByAddress(bytes).getHostAddress();
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
