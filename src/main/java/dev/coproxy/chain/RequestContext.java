package dev.coproxy.chain;

import dev.coproxy.api.LoadedApi;
import dev.coproxy.session.Session;
import io.vertx.core.http.HttpServerRequest;

/**
 * The state of one request while it goes through an API's chain: the request, the API, and what
 * the chain learnt (the token, the key's session). Lives on one event loop; not shared.
 */
public final class RequestContext {

  private final HttpServerRequest request;
  private final LoadedApi api;
  private final long startNanos;
  private String token;
  private String sessionId;
  private Session session;

  public RequestContext(HttpServerRequest request, LoadedApi api, long startNanos) {
    this.request = request;
    this.api = api;
    this.startNanos = startNanos;
  }

  public HttpServerRequest request() {
    return request;
  }

  public LoadedApi api() {
    return api;
  }

  public long startNanos() {
    return startNanos;
  }

  /** The key the client presented, or null before auth or on keyless APIs. */
  public String token() {
    return token;
  }

  /** The id the session is stored under (the key, or its hash), or null. */
  public String sessionId() {
    return sessionId;
  }

  /** The session attached by auth, or null. */
  public Session session() {
    return session;
  }

  public void attachSession(String token, String sessionId, Session session) {
    this.token = token;
    this.sessionId = sessionId;
    this.session = session;
  }
}
