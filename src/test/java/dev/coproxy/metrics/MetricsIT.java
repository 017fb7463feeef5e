package dev.coproxy.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code /metrics} after real traffic: Vert.x's HTTP server and client series and Coproxy's own.
 * The test's client (the JDK's) and upstream stay off the gateway's Vert.x, so every Vert.x series
 * scraped comes from the gateway itself.
 */
class MetricsIT {

  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void metricsCountTrafficByApiAndStatusAndTimeTheUpstream() throws Exception {
    Vertx upstreamVertx = Vertx.vertx();
    try (TestGateway gw = TestGateway.start(new JsonObject(), Map.of());
        Upstream upstream = Upstream.start(upstreamVertx)) {
      gw.writeApi("open.json", Apis.keyless("metrics-open", "/open/", upstream.url("/")));
      gw.writeApi("closed.json", Apis.protectedApi("metrics-closed", "/closed/", upstream.url("/")));
      assertEquals(200, get(gw, "/tyk/reload", "x-tyk-authorization", TestGateway.SECRET));
      HttpResponse<String> key = client.send(request(gw, "/tyk/keys/metrics-key", "x-tyk-authorization", TestGateway.SECRET)
          .POST(HttpRequest.BodyPublishers.ofString("{\"org_id\": \"test-org\", \"access_rights\": {\"metrics-closed\": {\"api_id\": \"metrics-closed\"}}}")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, key.statusCode(), key.body());

      for (int i = 0; i < 3; i++) {
        assertEquals(200, get(gw, "/open/x"));
      }
      assertEquals(200, get(gw, "/closed/x", "Authorization", "metrics-key"));
      for (int i = 0; i < 2; i++) {
        assertEquals(403, get(gw, "/closed/x", "Authorization", "wrong-key"));
      }
      assertEquals(401, get(gw, "/closed/x"));
      assertEquals(404, get(gw, "/nowhere"));

      String text = scrape(gw);
      assertEquals(2.0, value(text, "vertx_http_server_requests_total", "code=\"403\"", "method=\"GET\""));
      assertEquals(1.0, value(text, "vertx_http_server_requests_total", "code=\"401\"", "method=\"GET\""));
      // The gateway's upstream client: one request per call that passed its chain.
      assertEquals(4.0, value(text, "vertx_http_client_requests_total", "method=\"GET\""));
      assertEquals(4.0, value(text, "vertx_http_client_response_time_seconds_count", "code=\"200\"", "method=\"GET\""));

      assertEquals(3.0, value(text, "coproxy_requests_total", "api_id=\"metrics-open\"", "code=\"200\""));
      assertEquals(1.0, value(text, "coproxy_requests_total", "api_id=\"metrics-closed\"", "code=\"200\""));
      assertEquals(2.0, value(text, "coproxy_requests_total", "api_id=\"metrics-closed\"", "code=\"403\""));
      assertEquals(1.0, value(text, "coproxy_requests_total", "api_id=\"metrics-closed\"", "code=\"401\""));
      assertEquals(1.0, value(text, "coproxy_requests_total", "api_id=\"(none)\"", "code=\"404\""));

      assertEquals(3.0, value(text, "coproxy_upstream_latency_seconds_count", "api_id=\"metrics-open\""));
      assertEquals(3.0, value(text, "coproxy_upstream_latency_seconds_bucket", "api_id=\"metrics-open\"", "le=\"+Inf\""));
      assertTrue(text.lines().filter(l -> l.startsWith("coproxy_upstream_latency_seconds_bucket{") && l.contains("metrics-open")).count() > 2,
          "a histogram with buckets");
      assertTrue(value(text, "coproxy_upstream_latency_seconds_sum", "api_id=\"metrics-open\"") > 0);
      assertEquals(1.0, value(text, "coproxy_upstream_latency_seconds_count", "api_id=\"metrics-closed\""), "refused calls are not timed");

      // A reload builds new chains and meters: the counts carry on, they neither reset nor split.
      assertEquals(200, get(gw, "/tyk/reload", "x-tyk-authorization", TestGateway.SECRET));
      assertEquals(200, get(gw, "/open/x"));
      String after = scrape(gw);
      assertEquals(4.0, value(after, "coproxy_requests_total", "api_id=\"metrics-open\"", "code=\"200\""));
      assertEquals(4.0, value(after, "coproxy_upstream_latency_seconds_count", "api_id=\"metrics-open\""));

      // A deleted API's series leave /metrics at the next reload; the others stay.
      java.nio.file.Files.delete(gw.appPath.resolve("closed.json"));
      assertEquals(200, get(gw, "/tyk/reload", "x-tyk-authorization", TestGateway.SECRET));
      String deleted = scrape(gw);
      assertTrue(deleted.lines().noneMatch(l -> l.contains("api_id=\"metrics-closed\"")), "no metrics-closed series left");
      assertEquals(4.0, value(deleted, "coproxy_requests_total", "api_id=\"metrics-open\"", "code=\"200\""));
      assertEquals(1.0, value(deleted, "coproxy_requests_total", "api_id=\"(none)\"", "code=\"404\""));
    } finally {
      upstreamVertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private String scrape(TestGateway gw) throws Exception {
    HttpResponse<String> metrics = client.send(request(gw, "/metrics").build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, metrics.statusCode());
    return metrics.body();
  }

  private int get(TestGateway gw, String uri, String... headers) throws Exception {
    return client.send(request(gw, uri, headers).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static HttpRequest.Builder request(TestGateway gw, String uri, String... headers) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port() + uri)).timeout(Duration.ofSeconds(20));
    return headers.length == 0 ? builder : builder.headers(headers);
  }

  /** The value of the one sample of {@code name} that carries every given label. */
  private static double value(String text, String name, String... labels) {
    List<String> lines = text.lines()
        .filter(l -> l.startsWith(name + "{") && Arrays.stream(labels).allMatch(l::contains))
        .toList();
    assertEquals(1, lines.size(), name + " " + Arrays.toString(labels) + " in:\n" + lines);
    String line = lines.get(0);
    return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
  }
}
