package dev.coproxy.proxy;

import dev.coproxy.chain.ChainInterruption;
import dev.coproxy.chain.Middleware;
import dev.coproxy.chain.RequestContext;
import dev.coproxy.chain.UpstreamAnswer;
import dev.coproxy.proxy.UpstreamForwarder.Exchange;
import dev.coproxy.routing.LoadedApi;
import dev.coproxy.tracing.MiddlewareSpan;
import dev.coproxy.tracing.RequestSpan;
import dev.coproxy.tracing.Tracing;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.util.List;

/**
 * Runs one request of a loaded API from start to finish, in this order:
 * <ol>
 *   <li>refuse a body declared larger than {@code max_request_body_size} (413);</li>
 *   <li>read the whole body, when a middleware needs it (plugin hooks);</li>
 *   <li>the request chain: each middleware's {@link Middleware#onRequest}, in chain order;</li>
 *   <li>the upstream exchange ({@link UpstreamForwarder});</li>
 *   <li>the response chain, when a middleware works on the answer: it is read whole and each such
 *   middleware's {@link Middleware#onResponse} runs in chain order; otherwise the answer streams;</li>
 *   <li>any failure on the way goes to {@link RequestFailures}, which decides the client's answer.</li>
 * </ol>
 * One instance per event loop. Steps that finish at once (the in-memory store answers synchronously)
 * continue in a plain loop, so a chain of ready futures costs no callbacks. With {@code opentelemetry}
 * on, the request's server span starts first and ends when the answer's last byte is written.
 */
final class RequestPipeline {

  /** Largest request body read for plugins when max_request_body_size is not set. */
  private static final long MAX_HOOK_BODY = 64L << 20;

  private final UpstreamForwarder upstream;
  private final RequestFailures failures;
  private final long maxBodySize;
  private final Tracing tracing;

  /** @param tracing the gateway's tracer, or null when tracing is off */
  RequestPipeline(UpstreamForwarder upstream, RequestFailures failures, long maxBodySize, Tracing tracing) {
    this.upstream = upstream;
    this.failures = failures;
    this.maxBodySize = maxBodySize;
    this.tracing = tracing;
  }

  /** Runs the request; the client gets an answer whatever happens. */
  void run(RequestContext ctx, LoadedApi api) {
    HttpServerRequest request = ctx.request();
    if (tracing != null) {
      trace(ctx);
    }
    if (declaredTooLarge(request)) {
      fail(ctx, api, ChainInterruption.error(413, RequestFailures.TOO_LARGE));
      return;
    }
    // Nothing may be read before the upstream request exists: the body is piped to it later.
    request.pause();
    List<Middleware> chain = api.chain();
    Future<Void> passed = chain.isEmpty() ? Future.succeededFuture()
        : (api.readsBody() ? readBody(ctx) : Future.<Void>succeededFuture()).compose(v -> runChain(chain, 0, ctx, false));
    passed.compose(v -> upstream.send(ctx, api.meters()))
        .compose(exchange -> api.buffersResponse() ? respond(ctx, api, exchange) : relay(ctx, api, exchange))
        .onFailure(cause -> fail(ctx, api, cause));
  }

  // Every answer ends the span, whether it came from the upstream, a plugin or a refusal.
  private void trace(RequestContext ctx) {
    HttpServerRequest request = ctx.request();
    var def = ctx.api();
    RequestSpan span = tracing.startRequest(request, def.apiId(), def.name(), def.orgId(), def.proxy().listenPath());
    ctx.span(span);
    HttpServerResponse response = request.response();
    response.bodyEndHandler(v -> span.end(response.getStatusCode()));
  }

  private Future<Void> relay(RequestContext ctx, LoadedApi api, Exchange exchange) {
    upstream.relay(ctx, exchange, api.meters());
    return Future.succeededFuture();
  }

