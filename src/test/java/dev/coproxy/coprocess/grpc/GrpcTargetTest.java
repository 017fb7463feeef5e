package dev.coproxy.coprocess.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.net.SocketAddress;
import org.junit.jupiter.api.Test;

class GrpcTargetTest {

  @Test
  void tcpAndPlainTargets() {
    assertEquals(SocketAddress.inetSocketAddress(5555, "127.0.0.1"), GrpcTarget.parse("tcp://127.0.0.1:5555"));
    assertEquals(SocketAddress.inetSocketAddress(5555, "plugins"), GrpcTarget.parse("plugins:5555"));
    assertEquals(SocketAddress.inetSocketAddress(5555, "::1"), GrpcTarget.parse("tcp://[::1]:5555"));
  }

  @Test
  void authorityIsTheTargetsHostAndPortItsDnsNameOrLocalhostForASocket() {
    assertEquals("127.0.0.1:5555", GrpcTarget.authority("tcp://127.0.0.1:5555").toString());
    assertEquals("plugins:5555", GrpcTarget.authority("plugins:5555").toString());
    assertEquals("svc:5555", GrpcTarget.authority("dns:///svc:5555").toString());
    assertEquals("localhost", GrpcTarget.authority("unix:///run/p.sock").toString());
    assertEquals("[::1]:5555", GrpcTarget.authority("tcp://[::1]:5555").toString());
  }

  @Test
  void unixTargets() {
    assertEquals(SocketAddress.domainSocketAddress("/run/p.sock"), GrpcTarget.parse("unix:///run/p.sock"));
    assertEquals(SocketAddress.domainSocketAddress("p.sock"), GrpcTarget.parse("unix:p.sock"));
  }

  @Test
  void dnsTargets() {
    assertEquals(SocketAddress.inetSocketAddress(5555, "svc"), GrpcTarget.dnsName("dns:///svc:5555"));
    assertEquals(SocketAddress.inetSocketAddress(5555, "svc"), GrpcTarget.dnsName("dns:svc:5555"));
    assertNull(GrpcTarget.dnsName("tcp://svc:5555"));
  }

  @Test
  void badTargets() {
    assertThrows(IllegalArgumentException.class, () -> GrpcTarget.parse("http://h:1"));
    assertThrows(IllegalArgumentException.class, () -> GrpcTarget.parse("h"));
    assertThrows(IllegalArgumentException.class, () -> GrpcTarget.parse("h:0"));
    assertThrows(IllegalArgumentException.class, () -> GrpcTarget.parse("h:x"));
  }
}
