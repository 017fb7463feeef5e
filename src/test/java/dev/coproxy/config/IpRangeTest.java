package dev.coproxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Addresses and CIDR ranges as Go's net.ParseIP / ParseCIDR / IPNet.Contains see them. */
class IpRangeTest {

  private static boolean in(String range, String address) {
    return IpRange.parse(range).contains(IpAddress.parse(address));
  }

  @Test
  void singleAddressesMatchThemselvesOnly() {
    assertTrue(in("127.0.0.1", "127.0.0.1"));
    assertFalse(in("127.0.0.1", "127.0.0.2"));
    assertTrue(in("2001:db8::1", "2001:db8:0:0:0:0:0:1"));
    assertFalse(in("2001:db8::1", "2001:db8::2"));
  }

  @Test
  void ipv4RangesAndTheirEdgeMasks() {
    assertTrue(in("127.0.0.1/24", "127.0.0.2"), "host bits of the range are ignored, as ParseCIDR does");
    assertTrue(in("127.0.0.1/24", "127.0.0.255"));
    assertFalse(in("127.0.0.1/24", "127.0.1.0"));
    assertTrue(in("10.0.0.0/8", "10.255.255.255"));
    assertFalse(in("10.0.0.0/8", "11.0.0.0"));
    assertTrue(in("0.0.0.0/0", "203.0.113.9"));
    assertTrue(in("0.0.0.0/0", "0.0.0.0"));
    assertTrue(in("192.0.2.7/32", "192.0.2.7"));
    assertFalse(in("192.0.2.7/32", "192.0.2.6"));
    assertTrue(in("192.0.2.128/25", "192.0.2.200"));
    assertFalse(in("192.0.2.128/25", "192.0.2.100"));
  }

  @Test
  void ipv6RangesAndTheirEdgeMasks() {
    assertTrue(in("2001:db8::/32", "2001:db8:ffff::1"));
    assertFalse(in("2001:db8::/32", "2001:db9::1"));
    assertTrue(in("::/0", "2001:db8::1"));
    assertTrue(in("::/0", "::1"));
    assertTrue(in("::1/128", "::1"));
    assertFalse(in("::1/128", "::2"));
    assertTrue(in("2001:db8::/64", "2001:db8::ffff:ffff:ffff:ffff"));
    assertFalse(in("2001:db8::/64", "2001:db8:0:1::"));
    assertTrue(in("2001:db8::/65", "2001:db8::7fff:0:0:0"));
    assertFalse(in("2001:db8::/65", "2001:db8::8000:0:0:0"));
    assertTrue(in("2001:db8::/63", "2001:db8:0:1::5"));
  }

  @Test
  void ipv4AndIpv6AreApartExceptForMappedAddresses() {
    assertFalse(in("::/0", "127.0.0.1"), "Go: an IPv6 range holds no IPv4 address");
    assertFalse(in("0.0.0.0/0", "::1"));
    assertTrue(in("127.0.0.1", "::ffff:127.0.0.1"), "an IPv4-mapped address is the IPv4 address");
    assertTrue(in("::ffff:10.0.0.0/104", "10.1.2.3"), "an IPv4-mapped range holds IPv4 addresses");
    assertFalse(in("::ffff:10.0.0.0/104", "11.1.2.3"));
  }

  @Test
  void entriesThatAreNotAddressesAreRefused() {
    for (String bad : List.of("bob", "", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x", "10.0.0.1/-1", "300.1.1.1",
        "example.com", "10.0.0.0/8/8", "[::1]", "fe80::1%eth0", "::ffff:10.0.0.0/24", "::ffff:0.0.0.0/0")) {
      assertThrows(IllegalArgumentException.class, () -> IpRange.parse(bad), bad);
    }
  }

  @Test
  void addressLiteralsOnlyNeverNames() {
    assertNull(IpAddress.parse("localhost"));
    assertNull(IpAddress.parse("bob"));
    assertNull(IpAddress.parse(null));
    assertEquals("10.0.0.1", IpAddress.parse("10.0.0.1").toString());
    assertEquals("10.0.0.1", IpAddress.parse("::ffff:10.0.0.1").toString());
    assertTrue(IpAddress.parse("::1").toString().endsWith(":1"));
  }

  @Test
  void aListNamesTheBadEntry() {
    ConfigException e = assertThrows(ConfigException.class, () -> IpSet.parse(List.of("10.0.0.1", "bob"), "allowed_ips"));
    assertEquals("allowed_ips[1]", e.key());
    IpSet set = IpSet.parse(List.of("10.0.0.0/8", "2001:db8::/32"), "allowed_ips");
    assertTrue(set.contains(IpAddress.parse("10.9.9.9")));
    assertTrue(set.contains(IpAddress.parse("2001:db8::9")));
    assertFalse(set.contains(IpAddress.parse("192.0.2.1")));
    assertFalse(set.contains(null));
    assertTrue(IpSet.parse(List.of(), "allowed_ips").isEmpty());
  }
}
