package dev.coproxy.metrics;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.coproxy.app.Main;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import org.junit.jupiter.api.Test;

/** Which HTTP metrics each option set gets: Coproxy's meters, Vert.x's, or none. */
class UnmeteredClientsTest {

  private final SocketAddress local = SocketAddress.inetSocketAddress(8080, "127.0.0.1");

  @Test
  void theGatewaysOptionsGetCoproxysMetersSharedByAllServersAndClients() {
    VertxMetrics metrics = metrics(Main.metricsOptions().setRegistryName("unmetered-own"));
    HttpServerMetrics<?, ?, ?> server = metrics.createHttpServerMetrics(new HttpServerOptions(), local);
    assertInstanceOf(ServerHttpMeters.class, server);
    assertSame(server, metrics.createHttpServerMetrics(new HttpServerOptions().setPort(9090), local));
    assertInstanceOf(ClientHttpMeters.class, metrics.createHttpClientMetrics(new HttpClientOptions()));
    assertNull(metrics.createHttpClientMetrics(new HttpClientOptions().setMetricsName(UnmeteredClients.NAME)));
    metrics.close();
  }

  @Test
  void labelsCoproxysMetersDoNotCarryKeepVertxsMeters() {
    VertxMetrics metrics = metrics(Main.metricsOptions().setRegistryName("unmetered-remote").addLabels(Label.REMOTE));
    HttpServerMetrics<?, ?, ?> server = metrics.createHttpServerMetrics(new HttpServerOptions(), local);
    assertNotNull(server);
    assertFalse(server instanceof ServerHttpMeters, "Vert.x's own meters");
    assertNull(metrics.createHttpClientMetrics(new HttpClientOptions().setMetricsName(UnmeteredClients.NAME)));
    metrics.close();
  }

  @Test
  void aDisabledCategoryHasNoMeters() {
    VertxMetrics metrics = metrics(Main.metricsOptions().setRegistryName("unmetered-off")
        .addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER));
    assertNull(metrics.createHttpServerMetrics(new HttpServerOptions(), local));
    assertInstanceOf(ClientHttpMeters.class, metrics.createHttpClientMetrics(new HttpClientOptions()));
    metrics.close();
  }

  private static VertxMetrics metrics(MicrometerMetricsOptions options) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    return new UnmeteredClients(new MicrometerMetricsFactory(registry), registry)
        .metrics(new VertxOptions().setMetricsOptions(options));
  }
}
