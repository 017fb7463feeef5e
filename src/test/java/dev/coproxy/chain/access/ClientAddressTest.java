package dev.coproxy.chain.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.coproxy.config.ClientAddressOptions;
import dev.coproxy.config.IpAddress;
import dev.coproxy.config.IpSet;
import io.vertx.core.MultiMap;
import io.vertx.core.net.SocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The client address: Tyk's RealIP tests, xff_depth, and the trusted-proxies walk. */
class ClientAddressTest {

  private static final SocketAddress PEER = SocketAddress.inetSocketAddress(8080, "10.0.1.4");
  private static final ClientAddress TYK = new ClientAddress(ClientAddressOptions.TYK);

  private static MultiMap headers(String... nameValues) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < nameValues.length; i += 2) {
      headers.add(nameValues[i], nameValues[i + 1]);
    }
    return headers;
  }

  private static String of(ClientAddress rule, MultiMap headers, SocketAddress peer) {
    IpAddress address = rule.of(headers, peer);
    return address == null ? null : address.toString();
  }

  @Test
  void tyksRuleBelievesTheHeaders() throws Exception {
    assertEquals("10.0.0.1", of(TYK, headers("X-Real-IP", "10.0.0.1"), PEER));
    assertEquals("10.0.0.2", of(TYK, headers("X-Forwarded-For", "10.0.0.2"), PEER));
    assertEquals("10.0.0.3", of(TYK, headers("X-Forwarded-For", "10.0.0.3, 10.0.0.2, 10.0.0.1"), PEER));
    assertEquals("10.0.1.4", of(TYK, headers(), PEER));
    assertEquals("10.0.1.4", of(TYK, headers("X-Forwarded-For", "bob"), PEER));
    assertEquals("10.0.1.4", of(TYK, headers("X-Real-IP", "bob"), PEER));
    assertEquals("10.0.0.5", of(TYK, headers("X-Real-IP", "10.0.0.5", "X-Forwarded-For", "10.0.0.6"), PEER),
        "X-Real-IP comes first");
    assertEquals("10.0.0.6", of(TYK, headers("X-Real-IP", "bob", "X-Forwarded-For", "10.0.0.6"), PEER));
    assertEquals("10.0.0.7", of(TYK, headers("X-Forwarded-For", "10.0.0.7", "X-Forwarded-For", "10.0.0.8"), PEER),
        "the first header line, as Go's Header.Get");
    assertNull(of(TYK, headers(), null));
    assertEquals("fe80:0:0:0:0:0:0:1", of(TYK, headers(), SocketAddress.inetSocketAddress(
        new java.net.InetSocketAddress(java.net.Inet6Address.getByAddress(null, new byte[] {(byte) 0xfe, (byte) 0x80, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 1}, 1), 8080))),
        "a peer's IPv6 zone is dropped, not taken for no address");
  }

  @Test
  void xffDepthCountsFromTheRight() {
    MultiMap chain = headers("X-Forwarded-For", "10.0.0.3, 10.0.0.2, 10.0.0.1");
    assertEquals("10.0.0.1", of(new ClientAddress(new ClientAddressOptions(IpSet.EMPTY, 1)), chain, PEER));
    assertEquals("10.0.0.2", of(new ClientAddress(new ClientAddressOptions(IpSet.EMPTY, 2)), chain, PEER));
    assertEquals("10.0.0.3", of(new ClientAddress(new ClientAddressOptions(IpSet.EMPTY, 3)), chain, PEER));
    assertNull(of(new ClientAddress(new ClientAddressOptions(IpSet.EMPTY, 4)), chain, PEER), "Tyk: past the list is no address");
  }

  @Test
  void trustedProxiesAreTheOnlyOnesBelieved() {
    ClientAddress rule = new ClientAddress(new ClientAddressOptions(IpSet.parse(List.of("10.0.1.0/24", "192.0.2.10"), "trusted_proxies"), 0));
    SocketAddress stranger = SocketAddress.inetSocketAddress(8080, "203.0.113.50");
    assertEquals("203.0.113.50", of(rule, headers("X-Real-IP", "10.0.0.1", "X-Forwarded-For", "10.0.0.2"), stranger),
        "headers from an untrusted peer are ignored");
    assertEquals("10.0.0.1", of(rule, headers("X-Real-IP", "10.0.0.1"), PEER));
    assertEquals("198.51.100.7", of(rule, headers("X-Forwarded-For", "6.6.6.6, 198.51.100.7, 192.0.2.10"), PEER),
        "walked from the right past the trusted proxies; the client's own entries are not believed");
    assertEquals("198.51.100.7", of(rule, headers("X-Forwarded-For", "6.6.6.6", "X-Forwarded-For", "198.51.100.7, 192.0.2.10"), PEER),
        "every header line counts, the last one nearest");
    assertNull(of(rule, headers("X-Forwarded-For", "bob, 192.0.2.10"), PEER),
        "an entry that is no address leaves the client unknown, not the trusted proxy before it");
    assertEquals("198.51.100.7", of(rule, headers("X-Forwarded-For", "198.51.100.7:5123, 192.0.2.10"), PEER),
        "entries with ports are addresses");
    assertEquals("2001:db8:0:0:0:0:0:1", of(rule, headers("X-Forwarded-For", "[2001:db8::1]:443, 192.0.2.10"), PEER));
    assertEquals("198.51.100.9", of(rule, headers("X-Real-IP", "10.0.1.99", "X-Forwarded-For", "198.51.100.9"), PEER),
        "behind trusted proxies a client's own X-Real-IP does not count when a proxy wrote X-Forwarded-For");
    assertEquals("192.0.2.10", of(rule, headers("X-Forwarded-For", "192.0.2.10"), PEER), "all trusted: the farthest");
    assertEquals("10.0.1.4", of(rule, headers(), PEER));
  }
}
