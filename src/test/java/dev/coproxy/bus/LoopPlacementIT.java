package dev.coproxy.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coproxy.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every verticle a request's hops reach (each driver's event-loop instances, the ID extractor) has
 * one instance on each event loop that serves traffic. An instance missing from a
 * loop would send that loop's calls to another thread on every hop.
 */
class LoopPlacementIT {

  @Test
  void everyHopHasAnInstanceOnEachProxyEventLoop() throws Exception {
    // No plugin server listens on port 1: the gRPC driver is deployed and keeps probing.
    try (TestGateway gw = TestGateway.start(new JsonObject().put("coprocess_options", new JsonObject()
        .put("enable_coprocess", true).put("coprocess_grpc_server", "tcp://127.0.0.1:1")), Map.of())) {
      Set<String> loops = new TreeSet<>(gw.gateway.proxyEventLoops());
      assertEquals(Runtime.getRuntime().availableProcessors(), loops.size(), "one proxy per loop: " + loops);
      Set<String> local = gw.vertx.sharedData().<String, Boolean>getLocalMap(LoopLocal.MAP).keySet();
      for (String address : List.of(CoprocessAddresses.driver("grpc"),
          CoprocessAddresses.driver("python"), CoprocessAddresses.driver("lua"), IdExtractorAddresses.EXTRACT)) {
        Set<String> threads = new TreeSet<>();
        local.stream().filter(key -> key.startsWith(address + "@")).forEach(key -> threads.add(key.substring(address.length() + 1)));
        assertEquals(loops, threads, address + " has instances on the loops " + threads + ", the proxies on " + loops);
      }
    }
  }
}
