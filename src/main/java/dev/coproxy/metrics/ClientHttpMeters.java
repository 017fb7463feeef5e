package dev.coproxy.metrics;

import io.vertx.core.http.WebSocket;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.metrics.ClientMetrics;
import io.vertx.core.spi.metrics.HttpClientMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;
import java.util.concurrent.atomic.LongAdder;

/**
 * Vert.x's HTTP client metrics ({@code vertx_http_client_*}), moved when and as
 * vertx-micrometer-metrics moves them, with meters kept per method and status. Without the remote
 * label every endpoint feeds the same series, so one endpoint object serves them all; one instance
 * serves every metered client of a Vert.x.
 */
final class ClientHttpMeters extends ConnectionMeters implements HttpClientMetrics<Exchange, LongAdder, HttpSide.Connections> {

  private final Endpoint endpoint = new Endpoint();

  ClientHttpMeters(HttpSide side) {
    super(side);
  }

  @Override
  public ClientMetrics<Exchange, HttpRequest, HttpResponse> createEndpointMetrics(SocketAddress remoteAddress, int maxPoolSize) {
    return endpoint;
  }

  @Override
  public LongAdder connected(WebSocket webSocket) {
    return webSocketOpened();
  }

  /** The requests to any endpoint: counted when they begin, sized when sent, timed to the response's end. */
  private final class Endpoint implements ClientMetrics<Exchange, HttpRequest, HttpResponse> {

    @Override
    public Exchange requestBegin(String uri, HttpRequest request) {
      Exchange exchange = Exchange.begin(side.method(request.method().toString()));
      exchange.meters.sent.get().increment();
      return exchange;
    }

    @Override
    public void requestEnd(Exchange exchange, long bytesWritten) {
      exchange.meters.requestBytes.get().record(bytesWritten);
      exchange.requestEnded();
    }

    @Override
    public void requestReset(Exchange exchange) {
      exchange.reset();
    }

    @Override
    public void responseBegin(Exchange exchange, HttpResponse response) {
      exchange.status = response.statusCode();
    }

    @Override
    public void responseEnd(Exchange exchange, long bytesRead) {
      exchange.responseEnded();
      exchange.meters.responses(exchange.status).record(exchange.start, bytesRead);
    }
  }
}
