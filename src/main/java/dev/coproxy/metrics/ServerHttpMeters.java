package dev.coproxy.metrics;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;
import java.util.concurrent.atomic.LongAdder;

/**
 * Vert.x's HTTP server metrics ({@code vertx_http_server_*}), moved when and as
 * vertx-micrometer-metrics moves them, with meters kept per method and status instead of looked up
 * by their tags on every request. Vert.x calls it on the event loop of each connection; one
 * instance serves every server of a Vert.x.
 */
final class ServerHttpMeters extends ConnectionMeters implements HttpServerMetrics<Exchange, LongAdder, HttpSide.Connections> {

  ServerHttpMeters(HttpSide side) {
    super(side);
  }

  @Override
  public Exchange requestBegin(HttpSide.Connections connections, HttpRequest request) {
    return Exchange.begin(side.method(request.method().toString()));
  }

  @Override
  public void requestEnd(Exchange exchange, HttpRequest request, long bytesRead) {
    exchange.meters.requestBytes.get().record(bytesRead);
    exchange.requestEnded();
  }

  @Override
  public void requestReset(Exchange exchange) {
    exchange.meters.resets.get().increment();
    exchange.reset();
  }

  @Override
  public Exchange responsePushed(HttpSide.Connections connections, HttpMethod method, String uri, HttpResponse response) {
    // vertx-micrometer-metrics drops the method label of a pushed response; so does this, to keep the series.
    return Exchange.begin(side.method(HttpSide.NO_METHOD));
  }

  @Override
  public void responseEnd(Exchange exchange, HttpResponse response, long bytesWritten) {
    exchange.meters.responses(response.statusCode()).record(exchange.start, bytesWritten);
    exchange.responseEnded();
  }

  @Override
  public LongAdder connected(HttpSide.Connections connections, Exchange exchange, ServerWebSocket webSocket) {
    return webSocketOpened();
  }

}
