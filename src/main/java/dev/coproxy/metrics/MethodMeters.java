package dev.coproxy.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.vertx.micrometer.Label;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The meters of one HTTP method on one side, each registered when Vert.x's own code would first
 * have registered it, then kept; the response meters are kept per status code.
 */
final class MethodMeters {

  /** Counted, timed and sized when a response ends. */
  record Responses(Counter count, Timer time, DistributionSummary bytes) {

    void record(long startNanos, long size) {
      count.increment();
      time.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
      bytes.record(size);
    }
  }

  final Once<LongAdder> active;
  /** Client side: requests sent, counted when they begin. */
  final Once<Counter> sent;
  final Once<DistributionSummary> requestBytes;
  /** Server side: requests reset by the peer. */
  final Once<Counter> resets;
  private final ByStatus<Responses> responses;
  /** A response that ended without its status having been seen: Vert.x labels it without a code. */
  private final Once<Responses> uncoded;

  MethodMeters(HttpSide side, String method) {
    Tags tags = HttpSide.NO_METHOD.equals(method) ? Tags.empty() : Tags.of(Label.HTTP_METHOD.toString(), method);
    var names = side.names;
    var text = side.text;
    active = new Once<>(() -> side.gauge(names.getHttpActiveRequests(), text.activeRequests(), tags));
    sent = new Once<>(() -> side.counter(names.getHttpRequestsCount(), text.requests(), tags));
    requestBytes = new Once<>(() -> side.summary(names.getHttpRequestBytes(), "Size of requests in bytes", tags));
    resets = new Once<>(() -> side.counter(names.getHttpRequestResetsCount(), "Number of request resets", tags));
    // The server counts its requests when they are answered; the client counts responses apart.
    String countName = side.text == HttpSide.SERVER ? names.getHttpRequestsCount() : names.getHttpResponsesCount();
    responses = new ByStatus<>(status -> responses(side, countName, tags.and(Label.HTTP_CODE.toString(), String.valueOf(status))));
    uncoded = new Once<>(() -> responses(side, countName, tags));
  }

  /** The response meters for {@code status}, or for no code when {@code status} is negative. */
  Responses responses(int status) {
    return status < 0 ? uncoded.get() : responses.get(status);
  }

  private static Responses responses(HttpSide side, String countName, Tags tags) {
    return new Responses(side.counter(countName, side.text.responses(), tags),
        side.timer(side.names.getHttpResponseTime(), side.text.responseTime(), tags),
        side.summary(side.names.getHttpResponseBytes(), "Size of responses in bytes", tags));
  }
}
