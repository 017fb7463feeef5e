package dev.coproxy.proxy;

import dev.coproxy.api.ApiDefinition;
import dev.coproxy.api.LoadedApi;
import dev.coproxy.api.UpstreamTarget;
import dev.coproxy.chain.Chain;
import dev.coproxy.chain.ChainInterruption;
import dev.coproxy.chain.RequestContext;
import dev.coproxy.chain.UpstreamAnswer;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
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
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * Sends a request that passed its chain to the API's upstream over a pooled keep-alive client and
 * streams the answer back. Bodies stream both ways; hop-by-hop headers are dropped and
 * {@code X-Forwarded-For} is extended. A refused or reset upstream gives 502, a silent one 504, a
 * client whose body stalls while the upstream waits for it 408, and a client that goes away resets
 * its upstream request.
 */
final class UpstreamForwarder {

  private static final System.Logger LOG = System.getLogger(UpstreamForwarder.class.getName());
  static final String PROXY_ERROR = "There was a problem proxying the request";
  static final String TIMEOUT_ERROR = "Upstream service reached hard timeout.";
  static final String TOO_LARGE = "Request is too large";

  private static final CharSequence X_FORWARDED_FOR = HttpHeaders.createOptimized("X-Forwarded-For");

  private final HttpClient client;
  private final long timeoutMillis;
  private final long maxBodySize;
  private long lastFailureLog;

  UpstreamForwarder(HttpClient client, long timeoutMillis, long maxBodySize) {
    this.client = client;
    this.timeoutMillis = timeoutMillis;
    this.maxBodySize = maxBodySize;
  }

  void forward(RequestContext ctx) {
    ApiDefinition def = ctx.api().definition();
    UpstreamTarget target = def.target();
    RequestOptions options = new RequestOptions()
        .setMethod(ctx.method())
        .setServer(target.address())
        .setHost(target.host())
        .setPort(target.port())
        .setSsl(target.ssl())
        .setURI(target.join(def.upstreamPath(ctx.path()), ctx.query()))
        .setConnectTimeout(timeoutMillis)
        .setIdleTimeout(timeoutMillis);
    client.request(options).onComplete(ar -> guarded(ctx, () -> {
      if (ar.failed()) {
        ctx.request().resume();
        fail(ctx, ar.cause());
      } else {
        send(ctx, ar.result());
      }
    }));
  }

