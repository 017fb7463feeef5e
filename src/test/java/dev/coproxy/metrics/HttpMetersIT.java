package dev.coproxy.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.app.Main;
import dev.coproxy.testing.Poll;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Coproxy's HTTP meters against vertx-micrometer-metrics: the same traffic through a real Vert.x
 * server and client pair, once with Vert.x's factory and once with Coproxy's, both with the
 * gateway's metrics options, must leave the same {@code vertx_http_*} series on the Prometheus
 * page: names, HELP and TYPE lines, labels, and every value but the measured times (whose
 * presence and counts are compared).
 */
class HttpMetersIT {

  private static final Duration DEADLINE = Duration.ofSeconds(10);
  /** Every wait is bounded: a request that never ends fails the test instead of hanging the build. */
  private static final long WAIT_SECONDS = 20;
  /** The context the requests of the current run are made on. */
  private static io.vertx.core.Context context;

  @Test
  void coproxysMetersWriteTheSameSeriesAsVertxs() throws Exception {
    Map<String, String> vertxs = run(registry -> new MicrometerMetricsFactory(registry), "vertx");
    Map<String, String> ours = run(registry -> new UnmeteredClients(new MicrometerMetricsFactory(registry), registry), "coproxy");

    assertEquals(vertxs.keySet(), ours.keySet(), "the same series");
    assertEquals(vertxs, ours, "the same values");
    // The traffic reached every kind of series, so the comparison says something.
    for (String series : new String[] {"vertx_http_server_requests_total{code=\"404\",method=\"GET\"}",
        "vertx_http_server_requests_total{code=\"201\",method=\"POST\"}", "vertx_http_server_request_resets_total{method=\"GET\"}",
        "vertx_http_client_responses_total{code=\"200\",method=\"GET\"}", "vertx_http_client_request_bytes_sum{method=\"POST\"}",
        "vertx_http_server_active_ws_connections", "vertx_http_client_active_ws_connections",
        "vertx_http_client_response_time_seconds_count{code=\"200\",method=\"GET\"}"}) {
      assertTrue(ours.containsKey(series), series + " in " + ours.keySet());
    }
    assertEquals("3.0", ours.get("vertx_http_client_responses_total{code=\"200\",method=\"GET\"}"));
    assertEquals("0.0", ours.get("vertx_http_server_active_requests{method=\"GET\"}"));
  }