  // The answer is held whole while the response chain works on it, then sent as the chain left it.
  private Future<Void> respond(RequestContext ctx, LoadedApi api, Exchange exchange) {
    return UpstreamForwarder.readWhole(exchange).compose(answer -> {
      ctx.answer(answer);
      return runChain(api.chain(), 0, ctx, true);
    }).map(v -> {
      HttpServerResponse response = ctx.request().response();
      if (!response.headWritten() && !response.closed()) {
        UpstreamAnswer answer = ctx.answer();
        response.setStatusCode(answer.status());
        response.headers().addAll(answer.headers());
        api.meters().request(answer.status());
        response.end(answer.body());
      }
      return null;
    });
  }

  private void fail(RequestContext ctx, LoadedApi api, Throwable cause) {
    failures.answer(ctx, api.meters(), cause);
  }

  // Runs the request side of every middleware, or the response side of those that handle
  // responses, in chain order from {@code start}; fails with the first failure.
  private static Future<Void> runChain(List<Middleware> chain, int start, RequestContext ctx, boolean response) {
    for (int i = start; i < chain.size(); i++) {
      if (response && !chain.get(i).handlesResponse()) {
        continue;
      }
      Future<Void> step = invoke(chain.get(i), ctx, response);
      if (!step.isComplete()) {
        int next = i + 1;
        return step.compose(v -> runChain(chain, next, ctx, response));
      }
      if (step.failed()) {
        return step;
      }
    }
    return Future.succeededFuture();
  }

  // A middleware that throws instead of failing its future must not escape the pipeline.
  private static Future<Void> invoke(Middleware middleware, RequestContext ctx, boolean response) {
    MiddlewareSpan span = span(middleware, ctx, response);
    Future<Void> result;
    try {
      result = response ? middleware.onResponse(ctx) : middleware.onRequest(ctx);
      if (result == null) {
        result = Future.failedFuture(new IllegalStateException(middleware.id() + " returned no future"));
      }
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    return span == null ? result : result.andThen(ar -> {
      if (ar.succeeded()) {
        span.passed();
      } else {
        span.stopped(ar.cause() instanceof ChainInterruption stop ? stop.status() : 0, ar.cause().getMessage());
      }
    });
  }

  // The step's span with detailed_tracing on a sampled request; null otherwise (one check when off).
  private static MiddlewareSpan span(Middleware middleware, RequestContext ctx, boolean response) {
    RequestSpan request = ctx.span();
    if (request == null || !ctx.api().detailedTracing() || middleware.tracesItself() || !request.recording()) {
      return null;
    }
    return request.middleware(response ? middleware.id() + " (response)" : middleware.id());
  }

  // Plugins see the whole body: read it (bounded) and let the chain work on a copy of the request.
  private Future<Void> readBody(RequestContext ctx) {
    HttpServerRequest request = ctx.request();
    if (request.isEnded() || framedEmpty(request)) {
      // Nothing to wait for: the chain starts now rather than when the (empty) end arrives.
      request.resume();
      ctx.materialize(Buffer.buffer());
      return Future.succeededFuture();
    }
    long limit = maxBodySize > 0 ? maxBodySize : MAX_HOOK_BODY;
    Promise<Void> done = Promise.promise();
    Buffer body = Buffer.buffer();
    request.handler(chunk -> {
      if (body.length() + chunk.length() > limit) {
        request.handler(null);
        done.tryFail(ChainInterruption.error(413, RequestFailures.TOO_LARGE));
        return;
      }
      body.appendBuffer(chunk);
    });
    request.exceptionHandler(done::tryFail);
    request.endHandler(v -> {
      ctx.materialize(body);
      done.tryComplete();
    });
    request.resume();
    return done.future();
  }

  // An HTTP/1.x request without Transfer-Encoding whose Content-Length is absent or 0 has no body
  // (RFC 9112 section 6.3); HTTP/2 says so with the end of its stream, which isEnded shows.
  private static boolean framedEmpty(HttpServerRequest request) {
    if (request.version() == HttpVersion.HTTP_2 || request.headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
      return false;
    }
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    return length == null || length.trim().equals("0");
  }

  private boolean declaredTooLarge(HttpServerRequest request) {
    if (maxBodySize <= 0) {
      return false;
    }
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length == null) {
      return false;
    }
    try {
      return Long.parseLong(length.trim()) > maxBodySize;
    } catch (NumberFormatException e) {
      return true;
    }
  }
}
