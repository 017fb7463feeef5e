package dev.coproxy.coprocess;

import dev.coproxy.chain.Middleware;
import dev.coproxy.chain.RequestContext;
import dev.coproxy.chain.UpstreamAnswer;
import dev.coproxy.proto.Header;
import dev.coproxy.proto.ResponseObject;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code response} hook (Tyk's section 7): sends the upstream response, held whole, to the
 * plugin and replaces it with the reply's status, headers and raw_body (with a matching
 * Content-Length). When the plugin changed the {@code headers} map, it is authoritative and
 * {@code multivalue_headers} are synchronised from it; otherwise the multivalue headers are used as
 * returned. A failed call, or a reply without a response, answers 500 {@code Middleware error}.
 */
final class ResponseHook implements Middleware {

  private final HookRunner runner;
  private final Map<String, String> spec;

  ResponseHook(HookRunner runner, Map<String, String> spec) {
    this.runner = runner;
    this.spec = spec;
  }

  @Override
  public String id() {
    return "coprocess_response:" + runner.hook().name();
  }

  @Override
  public boolean tracesItself() {
    return true;
  }

  @Override
  public Future<Void> onRequest(RequestContext ctx) {
    return Future.succeededFuture();
  }

  @Override
  public boolean handlesResponse() {
    return true;
  }

  @Override
  public Future<Void> onResponse(RequestContext ctx) {
    UpstreamAnswer answer = ctx.answer();
    dev.coproxy.proto.Object sent = ObjectBuilder.response(ctx, runner.hook(), spec, answer);
    return runner.callOnResponse(sent, ctx).transform(ar -> {
      if (ar.failed()) {
        return Future.failedFuture(CoprocessMiddleware.dispatchFailure(runner, (HookFailure) ar.cause(), 500, CoprocessMiddleware.MIDDLEWARE_ERROR));
      }
      dev.coproxy.proto.Object reply = ar.result();
      int status = reply.getResponse().getStatusCode();
      // A 1xx is not a final answer: the client would wait for another one forever.
      if (!reply.hasResponse() || status < 200 || status > 999) {
        HookFailure failure = runner.failed(new HookFailure(HookFailure.Reason.BAD_REPLY, reply.hasResponse()
            ? "the reply's response.status_code " + status + " is not the status of a final answer" : "the reply has no response message"));
        return Future.failedFuture(runner.refusal(failure, 500, CoprocessMiddleware.MIDDLEWARE_ERROR));
      }
      try {
        apply(answer, sent.getResponse(), reply.getResponse());
      } catch (HookFailure failure) {
        return Future.failedFuture(runner.refusal(runner.failed(failure), 500, CoprocessMiddleware.MIDDLEWARE_ERROR));
      }
      return Future.succeededFuture();
    });
  }

  private static void apply(UpstreamAnswer answer, ResponseObject sent, ResponseObject reply) {
    List<Header> multivalue = reply.getHeadersMap().equals(sent.getHeadersMap())
        ? reply.getMultivalueHeadersList() : synchronise(reply.getHeadersMap(), reply.getMultivalueHeadersList());
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    for (Header header : multivalue) {
      for (String value : header.getValuesList()) {
        HeaderRules.check("response headers", header.getKey(), value);
        headers.add(header.getKey(), value);
      }
    }
    byte[] body = reply.getRawBody().toByteArray();
    headers.remove("transfer-encoding");
    headers.set("Content-Length", Integer.toString(body.length));
    answer.headers(headers);
    answer.body(Buffer.buffer(body));
    answer.status(reply.getStatusCode());
  }

  /**
   * Makes {@code multivalue} agree with {@code headers}: a key in both gets its first value
   * replaced, a key only in {@code headers} gets one value, a key missing from it is dropped.
   */
  static List<Header> synchronise(Map<String, String> headers, List<Header> multivalue) {
    Map<String, Header> out = new LinkedHashMap<>();
    for (Header header : multivalue) {
      String value = headers.get(header.getKey());
      if (value == null) {
        continue;
      }
      List<String> values = new ArrayList<>(header.getValuesList());
      if (values.isEmpty()) {
        values.add(value);
      } else {
        values.set(0, value);
      }
      out.put(header.getKey(), Header.newBuilder().setKey(header.getKey()).addAllValues(values).build());
    }
    headers.forEach((key, value) -> out.computeIfAbsent(key, k -> Header.newBuilder().setKey(k).addValues(value).build()));
    return List.copyOf(out.values());
  }
}