  /** The {@code vertx_http_*} lines after the traffic: series to value, times replaced by their presence. */
  private Map<String, String> run(Function<PrometheusMeterRegistry, VertxMetricsFactory> factory, String name) throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // A registry name of its own: vertx-micrometer-metrics keeps its backends in a static map by name.
    MicrometerMetricsOptions options = Main.metricsOptions().setRegistryName("http-meters-it-" + name);
    Vertx vertx = Vertx.builder().with(new VertxOptions().setMetricsOptions(options)).withMetrics(factory.apply(registry)).build();
    // A failure inside Vert.x (a meter that throws) would otherwise only show as a request that never ends.
    vertx.exceptionHandler(e -> {
      System.err.println("HttpMetersIT " + name + ": unhandled in Vert.x");
      e.printStackTrace();
    });
    context = vertx.getOrCreateContext();
    try {
      traffic(vertx, registry);
      return series(registry.scrape());
    } finally {
      vertx.close().await(WAIT_SECONDS, TimeUnit.SECONDS);
    }
  }

  private void traffic(Vertx vertx, PrometheusMeterRegistry registry) throws Exception {
    Promise<Void> hanging = Promise.promise();
    HttpServer server = vertx.createHttpServer()
        .webSocketHandler(ws -> ws.handler(ws::write))
        .requestHandler(req -> {
          switch (req.path()) {
            case "/ok" -> req.response().end("hello");
            case "/echo" -> req.body().onSuccess(body -> req.response().setStatusCode(201).end(body));
            case "/hang" -> hanging.tryComplete(); // never answered: the client resets it
            default -> req.response().setStatusCode(404).end("{\"error\": \"not found\"}");
          }
        })
        .listen(0, "127.0.0.1").await(WAIT_SECONDS, TimeUnit.SECONDS);
    int port = server.actualPort();
    HttpClient client = vertx.createHttpClient();
    for (int i = 0; i < 3; i++) {
      assertEquals(200, send(client, port, HttpMethod.GET, "/ok", null).statusCode());
    }
    assertEquals(404, send(client, port, HttpMethod.GET, "/missing", null).statusCode());
    assertEquals(201, send(client, port, HttpMethod.POST, "/echo", Buffer.buffer("{\"a\": 1, \"b\": [2, 3]}")).statusCode());

    HttpClientRequest hang = client.request(HttpMethod.GET, port, "127.0.0.1", "/hang").await(WAIT_SECONDS, TimeUnit.SECONDS);
    hang.end();
    hanging.future().await(WAIT_SECONDS, TimeUnit.SECONDS);
    hang.reset().await(WAIT_SECONDS, TimeUnit.SECONDS);

    WebSocket ws = vertx.createWebSocketClient().connect(port, "127.0.0.1", "/ws").await(WAIT_SECONDS, TimeUnit.SECONDS);
    Promise<Buffer> echoed = Promise.promise();
    ws.handler(echoed::tryComplete);
    ws.write(Buffer.buffer("ping"));
    assertEquals("ping", echoed.future().await(WAIT_SECONDS, TimeUnit.SECONDS).toString());
    ws.close().await(WAIT_SECONDS, TimeUnit.SECONDS);

    client.close().await(WAIT_SECONDS, TimeUnit.SECONDS);
    Poll.until(DEADLINE, () -> quiet(series(registry.scrape())), () -> "connections, requests and websockets closed on both sides: "
        + series(registry.scrape()));
    server.close().await(WAIT_SECONDS, TimeUnit.SECONDS);
  }

  /** Series (and HELP and TYPE lines) to values; a time's sum and maximum become "(time)". */
  private static Map<String, String> series(String scrape) {
    Map<String, String> series = new TreeMap<>();
    for (String line : scrape.split("\n")) {
      if (line.startsWith("# HELP vertx_http_") || line.startsWith("# TYPE vertx_http_")) {
        series.put(line, "");
      } else if (line.startsWith("vertx_http_")) {
        int space = line.lastIndexOf(' ');
        String key = line.substring(0, space);
        boolean time = key.contains("_seconds_sum") || key.contains("_seconds_max");
        series.put(key, time ? "(time)" : line.substring(space + 1));
      }
    }
    return series;
  }

  // Every gauge of open things is back to zero: nothing in flight, so the counts are final.
  private static boolean quiet(Map<String, String> series) {
    return !series.isEmpty() && series.entrySet().stream().filter(e -> !e.getKey().startsWith("#") && e.getKey().contains("_active_"))
        .allMatch(e -> e.getValue().equals("0.0"));
  }

  private static Future<HttpClientResponse> sendFuture(HttpClient client, int port, HttpMethod method, String uri, Buffer body) {
    return client.request(method, port, "127.0.0.1", uri)
        .compose(req -> body == null ? req.send() : req.send(body))
        .compose(resp -> resp.body().map(b -> resp));
  }

  // The whole exchange runs on a Vert.x context: composed from the test's thread, a step whose future
  // was already complete would run there, racing the event loop, and could miss the response body.
  private static HttpClientResponse send(HttpClient client, int port, HttpMethod method, String uri, Buffer body) throws Exception {
    Promise<HttpClientResponse> done = Promise.promise();
    context.runOnContext(v -> sendFuture(client, port, method, uri, body).onComplete(done));
    return done.future().await(WAIT_SECONDS, TimeUnit.SECONDS);
  }
}
