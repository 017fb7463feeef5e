package dev.coproxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeylessProxyIT {

  @Test
  void theTrafficPortHasOneVerticleOnEachEventLoop() throws Exception {
    try (TestGateway gw = TestGateway.start(new JsonObject(), Map.of())) {
      java.util.List<String> loops = gw.gateway.proxyEventLoops();
      assertEquals(Runtime.getRuntime().availableProcessors(), loops.size(), loops.toString());
      assertEquals(loops.size(), new java.util.HashSet<>(loops).size(), "two instances share a loop: " + loops);
    }
  }

  @Test
  void keylessApiReachesUpstreamWithJoinedPathAndQuery() throws Exception {
    try (TestGateway gw = TestGateway.start(new JsonObject(), Map.of());
        Upstream upstream = Upstream.start(gw.vertx)) {
      gw.writeApi("a.json", Apis.keyless("a", "/a/", upstream.url("/base")));
      gw.reload();
      TestGateway.Reply reply = gw.call(HttpMethod.POST, "/a/x/y?q=1", Map.of(), "hello");
      assertEquals(200, reply.status(), reply.text());
      JsonObject seen = reply.json();
      assertEquals("/base/x/y?q=1", seen.getString("uri"));
      assertEquals("hello", seen.getString("body"));
      assertEquals("127.0.0.1", seen.getJsonObject("headers").getString("x-forwarded-for"));
    }
  }
}
