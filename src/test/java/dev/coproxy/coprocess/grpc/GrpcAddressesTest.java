package dev.coproxy.coprocess.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Picking plugin server addresses: rotation, and leaving out an address that could not be reached. */
class GrpcAddressesTest {

  private static final SocketAddress A = SocketAddress.inetSocketAddress(7001, "127.0.0.1");
  private static final SocketAddress B = SocketAddress.inetSocketAddress(7002, "127.0.0.1");
  private static final SocketAddress C = SocketAddress.inetSocketAddress(7003, "127.0.0.1");

  private final AtomicLong now = new AtomicLong(1_000_000);

  private GrpcAddresses addresses(boolean roundRobin) {
    return new GrpcAddresses(null, null, roundRobin, now::get, List.of(A, B, C));
  }

  private static List<SocketAddress> picks(GrpcAddresses addresses, int n) {
    List<SocketAddress> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(addresses.pick());
    }
    return out;
  }

  @Test
  void roundRobinRotatesOverEveryAddress() {
    assertEquals(List.of(A, B, C, A, B, C), picks(addresses(true), 6));
  }

  @Test
  void pickFirstStaysOnTheFirstAddress() {
    assertEquals(List.of(A, A, A), picks(addresses(false), 3));
  }

  @Test
  void anUnreachableAddressRestsThenComesBack() {
    GrpcAddresses rr = addresses(true);
    rr.unreachable(B);
    assertFalse(picks(rr, 9).contains(B));
    assertFalse(rr.allDown());
    now.addAndGet(GrpcAddresses.RETRY_MILLIS);
    assertTrue(picks(rr, 3).contains(B));
  }

  @Test
  void pickFirstMovesOnWhileTheFirstRests() {
    GrpcAddresses first = addresses(false);
    first.unreachable(A);
    assertEquals(List.of(B, B), picks(first, 2));
    first.reachable(A);
    assertEquals(A, first.pick());
  }

  @Test
  void whenAllRestTheRotationGoesOnAndAllDownSaysSo() {
    GrpcAddresses rr = addresses(true);
    rr.unreachable(A);
    rr.unreachable(B);
    assertFalse(rr.allDown());
    assertEquals(List.of(C, C, C), picks(rr, 3));
    rr.unreachable(C);
    assertTrue(rr.allDown());
    assertEquals(3, picks(rr, 3).stream().distinct().count());
  }
}
