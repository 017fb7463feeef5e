package dev.coproxy.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.vertx.micrometer.MetricsNaming;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The meters of one side of Vert.x's HTTP metrics, {@code vertx_http_server_*} or
 * {@code vertx_http_client_*}, with the names, descriptions and labels (method and code only) that
 * vertx-micrometer-metrics gives them. Built once per Vert.x and shared by all its servers (or
 * clients): without the local and remote labels they all feed the same series. Each meter is
 * registered on first use and then kept, so a request costs no registry lookup.
 */
final class HttpSide {

  /** The method label of meters that have none (Vert.x labels a pushed HTTP/2 response without it). */
  static final String NO_METHOD = "";

  final MeterRegistry registry;
  final MetricsNaming names;
  final Descriptions text;
  final Once<Connections> connections;
  final Once<Counter> errors;
  final Once<LongAdder> webSockets;
  private final Map<String, MethodMeters> methods = new ConcurrentHashMap<>();

  /** What each meter's HELP says on the server or the client side. */
  record Descriptions(String activeRequests, String requests, String responses, String responseTime,
      String activeConnections, String bytesRead, String bytesWritten) { }

  static final Descriptions SERVER = new Descriptions("Number of requests being processed", null,
      "Number of processed requests", "Request processing time", "Number of opened connections to the server",
      "Number of bytes received by the server", "Number of bytes sent by the server");

  static final Descriptions CLIENT = new Descriptions("Number of requests waiting for a response",
      "Number of requests sent", "Response count with codes", "Response time",
      "Number of connections to the remote host currently opened", "Number of bytes received from the remote host",
      "Number of bytes sent to the remote host");

  /** The per-connection meters, registered together when the first connection opens. */
  record Connections(LongAdder active, Counter bytesRead, Counter bytesWritten) { }

  /** {@code naming} already carries the side's base name ({@code vertx.http.server.}). */
  HttpSide(MeterRegistry registry, MetricsNaming naming, Descriptions text) {
    this.registry = registry;
    this.names = naming;
    this.text = text;
    this.connections = new Once<>(() -> new Connections(
        gauge(names.getNetActiveConnections(), text.activeConnections(), Tags.empty()),
        counter(names.getNetBytesRead(), text.bytesRead(), Tags.empty()),
        counter(names.getNetBytesWritten(), text.bytesWritten(), Tags.empty())));
    this.errors = new Once<>(() -> counter(names.getNetErrorCount(), "Number of errors", Tags.empty()));
    this.webSockets = new Once<>(() -> gauge(names.getHttpActiveWsConnections(), "Number of websockets currently opened", Tags.empty()));
  }

  /** The meters of requests with {@code method} (a name such as {@code GET}, or {@link #NO_METHOD}). */
  MethodMeters method(String method) {
    MethodMeters meters = methods.get(method);
    return meters != null ? meters : methods.computeIfAbsent(method, m -> new MethodMeters(this, m));
  }

  /** A gauge reading a counter of its own, as Vert.x's long gauges do. */
  LongAdder gauge(String name, String description, Tags tags) {
    LongAdder level = new LongAdder();
    Gauge.builder(name, level, LongAdder::doubleValue).description(description).tags(tags).strongReference(true)
        .register(registry);
    return level;
  }

  Counter counter(String name, String description, Tags tags) {
    return Counter.builder(name).description(description).tags(tags).register(registry);
  }

  DistributionSummary summary(String name, String description, Tags tags) {
    return DistributionSummary.builder(name).description(description).tags(tags).register(registry);
  }

  Timer timer(String name, String description, Tags tags) {
    return Timer.builder(name).description(description).tags(tags).register(registry);
  }
}
