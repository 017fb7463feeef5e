package dev.coproxy.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.VertxOptions;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.metrics.MetricsOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.core.spi.metrics.ClientMetrics;
import io.vertx.core.spi.metrics.DatagramSocketMetrics;
import io.vertx.core.spi.metrics.EventBusMetrics;
import io.vertx.core.spi.metrics.HttpClientMetrics;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.metrics.PoolMetrics;
import io.vertx.core.spi.metrics.TCPMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MetricsNaming;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Vert.x's metrics, with Coproxy's own HTTP server and client meters ({@link ServerHttpMeters},
 * {@link ClientHttpMeters}: the same series as vertx-micrometer-metrics, without a registry lookup
 * per request) whenever the options ask for the series they reproduce, and except for the HTTP
 * clients whose metrics name is {@link #NAME}: those get no per-request meters. The gRPC driver's
 * clients carry one HTTP/2 request per hook call, which Coproxy's own {@code coproxy_hook_*}
 * series already time and count per API and hook; Vert.x's meters for them would cost a few
 * percent of a hooked request and say it twice.
 */
public final class UnmeteredClients implements VertxMetricsFactory {

  /** The metrics name ({@link HttpClientOptions#setMetricsName}) of a client that is not metered. */
  public static final String NAME = "coproxy-unmetered";

  // The labels the HTTP meters can carry; Coproxy's own meters reproduce the method and code ones only.
  private static final Set<Label> HTTP_LABELS = EnumSet.of(Label.LOCAL, Label.REMOTE, Label.HTTP_PATH, Label.HTTP_ROUTE,
      Label.HTTP_METHOD, Label.HTTP_CODE, Label.CLASS_NAME, Label.CLIENT_NAME);

  private final VertxMetricsFactory factory;
  private final MeterRegistry registry;

  /**
   * {@code registry} is the one {@code factory} writes to, and belongs to this Vert.x alone (as in
   * Main): a second Vert.x registering the same gauges there would find the first one's.
   */
  public UnmeteredClients(VertxMetricsFactory factory, MeterRegistry registry) {
    this.factory = factory;
    this.registry = registry;
  }

  /** Runs once per Vert.x instance, when it is built. */
  @Override
  public VertxMetrics metrics(VertxOptions options) {
    VertxMetrics metrics = factory.metrics(options);
    if (!(options.getMetricsOptions() instanceof MicrometerMetricsOptions micrometer) || !ownMetersFit(micrometer)) {
      return new Filtered(metrics, null, null);
    }
    MetricsNaming naming = micrometer.getMetricsNaming();
    ServerHttpMeters server = micrometer.isMetricsCategoryDisabled(MetricsDomain.HTTP_SERVER) ? null
        : new ServerHttpMeters(new HttpSide(registry, naming.withBaseName(base(MetricsDomain.HTTP_SERVER)), HttpSide.SERVER));
    ClientHttpMeters client = micrometer.isMetricsCategoryDisabled(MetricsDomain.HTTP_CLIENT) ? null
        : new ClientHttpMeters(new HttpSide(registry, naming.withBaseName(base(MetricsDomain.HTTP_CLIENT)), HttpSide.CLIENT));
    return new Filtered(metrics, server, client);
  }

  // Options that add labels or tags our meters do not carry keep Vert.x's own HTTP metrics.
  private static boolean ownMetersFit(MicrometerMetricsOptions options) {
    Set<Label> labels = EnumSet.copyOf(HTTP_LABELS);
    labels.retainAll(options.getLabels());
    return labels.equals(EnumSet.of(Label.HTTP_METHOD, Label.HTTP_CODE)) && options.getServerRequestTagsProvider() == null
        && options.getClientRequestTagsProvider() == null;
  }

  private static String base(MetricsDomain domain) {
    return "vertx." + domain.toCategory() + ".";
  }

  @Override
  public MetricsOptions newOptions() {
    return factory.newOptions();
  }

  // server and client are null when Vert.x's own meters are kept (or the category is off: then unused).
  private record Filtered(VertxMetrics metrics, ServerHttpMeters server, ClientHttpMeters client) implements VertxMetrics {

    @Override
    public HttpClientMetrics<?, ?, ?> createHttpClientMetrics(HttpClientOptions options) {
      if (NAME.equals(options.getMetricsName())) {
        return null;
      }
      return client != null ? client : metrics.createHttpClientMetrics(options);
    }

    @Override
    public EventBusMetrics<?> createEventBusMetrics() {
      return metrics.createEventBusMetrics();
    }

    @Override
    public HttpServerMetrics<?, ?, ?> createHttpServerMetrics(HttpServerOptions options, SocketAddress localAddress) {
      return server != null ? server : metrics.createHttpServerMetrics(options, localAddress);
    }

    @Override
    public ClientMetrics<?, ?, ?> createClientMetrics(SocketAddress remoteAddress, String type, String namespace) {
      return metrics.createClientMetrics(remoteAddress, type, namespace);
    }

    @Override
    public TCPMetrics<?> createNetServerMetrics(NetServerOptions options, SocketAddress localAddress) {
      return metrics.createNetServerMetrics(options, localAddress);
    }

    @Override
    public TCPMetrics<?> createNetClientMetrics(NetClientOptions options) {
      return metrics.createNetClientMetrics(options);
    }

    @Override
    public DatagramSocketMetrics createDatagramSocketMetrics(DatagramSocketOptions options) {
      return metrics.createDatagramSocketMetrics(options);
    }

    @Override
    public PoolMetrics<?, ?> createPoolMetrics(String type, String name, int maxSize) {
      return metrics.createPoolMetrics(type, name, maxSize);
    }

    @Override
    public void vertxCreated(io.vertx.core.Vertx vertx) {
      metrics.vertxCreated(vertx);
    }

    @Override
    public boolean isMetricsEnabled() {
      return metrics.isMetricsEnabled();
    }

    @Override
    public void close() {
      metrics.close();
    }
  }
}
