package dev.coproxy.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Host-based routing with {@code enable_custom_domains}: several APIs on one listen path, each for
 * its domain, and one without a domain for every other host; an unknown host on a path only domain
 * APIs serve gets the gateway's 404. Without the switch the domain is ignored, as in Tyk.
 */
class DomainRoutingIT {

  /** An answer: status, and the upstream's echo or the error body. */
  private record Answer(int status, String body) {
    JsonObject json() {
      return new JsonObject(body);
    }
  }

  @Test
  void apisOnOneListenPathAreChosenByHost() throws Exception {
    try (TestGateway gw = TestGateway.start(new JsonObject().put("enable_custom_domains", true), Map.of());
        Upstream a = Upstream.start(gw.vertx); Upstream b = Upstream.start(gw.vertx); Upstream rest = Upstream.start(gw.vertx);
        Upstream tenants = Upstream.start(gw.vertx)) {
      gw.writeApi("a.json", Apis.keyless("a", "/shop/", a.url("/")).put("domain", "a.example.com"));
      gw.writeApi("b.json", Apis.keyless("b", "/shop/", b.url("/")).put("domain", "B.example.com"));
      gw.writeApi("any.json", Apis.keyless("any", "/shop/", rest.url("/")));
      gw.writeApi("only.json", Apis.keyless("only", "/only/", a.url("/")).put("domain", "a.example.com"));
      gw.writeApi("tenants.json", Apis.keyless("tenants", "/t/", tenants.url("/")).put("domain", "{tenant}.tenants.example.com"));
      gw.writeApi("off.json", Apis.keyless("off", "/off/", b.url("/")).put("domain", "off.example.com").put("domain_disabled", true));
      assertEquals(6, gw.reload().getInteger("loaded"));

      assertEquals(200, call(gw, "a.example.com", "/shop/x").status());
      assertEquals(1, a.received.size(), "a.example.com reaches api a");
      assertEquals(200, call(gw, "b.example.com", "/shop/x").status());
      assertEquals(1, b.received.size(), "b.example.com reaches api b (host case ignored)");
      assertEquals(200, call(gw, "c.example.com", "/shop/x").status());
      assertEquals(1, rest.received.size(), "another host reaches the api without a domain");
      assertEquals(200, call(gw, "acme.tenants.example.com", "/t/x").status());
      assertEquals(1, tenants.received.size());
      assertEquals(200, call(gw, "elsewhere.example.com", "/off/x").status(), "domain_disabled: every host");

      Answer unknown = call(gw, "c.example.com", "/only/x");
      assertEquals(404, unknown.status(), "a path served only for another domain is not found");
      assertEquals(404, call(gw, "x.y.tenants.example.com", "/t/x").status(), "{tenant} is one label");
      assertEquals(1, a.received.size());
    }
  }

  @Test
  void aSecondApiOnTheSameDomainAndListenPathIsRefused() throws Exception {
    try (TestGateway gw = TestGateway.start(new JsonObject().put("enable_custom_domains", true), Map.of());
        Upstream up = Upstream.start(gw.vertx)) {
      gw.writeApi("a.json", Apis.keyless("a", "/shop/", up.url("/")).put("domain", "a.example.com"));
      gw.writeApi("b.json", Apis.keyless("b", "/shop/", up.url("/")).put("domain", "a.example.com"));
      JsonObject report = gw.reload();
      assertEquals(1, report.getInteger("loaded"));
      assertTrue(report.encode().contains("already served by api a"), report.encode());
    }
  }

  @Test
  void withoutEnableCustomDomainsTheDomainIsIgnored() throws Exception {
    try (TestGateway gw = TestGateway.start(new JsonObject(), Map.of()); Upstream up = Upstream.start(gw.vertx)) {
      gw.writeApi("a.json", Apis.keyless("a", "/shop/", up.url("/")).put("domain", "a.example.com"));
      gw.writeApi("b.json", Apis.keyless("b", "/shop/", up.url("/")).put("domain", "b.example.com"));
      JsonObject report = gw.reload();
      assertEquals(1, report.getInteger("loaded"), "one listen path, domains ignored: the second is a duplicate");
      assertEquals(200, call(gw, "elsewhere.example.com", "/shop/x").status(), "served for every host");
    }
  }

  private static Answer call(TestGateway gw, String host, String uri) throws Exception {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET)
        .setServer(SocketAddress.inetSocketAddress(gw.port(), "127.0.0.1")).setHost(host).setPort(gw.port()).setURI(uri);
    Promise<Answer> answer = Promise.promise();
    gw.vertx.getOrCreateContext().runOnContext(v -> gw.client.request(options)
        .compose(req -> req.send())
        .compose((HttpClientResponse resp) -> resp.body().map((Buffer body) -> new Answer(resp.statusCode(), body.toString())))
        .onComplete(answer));
    return answer.future().await(20, TimeUnit.SECONDS);
  }
}
