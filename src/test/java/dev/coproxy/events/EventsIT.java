package dev.coproxy.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.bus.EventAddresses;
import dev.coproxy.testing.Apis;
import dev.coproxy.testing.Poll;
import dev.coproxy.testing.ScriptedDriver;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Events from real causes reach a real webhook listener, the event bus and a driver's DispatchEvent. */
class EventsIT {

  private static final Duration DEADLINE = Duration.ofSeconds(10);

  private Vertx side;
  private Upstream webhook;
  private Upstream upstream;
  private TestGateway gw;
  private final List<JsonObject> bus = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    side = Vertx.vertx();
    webhook = Upstream.start(side);
    upstream = Upstream.start(side);
  }

  @AfterEach
  void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
    side.close().await(10, TimeUnit.SECONDS);
  }

  private static JsonObject hook(String url, long suppressSeconds) {
    return new JsonObject().put("handler_name", "eh_web_hook_handler").put("handler_meta", new JsonObject()
        .put("target_path", url).put("method", "POST").put("header_map", new JsonObject().put("X-Hook", "yes"))
        .put("event_timeout", suppressSeconds));
  }

  private void startGateway(JsonObject globalEvents, JsonObject api) throws Exception {
    gw = TestGateway.start(new JsonObject()
        .put("event_handlers", new JsonObject().put("events", globalEvents))
        .put("coprocess_options", new JsonObject().put("enable_coprocess", true)), Map.of("api.json", api));
    gw.vertx.eventBus().<JsonObject>consumer(EventAddresses.EVENTS, m -> bus.add(m.body())).completion().await(5, TimeUnit.SECONDS);
  }

  private List<JsonObject> deliveries(String type) {
    return webhook.received.stream().map(r -> new JsonObject(r.getString("body")))
        .filter(b -> b.getJsonObject("message").getString("Type").equals(type)).toList();
  }

  private List<String> deliveredKeys() {
    return deliveries("AuthFailure").stream().map(d -> d.getJsonObject("message").getJsonObject("Meta").getString("Key")).toList();
  }

  @Test
  void wrongKeyFiresAuthFailureToWebhookAndBusInTyksShape() throws Exception {
    startGateway(new JsonObject().put("AuthFailure", new JsonArray().add(hook(webhook.url("/events"), 0))),
        Apis.protectedApi("p", "/p/", upstream.url("/")));
    assertEquals(403, gw.call(HttpMethod.GET, "/p/x", Map.of("Authorization", "nope"), null).status());
    Poll.until(DEADLINE, () -> deliveries("AuthFailure").size() == 1, () -> "webhook got " + webhook.received);
    JsonObject payload = deliveries("AuthFailure").get(0);
    assertEquals("nope", payload.getJsonObject("message").getJsonObject("Meta").getString("Key"));
    assertEquals("/p/x", payload.getJsonObject("message").getJsonObject("Meta").getString("Path"));
    assertTrue(payload.getJsonObject("message").containsKey("TimeStamp"));
    assertEquals("p", payload.getJsonObject("spec").getString("APIID"));
    assertEquals("test-org", payload.getJsonObject("spec").getString("OrgID"));
    assertEquals("yes", webhook.received.get(0).getJsonObject("headers").getString("x-hook"));
    Poll.until(DEADLINE, () -> bus.stream().anyMatch(e -> e.getJsonObject("message").getString("Type").equals("AuthFailure")),
        () -> "bus got " + bus);
  }

  @Test
  void aWebhookWithoutAnHttpTargetIsLeftOutAndTheOthersStillWork() throws Exception {
    startGateway(new JsonObject().put("AuthFailure", new JsonArray().add(hook("not-a-url", 0))
            .add(new JsonObject().put("handler_name", "eh_no_such_handler"))
            .add(hook(webhook.url("/events"), 0))),
        Apis.protectedApi("p", "/p/", upstream.url("/")));
    assertEquals(403, gw.call(HttpMethod.GET, "/p/x", Map.of("Authorization", "nope"), null).status());
    Poll.until(DEADLINE, () -> deliveries("AuthFailure").size() == 1, () -> "webhook got " + webhook.received);
    assertTrue(gw.admin(HttpMethod.GET, "/metrics", null).text().contains("coproxy_webhook_failures_total 0.0"),
        "the bad handler was never tried");
  }

  @Test
  void repeatsOfOneEventAndKeyAreSuppressedWithinEventTimeout() throws Exception {
    startGateway(new JsonObject().put("AuthFailure", new JsonArray().add(hook(webhook.url("/events"), 60))),
        Apis.protectedApi("p", "/p/", upstream.url("/")));
    for (int i = 0; i < 3; i++) {
      gw.call(HttpMethod.GET, "/p/x", Map.of("Authorization", "same"), null);
    }
    gw.call(HttpMethod.GET, "/p/x", Map.of("Authorization", "other"), null);
    // A last event through the same handler: the repeats, sent before it, would have arrived by the time it has.
    gw.call(HttpMethod.GET, "/p/x", Map.of("Authorization", "marker"), null);
    Poll.until(DEADLINE, () -> deliveredKeys().contains("marker"), () -> "webhook got " + webhook.received);
    assertEquals(List.of("marker", "other", "same"), deliveredKeys().stream().sorted().toList(), "one delivery per key");
    Poll.until(DEADLINE, () -> bus.size() == 5, () -> "every event still reaches the bus: " + bus);
  }

  @Test
  void quotaRateAndTokenEventsComeFromTheirCauses() throws Exception {
    JsonObject api = Apis.protectedApi("p", "/p/", upstream.url("/"))
        .put("event_handlers", new JsonObject().put("events", new JsonObject()
            .put("QuotaExceeded", new JsonArray().add(hook(webhook.url("/api-events"), 0)))
            .put("RatelimitExceeded", new JsonArray().add(hook(webhook.url("/api-events"), 0)))));
    startGateway(new JsonObject().put("TokenCreated", new JsonArray().add(hook(webhook.url("/events"), 0)))
        .put("TokenDeleted", new JsonArray().add(hook(webhook.url("/events"), 0))), api);
    String quotaKey = gw.admin(HttpMethod.POST, "/tyk/keys", "{\"quota_max\": 1, \"quota_renewal_rate\": 3600, \"access_rights\": {\"p\": {\"api_id\": \"p\"}}}").json().getString("key");
    String rateKey = gw.admin(HttpMethod.POST, "/tyk/keys", "{\"rate\": 1, \"per\": 60, \"access_rights\": {\"p\": {\"api_id\": \"p\"}}}").json().getString("key");
    for (int i = 0; i < 2; i++) {
      gw.call(HttpMethod.GET, "/p/x", Map.of("Authorization", quotaKey), null);
      gw.call(HttpMethod.GET, "/p/x", Map.of("Authorization", rateKey), null);
    }
    gw.admin(HttpMethod.DELETE, "/tyk/keys/" + quotaKey, null);
    Poll.until(DEADLINE, () -> deliveries("QuotaExceeded").size() == 1 && deliveries("RatelimitExceeded").size() == 1
        && deliveries("TokenCreated").size() == 2 && deliveries("TokenDeleted").size() == 1, () -> "webhook got " + webhook.received);
    assertEquals(quotaKey, deliveries("QuotaExceeded").get(0).getJsonObject("message").getJsonObject("Meta").getString("Key"));
    assertEquals(rateKey, deliveries("RatelimitExceeded").get(0).getJsonObject("message").getJsonObject("Meta").getString("Key"));
  }

  @Test
  void triggerAddressFiresASystemEventForGlobalHandlers() throws Exception {
    startGateway(new JsonObject().put("MyEvent", new JsonArray().add(hook(webhook.url("/events"), 0))),
        Apis.keyless("k", "/k/", upstream.url("/")));
    gw.vertx.eventBus().send(EventAddresses.TRIGGER, new JsonObject().put("event", "MyEvent").put("payload", "hello"));
    Poll.until(DEADLINE, () -> deliveries("MyEvent").size() == 1, () -> "webhook got " + webhook.received);
    assertEquals("hello", deliveries("MyEvent").get(0).getJsonObject("message").getJsonObject("Meta").getString("Message"));
  }

  @Test
  void cpDynamicHandlerReachesTheApisDriver() throws Exception {
    JsonObject api = Apis.protectedApi("p", "/p/", upstream.url("/"))
        .put("custom_middleware", new JsonObject().put("driver", "test"))
        .put("event_handlers", new JsonObject().put("events", new JsonObject().put("AuthFailure", new JsonArray()
            .add(new JsonObject().put("handler_name", "cp_dynamic_handler").put("handler_meta", new JsonObject().put("name", "on_fail"))))));
    startGateway(new JsonObject(), api);
    ScriptedDriver driver = ScriptedDriver.deploy(gw.vertx, "test");
    gw.call(HttpMethod.GET, "/p/x", Map.of("Authorization", "bad"), null);
    Poll.until(DEADLINE, () -> driver.events.size() == 1, () -> "driver got " + driver.events);
    JsonObject payload = new JsonObject(driver.events.get(0));
    assertEquals("on_fail", payload.getString("handler_name"));
    assertEquals("AuthFailure", payload.getJsonObject("message").getString("Type"));
  }

  @Test
  void aDeadWebhookTargetNeitherSlowsNorFailsRequestsAndIsCounted() throws Exception {
    int deadPort;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      deadPort = socket.getLocalPort();
    }
    startGateway(new JsonObject().put("AuthFailure", new JsonArray().add(hook("http://127.0.0.1:" + deadPort + "/x", 0))),
        Apis.protectedApi("p", "/p/", upstream.url("/")));
    for (int i = 0; i < 20; i++) {
      assertEquals(403, gw.call(HttpMethod.GET, "/p/x", Map.of("Authorization", "k" + i), null).status());
    }
    Poll.until(DEADLINE, "20 failed deliveries counted",
        () -> gw.admin(HttpMethod.GET, "/metrics", null).text().contains("coproxy_webhook_failures_total 20.0"));
    assertTrue(gw.admin(HttpMethod.GET, "/metrics", null).text().contains("coproxy_events_total{event=\"AuthFailure\"} 20.0"));
  }

  @Test
  void anEventStormAgainstAHangingWebhookDropsAndCountsWithoutSlowingRequests() throws Exception {
    // The webhook target takes every delivery and never answers: deliveries pile up to the
    // handler's in-flight bound, and everything past it must be dropped, not queued.
    java.util.concurrent.atomic.AtomicInteger held = new java.util.concurrent.atomic.AtomicInteger();
    webhook.handler(request -> held.incrementAndGet());
    startGateway(new JsonObject().put("AuthFailure", new JsonArray().add(hook(webhook.url("/events"), 0))),
        Apis.protectedApi("p", "/p/", upstream.url("/")));
    int storm = 600;
    int parallel = 40;
    long slowest = 0;
    for (int round = 0; round < storm / parallel; round++) {
      List<java.util.concurrent.CompletableFuture<long[]>> calls = new java.util.ArrayList<>();
      for (int i = 0; i < parallel; i++) {
        String key = "storm-" + round + "-" + i;
        calls.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
          long started = System.nanoTime();
          try {
            int status = gw.call(HttpMethod.GET, "/p/x", Map.of("Authorization", key), null).status();
            return new long[] {status, System.nanoTime() - started};
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }));
      }
      for (java.util.concurrent.CompletableFuture<long[]> call : calls) {
        long[] result = call.get(20, TimeUnit.SECONDS);
        assertEquals(403, result[0]);
        slowest = Math.max(slowest, result[1]);
      }
    }
    // Requests never waited for a delivery: the target never answers, so a request that waited would
    // have taken the webhook's 5 s request timeout; the bound leaves room for a loaded machine.
    assertTrue(slowest < TimeUnit.MILLISECONDS.toNanos(4500), "slowest request took " + slowest / 1_000_000 + " ms");
    String metrics = gw.admin(HttpMethod.GET, "/metrics", null).text();
    assertTrue(metrics.contains("coproxy_events_total{event=\"AuthFailure\"} " + storm + ".0"), metrics);
    double dropped = metric(metrics, "coproxy_events_dropped_total");
    // At most MAX_IN_FLIGHT deliveries wait on the target at a time (each for the webhook's 5 s
    // request timeout); the rest of the storm is dropped and counted.
    assertTrue(dropped >= storm / 2.0, "dropped " + dropped);
    Poll.until(DEADLINE, "deliveries reached the target", () -> held.get() > 0);
    assertTrue(held.get() <= WebhookHandler.MAX_IN_FLIGHT, "the target holds " + held.get());
  }

  private static double metric(String text, String name) {
    return text.lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l -> Double.parseDouble(l.substring(name.length() + 1)))
        .findFirst().orElse(-1);
  }
}
