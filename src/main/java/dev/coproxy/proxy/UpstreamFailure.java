package dev.coproxy.proxy;

import io.vertx.core.http.HttpClientRequest;

/**
 * Why the exchange with an upstream failed, for {@link RequestFailures} to answer: the upstream
 * could not be reached or broke off (502), stayed silent past the proxy timeout (504), waited for a
 * body the client stopped sending (408), or the client's streamed body outgrew
 * {@code max_request_body_size} (413).
 */
final class UpstreamFailure extends RuntimeException {

  enum Kind { UNREACHABLE, TIMEOUT, CLIENT_STALLED, TOO_LARGE }

  private final Kind kind;
  private final transient HttpClientRequest upstream;

  /** @param upstream the upstream request to reset, or null when none was opened */
  UpstreamFailure(Kind kind, Throwable cause, HttpClientRequest upstream) {
    super(cause == null ? kind.name() : cause.getClass().getSimpleName() + ": " + cause.getMessage(), cause, false, false);
    this.kind = kind;
    this.upstream = upstream;
  }

  Kind kind() {
    return kind;
  }

  /** The upstream request, or null when none was opened. */
  HttpClientRequest upstream() {
    return upstream;
  }
}