  // A bug in a callback must still answer the client (or reset its stream), never leave it waiting.
  private void guarded(RequestContext ctx, Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "api " + ctx.api().definition().apiId() + ": proxying failed unexpectedly", e);
      HttpServerResponse response = ctx.request().response();
      if (response.headWritten()) {
        response.reset();
      } else if (!response.closed()) {
        ctx.api().meters().request(502);
        HttpErrors.send(response, 502, PROXY_ERROR);
      }
    }
  }

  private void send(RequestContext ctx, HttpClientRequest upstream) {
    HttpServerRequest request = ctx.request();
    HttpServerResponse response = request.response();
    if (response.closed()) {
      upstream.reset();
      return;
    }
    response.closeHandler(v -> upstream.reset());
    // Every failure of the exchange reaches the response future or the body's handlers below; without
    // a handler of its own, Vert.x would also log each one (a reset after the client left) as SEVERE.
    upstream.exceptionHandler(e -> { });
    MultiMap headers = upstream.headers();
    HopByHop.copy(ctx.headers(), headers, true);
    if (ctx.api().definition().preserveHostHeader() && request.authority() != null) {
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
    long sentAt = System.nanoTime();
    Future<HttpClientResponse> answer;
    Buffer whole = ctx.body();
    if (whole != null) {
      answer = whole.length() > 0 ? upstream.send(whole) : upstream.send();
    } else if (hasBody(request)) {
      ReadStream<Buffer> body = request;
      if (maxBodySize > 0 && request.getHeader(HttpHeaders.CONTENT_LENGTH) == null) {
        body = new BodyLimit(request, maxBodySize, () -> tooLarge(ctx, upstream));
      }
      if (request.getHeader(HttpHeaders.CONTENT_LENGTH) == null) {
        upstream.setChunked(true);
      }
      // Not upstream.send(body): its pipe ends the upstream request when the client's body fails
      // (a malformed chunk, a client gone), which hands the upstream a truncated body as complete.
      body.pipe().endOnFailure(false).to(upstream).onFailure(e -> upstream.reset());
      answer = upstream.response();
    } else {
      request.resume();
      answer = upstream.send();
    }
    answer.onComplete(ar -> guarded(ctx, () -> {
      if (ar.failed()) {
        if (isTimeout(ar.cause()) && clientStalled(request, upstream)) {
          ctx.api().meters().request(408);
          ConnectionDeadlines.bodyTooSlow(request);
        } else {
          fail(ctx, ar.cause());
        }
        return;
      }
      HttpClientResponse upstreamResponse = ar.result();
      ctx.api().meters().upstreamLatency(System.nanoTime() - sentAt);
      if (ctx.api().buffersResponse()) {
        respond(ctx, upstream, upstreamResponse);
      } else {
        relay(ctx, upstream, upstreamResponse);
      }
    }));
  }

  // Response middleware needs the whole answer: read it, let the chain change it, then send it.
  private void respond(RequestContext ctx, HttpClientRequest upstream, HttpClientResponse upstreamResponse) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    HopByHop.copy(upstreamResponse.headers(), headers, false);
    upstreamResponse.body()
        .compose(body -> {
          ctx.answer(new UpstreamAnswer(upstreamResponse.statusCode(), headers, body));
          return Chain.respond(ctx.api().chain(), ctx);
        })
        .onComplete(ar -> {
          HttpServerResponse response = ctx.request().response();
          if (ar.failed()) {
            ChainInterruption stop = ar.cause() instanceof ChainInterruption c ? c
                : ChainInterruption.error(500, "Middleware error");
            if (!(ar.cause() instanceof ChainInterruption)) {
              logFailure(ctx.api(), ar.cause());
            }
            ctx.api().meters().request(stop.status());
            HttpErrors.send(response, stop);
            return;
          }
          if (response.headWritten() || response.closed()) {
            return;
          }
          UpstreamAnswer answer = ctx.answer();
          response.setStatusCode(answer.status());
          response.headers().addAll(answer.headers());
          ctx.api().meters().request(answer.status());
          response.end(answer.body());
        });
  }

  private void relay(RequestContext ctx, HttpClientRequest upstream, HttpClientResponse upstreamResponse) {
    HttpServerResponse response = ctx.request().response();
    if (response.headWritten() || response.closed()) {
      upstream.reset();
      return;
    }
    int status = upstreamResponse.statusCode();
    response.setStatusCode(status);
    String message = upstreamResponse.statusMessage();
    if (message != null && !message.isEmpty()) {
      response.setStatusMessage(message);
    }
    HopByHop.copy(upstreamResponse.headers(), response.headers(), false);
    ctx.api().meters().request(status);
    if (!response.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
      response.setChunked(true);
    }
    // Not response.send(upstreamResponse): its pipe ends the response when the upstream breaks off,
    // which passes a truncated chunked body off as complete and leaves a Content-Length client waiting.
    upstreamResponse.pipe().endOnFailure(false).to(response).onFailure(e -> {
      // The body broke off midway (upstream reset, or the client left): both ends are torn down.
      upstream.reset();
      response.reset();
    });
  }

  private void tooLarge(RequestContext ctx, HttpClientRequest upstream) {
    HttpServerResponse response = ctx.request().response();
    ctx.api().meters().request(413);
    HttpErrors.send(response, 413, TOO_LARGE).onComplete(v -> BodyLimit.stopAfterRefusal(ctx.request()));
    upstream.reset();
  }

  private void fail(RequestContext ctx, Throwable cause) {
    HttpServerResponse response = ctx.request().response();
    if (response.headWritten()) {
      response.reset();
      return;
    }
    if (response.closed()) {
      return;
    }
    boolean timeout = isTimeout(cause);
    int status = timeout ? 504 : 502;
    logFailure(ctx.api(), cause);
    ctx.api().meters().request(status);
    HttpErrors.send(response, status, timeout ? TIMEOUT_ERROR : PROXY_ERROR);
  }

  // One line per second at most: a dead upstream must not flood the log with one line per request.
  private void logFailure(LoadedApi api, Throwable cause) {
    long now = System.currentTimeMillis();
    if (now - lastFailureLog >= 1000) {
      lastFailureLog = now;
      LOG.log(Level.WARNING, "api " + api.definition().apiId() + ": upstream " + api.definition().target().url()
          + " failed: " + cause.getClass().getSimpleName() + ": " + cause.getMessage());
    }
  }

  // The upstream waited for a body the client has not finished sending, and not because the upstream
  // stopped reading it (a full write queue): the client is at fault, not the upstream.
  private static boolean clientStalled(HttpServerRequest request, HttpClientRequest upstream) {
    return !request.isEnded() && !upstream.writeQueueFull();
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
