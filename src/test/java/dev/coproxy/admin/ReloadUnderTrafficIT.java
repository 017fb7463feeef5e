package dev.coproxy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.TestGateway.Reply;
import dev.coproxy.testing.Upstream;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Reloads while clients keep sending: no request may fail, and a definition file that goes bad
 * keeps the API's previous version live.
 */
class ReloadUnderTrafficIT {

  private static final int CLIENTS = 4;
  private static final int ROUNDS = 15;

  @Test
  void reloadsDoNotFailAnyRequest() throws Exception {
    try (TestGateway gw = TestGateway.start(new JsonObject(), Map.of());
        Upstream upstream = Upstream.start(gw.vertx)) {
      gw.writeApi("live.json", Apis.keyless("live", "/live/", upstream.url("/")));
      assertEquals(1, gw.reload().getInteger("loaded"));

      AtomicBoolean stop = new AtomicBoolean();
      Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
      AtomicInteger answered = new AtomicInteger();
      List<Future<Void>> loops = new ArrayList<>();
      List<HttpClient> clients = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        HttpClient client = gw.vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(1));
        clients.add(client);
        Promise<Void> done = Promise.promise();
        gw.vertx.getOrCreateContext().runOnContext(v -> send(client, gw.port(), stop, outcomes, answered, done));
        loops.add(done.future());
      }
      int roundsWithTraffic = 0;
      try {
        for (int round = 0; round < ROUNDS; round++) {
          int before = answered.get();
          assertEquals(200, gw.admin(HttpMethod.GET, "/tyk/reload", null).status());
          gw.writeApi("extra.json", Apis.keyless("extra", "/extra/", upstream.url("/")));
          assertEquals(2, gw.reload().getInteger("loaded"));
          assertEquals(200, gw.admin(HttpMethod.GET, "/tyk/reload/group", null).status());
          Files.delete(gw.appPath.resolve("extra.json"));
          Reply group = gw.admin(HttpMethod.GET, "/tyk/reload/group", null);
          assertEquals(200, group.status(), group.text());
          assertEquals(1, group.json().getInteger("loaded"));
          roundsWithTraffic += answered.get() > before ? 1 : 0;
        }
      } finally {
        stop.set(true);
        Future.all(loops).await(30, TimeUnit.SECONDS);
        for (HttpClient client : clients) {
          client.close().await(10, TimeUnit.SECONDS);
        }
      }
      int ok = outcomes.getOrDefault("200", new AtomicInteger()).get();
      assertEquals(Map.of("200", ok), Map.copyOf(outcomes.entrySet().stream()
          .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get()))), "every request answered 200");
      assertTrue(roundsWithTraffic >= ROUNDS / 2, "requests were answered during " + roundsWithTraffic + " of " + ROUNDS
          + " rounds of reloads (" + ok + " in all)");
    }
  }

  @Test
  void malformedFileKeepsThePreviousVersionLive() throws Exception {
    try (TestGateway gw = TestGateway.start(new JsonObject(), Map.of());
        Upstream upstream = Upstream.start(gw.vertx)) {
      gw.writeApi("fragile.json", Apis.keyless("fragile", "/fragile/", upstream.url("/v1")));
      gw.writeApi("steady.json", Apis.keyless("steady", "/steady/", upstream.url("/")));
      assertEquals(2, gw.reload().getInteger("loaded"));

      Files.writeString(gw.appPath.resolve("fragile.json"), "{ \"api_id\": \"fragile\", ");
      JsonObject report = gw.reload();
      assertEquals(2, report.getInteger("loaded"));
      JsonArray errors = report.getJsonArray("errors");
      assertEquals(1, errors.size(), errors.encode());
      assertTrue(errors.getString(0).contains("fragile.json"), errors.encode());
      assertEquals("/v1/x", get(gw, "/fragile/x").json().getString("uri"), "previous version still live");
      assertEquals(200, get(gw, "/steady/x").status());

      // Valid JSON that is not a valid definition is kept out the same way.
      gw.writeApi("fragile.json", Apis.keyless("fragile", "/fragile/", upstream.url("/v2")).put("proxy", new JsonObject().put("listen_path", "/fragile/")));
      report = gw.reload();
      assertTrue(report.getJsonArray("errors").getString(0).contains("proxy.target_url"), report.encode());
      assertEquals("/v1/x", get(gw, "/fragile/x").json().getString("uri"));

      gw.writeApi("fragile.json", Apis.keyless("fragile", "/fragile/", upstream.url("/v3")));
      report = gw.reload();
      assertEquals(new JsonArray(), report.getJsonArray("errors"));
      assertEquals("/v3/x", get(gw, "/fragile/x").json().getString("uri"));
    }
  }

  private static Reply get(TestGateway gw, String uri) throws Exception {
    return gw.call(HttpMethod.GET, uri, Map.of(), null);
  }

  /** One client's loop: a request, its whole answer, the next request, until stopped. */
  private static void send(HttpClient client, int port, AtomicBoolean stop, Map<String, AtomicInteger> outcomes,
      AtomicInteger answered, Promise<Void> done) {
    if (stop.get()) {
      done.complete();
      return;
    }
    client.request(HttpMethod.GET, port, "127.0.0.1", "/live/ping")
        .compose(req -> req.send())
        .compose(resp -> resp.body().map(body -> Integer.toString(resp.statusCode())))
        .timeout(10, TimeUnit.SECONDS)
        .recover(e -> Future.succeededFuture(e.getClass().getSimpleName() + ": " + e.getMessage()))
        .onComplete(ar -> {
          outcomes.computeIfAbsent(ar.result(), k -> new AtomicInteger()).incrementAndGet();
          answered.incrementAndGet();
          send(client, port, stop, outcomes, answered, done);
        });
  }
}
