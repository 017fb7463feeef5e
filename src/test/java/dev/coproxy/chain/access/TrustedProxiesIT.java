package dev.coproxy.chain.access;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The client address of the IP lists under the gateway's settings: {@code trusted_proxies} that do
 * not hold the peer (127.0.0.1) make the forwarding headers count for nothing; holding it, they are
 * believed, and X-Forwarded-For is read from the right; {@code xff_depth} picks an entry as in Tyk.
 */
class TrustedProxiesIT {

  private static final JsonObject ALLOW_ONE = new JsonObject().put("allowed_ips", new JsonArray().add("10.1.1.1"));

  @Test
  void headersFromAnUntrustedPeerAreIgnored() throws Exception {
    try (TestGateway gw = gateway(new JsonObject().put("trusted_proxies", new JsonArray().add("10.0.0.0/8")));
        Upstream up = upstream(gw)) {
      assertEquals(403, status(gw, Map.of("X-Real-IP", "10.1.1.1")));
      assertEquals(403, status(gw, Map.of("X-Forwarded-For", "10.1.1.1")));
    }
  }

  @Test
  void aTrustedPeersHeadersAreBelievedFromTheRight() throws Exception {
    try (TestGateway gw = gateway(new JsonObject().put("trusted_proxies", new JsonArray().add("127.0.0.1").add("192.0.2.0/24")));
        Upstream up = upstream(gw)) {
      assertEquals(200, status(gw, Map.of("X-Real-IP", "10.1.1.1")));
      assertEquals(200, status(gw, Map.of("X-Forwarded-For", "6.6.6.6, 10.1.1.1, 192.0.2.3")));
      assertEquals(403, status(gw, Map.of("X-Forwarded-For", "10.1.1.1, 6.6.6.6")),
          "the client wrote the first entry itself: only the nearest untrusted one counts");
      assertEquals(403, status(gw, Map.of()), "no headers: the peer, which is not listed");
    }
  }

  @Test
  void xffDepthPicksTheEntryAsTykDoes() throws Exception {
    try (TestGateway gw = gateway(new JsonObject().put("http_server_options", new JsonObject().put("xff_depth", 1)));
        Upstream up = upstream(gw)) {
      assertEquals(200, status(gw, Map.of("X-Forwarded-For", "6.6.6.6, 10.1.1.1")));
      assertEquals(403, status(gw, Map.of("X-Forwarded-For", "10.1.1.1, 6.6.6.6")));
    }
  }

  @Test
  void tyksRuleBelievesAnyone() throws Exception {
    try (TestGateway gw = gateway(new JsonObject()); Upstream up = upstream(gw)) {
      assertEquals(200, status(gw, Map.of("X-Forwarded-For", "10.1.1.1, 6.6.6.6")));
    }
  }

  private static TestGateway gateway(JsonObject config) throws Exception {
    return TestGateway.start(config, Map.of());
  }

  private static Upstream upstream(TestGateway gw) throws Exception {
    Upstream up = Upstream.start(gw.vertx);
    gw.writeApi("allow.json", Apis.keyless("allow", "/allow/", up.url("/")).mergeIn(ALLOW_ONE.copy()));
    assertEquals(1, gw.reload().getInteger("loaded"));
    return up;
  }

  private static int status(TestGateway gw, Map<String, String> headers) throws Exception {
    return gw.call(HttpMethod.GET, "/allow/x", headers, null).status();
  }
}
