package dev.coproxy.proxy;

import dev.coproxy.api.ApiDefinition;
import dev.coproxy.api.UpstreamTarget;
import dev.coproxy.chain.RequestContext;
import dev.coproxy.chain.UpstreamAnswer;
import dev.coproxy.metrics.GatewayMetrics.ApiMeters;
import dev.coproxy.proxy.UpstreamFailure.Kind;
import dev.coproxy.tracing.RequestSpan;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.streams.ReadStream;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The upstream side of {@link RequestPipeline}: sends a request that passed its chain to the API's
 * upstream over a pooled keep-alive client, and either streams the answer back or reads it whole for
 * the response chain. Bodies stream both ways; hop-by-hop headers are dropped and
 * {@code X-Forwarded-For} is extended. Every failure is an {@link UpstreamFailure}; a client that
 * goes away resets its upstream request.
 */
final class UpstreamForwarder {

  private static final CharSequence X_FORWARDED_FOR = HttpHeaders.createOptimized("X-Forwarded-For");
  private static final CharSequence TRACEPARENT = HttpHeaders.createOptimized("traceparent");
  private static final CharSequence TRACESTATE = HttpHeaders.createOptimized("tracestate");

  /** An exchange whose response head has arrived. */
  record Exchange(HttpClientRequest request, HttpClientResponse response) {
  }

  private final HttpClient client;
  private final long timeoutMillis;
  private final long maxBodySize;

  UpstreamForwarder(HttpClient client, long timeoutMillis, long maxBodySize) {
    this.client = client;
    this.timeoutMillis = timeoutMillis;
    this.maxBodySize = maxBodySize;
  }

  /** Opens the upstream request, sends the request as the chain left it, and waits for the response head. */
  Future<Exchange> send(RequestContext ctx, ApiMeters meters) {
    ApiDefinition def = ctx.api();
    // A version's override_target and an endpoint's hard timeout replace the API's for this request.
    UpstreamTarget target = ctx.targetOverride() != null ? ctx.targetOverride() : def.target();
    long timeout = ctx.upstreamTimeoutMillis() > 0 ? ctx.upstreamTimeoutMillis() : timeoutMillis;
    RequestOptions options = new RequestOptions()
        .setMethod(ctx.method())
        .setServer(target.address())
        .setHost(target.host())
        .setPort(target.port())
        .setSsl(target.ssl())
        .setURI(target.join(def.upstreamPath(ctx.path()), ctx.query()))
        .setConnectTimeout(timeout)
        .setIdleTimeout(timeout);
    return client.request(options).transform(ar -> ar.succeeded() ? exchange(ctx, ar.result(), meters)
        : Future.failedFuture(new UpstreamFailure(isTimeout(ar.cause()) ? Kind.TIMEOUT : Kind.UNREACHABLE, ar.cause(), null)));
  }

  private Future<Exchange> exchange(RequestContext ctx, HttpClientRequest upstream, ApiMeters meters) {
    HttpServerRequest request = ctx.request();
    HttpServerResponse response = request.response();
    if (response.closed()) {
      upstream.reset();
      return Future.failedFuture(new UpstreamFailure(Kind.UNREACHABLE, new IllegalStateException("the client left"), upstream));
    }
    ctx.onClientGone(upstream::reset);
    // Every failure of the exchange reaches the response future or the body's handlers below; without
    // a handler of its own, Vert.x would also log each one (a reset after the client left) as SEVERE.
    upstream.exceptionHandler(e -> { });
    copyHeaders(ctx, upstream);
    Promise<Exchange> result = Promise.promise();
    long sentAt = System.nanoTime();
    Future<HttpClientResponse> answer;
    Buffer whole = ctx.body();
    if (whole != null) {
      answer = whole.length() > 0 ? upstream.send(whole) : upstream.send();
    } else if (hasBody(request)) {
      ReadStream<Buffer> body = request;
      boolean chunked = request.getHeader(HttpHeaders.CONTENT_LENGTH) == null;
      if (maxBodySize > 0 && chunked) {
        body = new BodyLimit(request, maxBodySize, () -> result.tryFail(new UpstreamFailure(Kind.TOO_LARGE, null, upstream)));
      }
      upstream.setChunked(chunked);
      // Not upstream.send(body): its pipe ends the upstream request when the client's body fails
      // (a malformed chunk, a client gone), which hands the upstream a truncated body as complete.
      body.pipe().endOnFailure(false).to(upstream).onFailure(e -> upstream.reset());
      answer = upstream.response();
    } else {
      request.resume();
      answer = upstream.send();
    }
    if (ctx.upstreamTimeoutMillis() > 0) {
      // A hard timeout bounds the wait for the response head, not only silence on the wire.
      answer = answer.timeout(ctx.upstreamTimeoutMillis(), TimeUnit.MILLISECONDS);
    }
    answer.onComplete(ar -> {
      if (ar.succeeded()) {
        meters.upstreamLatency(System.nanoTime() - sentAt);
        result.tryComplete(new Exchange(upstream, ar.result()));
        return;
      }
      boolean timeout = isTimeout(ar.cause());
      // The upstream waited for a body the client has not finished sending, and not because the
      // upstream stopped reading it (a full write queue): the client is at fault, not the upstream.
      Kind kind = !timeout ? Kind.UNREACHABLE : !request.isEnded() && !upstream.writeQueueFull() ? Kind.CLIENT_STALLED : Kind.TIMEOUT;
      if (kind == Kind.TIMEOUT && ctx.upstreamTimeoutMillis() > 0) {
        upstream.reset(); // the hard timeout's own timer fired: the upstream request is still open
      }
      result.tryFail(new UpstreamFailure(kind, ar.cause(), upstream));
    });
    return result.future();
  }

  // The upstream continues the gateway's trace (W3C trace context); what the client sent was
  // already continued by the gateway's span, so it is replaced rather than passed on.
  private static void traceContext(RequestSpan span, MultiMap headers) {
    String parent = span.traceparent();
    if (parent == null) {
      return;
    }
    headers.set(TRACEPARENT, parent);
    String state = span.tracestate();
    if (state != null) {
      headers.set(TRACESTATE, state);
    } else {
      headers.remove(TRACESTATE);
    }
  }

  private static void copyHeaders(RequestContext ctx, HttpClientRequest upstream) {
    HttpServerRequest request = ctx.request();
    MultiMap headers = upstream.headers();
    HopByHop.copy(ctx.headers(), headers, true);
    if (ctx.span() != null) {
      traceContext(ctx.span(), headers);
    }
    if (ctx.api().preserveHostHeader() && request.authority() != null) {
      upstream.authority(request.authority());
    }
    SocketAddress remote = request.remoteAddress();
    if (remote != null) {
      // The request as the chain left it (a plugin may have set or removed the header); earlier
      // hops may come in several header lines: all of them are kept, in order.
      List<String> forwardedFor = ctx.headers().getAll(X_FORWARDED_FOR);
      String client = remote.hostAddress() != null ? remote.hostAddress() : remote.host();
      headers.set(X_FORWARDED_FOR, forwardedFor.isEmpty() ? client : String.join(", ", forwardedFor) + ", " + client);
    }
  }

  /** Streams the upstream's answer to the client; a body that breaks off midway tears both ends down. */
  void relay(RequestContext ctx, Exchange exchange, ApiMeters meters) {
    HttpServerResponse response = ctx.request().response();
    HttpClientResponse upstreamResponse = exchange.response();
    if (response.headWritten() || response.closed()) {
      exchange.request().reset();
      return;
    }
    int status = upstreamResponse.statusCode();
    response.setStatusCode(status);
    String message = upstreamResponse.statusMessage();
    if (message != null && !message.isEmpty()) {
      response.setStatusMessage(message);
    }
    HopByHop.copy(upstreamResponse.headers(), response.headers(), false);
    meters.request(status);
    if (!response.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
      response.setChunked(true);
    }
    // Not response.send(upstreamResponse): its pipe ends the response when the upstream breaks off,
    // which passes a truncated chunked body off as complete and leaves a Content-Length client waiting.
    upstreamResponse.pipe().endOnFailure(false).to(response).onFailure(e -> {
      exchange.request().reset();
      response.reset();
    });
  }

  /** Reads the upstream's answer whole, hop-by-hop headers left out, for the response chain. */
  static Future<UpstreamAnswer> readWhole(Exchange exchange) {
    HttpClientResponse upstreamResponse = exchange.response();
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    HopByHop.copy(upstreamResponse.headers(), headers, false);
    return upstreamResponse.body().transform(ar -> ar.succeeded()
        ? Future.succeededFuture(new UpstreamAnswer(upstreamResponse.statusCode(), headers, ar.result()))
        : Future.failedFuture(new UpstreamFailure(isTimeout(ar.cause()) ? Kind.TIMEOUT : Kind.UNREACHABLE, ar.cause(), exchange.request())));
  }

  static boolean isTimeout(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof TimeoutException || t.getClass().getSimpleName().contains("Timeout")) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  private static boolean hasBody(HttpServerRequest request) {
    if (request.version() == HttpVersion.HTTP_2) {
      return !request.isEnded();
    }
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null) {
      return !length.equals("0");
    }
    return request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null;
  }
}
