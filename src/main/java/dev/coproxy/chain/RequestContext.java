package dev.coproxy.chain;

import dev.coproxy.api.ApiDefinition;
import dev.coproxy.api.ApiVersion;
import dev.coproxy.api.UpstreamTarget;
import dev.coproxy.session.Session;
import dev.coproxy.tracing.RequestSpan;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;

/**
 * The state of one request while it goes through an API's chain: the request, the API, and what
 * the chain learnt (the token, the key's session). When a middleware needs to change the request
 * (a plugin hook), the request is first "materialised": method, path, query, headers and the whole
 * body are copied here, changed here, and the upstream request is built from this copy. Lives on
 * one event loop; not shared.
 */
public final class RequestContext {

  private final HttpServerRequest request;
  private final ApiDefinition api;
  private final long startNanos;
  private String token;
  private String sessionId;
  private Session session;
  private boolean materialized;
  private HttpMethod method;
  private String path;
  private String pathWithVersion;
  private String query;
  private MultiMap headers;
  private Buffer body;
  private UpstreamAnswer answer;
  private ApiVersion version;
  private String requestedVersion = "";
  private boolean ignored;
  private UpstreamTarget targetOverride;
  private long upstreamTimeoutMillis;
  private RequestSpan span;
  private Runnable clientGone;
  private boolean watchingClient;

  public RequestContext(HttpServerRequest request, ApiDefinition api, long startNanos) {
    this.request = request;
    this.api = api;
    this.startNanos = startNanos;
  }

  /** The request's server span, or null when tracing is off. */
  public RequestSpan span() {
    return span;
  }

  /**
   * Set once by the pipeline when tracing is on. A client that leaves before its answer is written
   * ends the span too, marked as abandoned: the answer's end never comes.
   */
  public void span(RequestSpan span) {
    this.span = span;
    watchClient();
  }

  /**
   * Runs {@code action} when the client goes away (connection closed, HTTP/2 stream reset) before
   * it was answered; null stops watching. One action at a time: the last one set wins.
   */
  public void onClientGone(Runnable action) {
    clientGone = action;
    if (action != null) {
      watchClient();
    }
  }

  // The response has one close handler: this context owns it, for the span and for one action.
  private void watchClient() {
    if (watchingClient) {
      return;
    }
    watchingClient = true;
    request.response().closeHandler(v -> {
      if (request.response().ended()) {
        return;
      }
      if (clientGone != null) {
        clientGone.run();
      }
      if (span != null) {
        span.abandon();
      }
    });
  }

  public HttpServerRequest request() {
    return request;
  }

  /** The definition of the API the request was routed to. */
  public ApiDefinition api() {
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

  /** Copies the request into this context so that middleware can change it; body may be null. */
  public void materialize(Buffer requestBody) {
    method = request.method();
    path = request.path();
    query = request.query();
    headers = MultiMap.caseInsensitiveMultiMap().addAll(request.headers());
    body = requestBody;
    materialized = true;
  }

  /** True when the upstream request is built from this context rather than from the request. */
  public boolean materialized() {
    return materialized;
  }

  public HttpMethod method() {
    return materialized ? method : request.method();
  }

  public void method(HttpMethod method) {
    this.method = method;
  }

  /** The (raw) request path, listen path included. */
  public String path() {
    return materialized ? path : request.path();
  }

  public void path(String path) {
    this.path = path;
    this.pathWithVersion = null;
  }

  /**
   * Removes the version segment from the path the upstream gets (materialised first). Endpoint
   * patterns still see the path with it ({@link #matchPath}), as Tyk matches before it strips.
   */
  public void stripVersion(String stripped) {
    String before = path();
    path(stripped);
    pathWithVersion = before;
  }

  /**
   * The path endpoint patterns (path lists, size limits, hard timeouts, allowed URLs) are matched
   * against: the request path, with its version segment even once stripped, until something else
   * (a plugin) sets the path.
   */
  public String matchPath() {
    return pathWithVersion != null ? pathWithVersion : path();
  }

  /** The raw query, or null. */
  public String query() {
    return materialized ? query : request.query();
  }

  public void query(String query) {
    this.query = query == null || query.isEmpty() ? null : query;
  }

  /** The request headers to send upstream (a copy once materialised). */
  public MultiMap headers() {
    return materialized ? headers : request.headers();
  }

  /** The whole request body, or null when it streams from the client. */
  public Buffer body() {
    return body;
  }

  public void body(Buffer body) {
    this.body = body;
  }

  /** The buffered upstream answer while response middleware runs, else null. */
  public UpstreamAnswer answer() {
    return answer;
  }

  public void answer(UpstreamAnswer answer) {
    this.answer = answer;
  }

  /** The API version this request uses (set by the version check), or null. */
  public ApiVersion version() {
    return version;
  }

  /**
   * Records the version check's result.
   *
   * @param requested the version name as the request gave it (empty when it gave none)
   */
  public void version(ApiVersion version, String requested) {
    this.version = version;
    this.requestedVersion = requested;
  }

  /** The version name as the request gave it; empty when it gave none (or the API is not versioned). */
  public String requestedVersion() {
    return requestedVersion;
  }

  /**
   * True when the path is on the version's {@code ignored} list (Tyk's "OK and ignore" status):
   * auth and the session checks let the request through without a key.
   */
  public boolean ignored() {
    return ignored;
  }

  public void ignore() {
    this.ignored = true;
  }

  /** The upstream to use instead of the API's {@code target_url} (a version's override), or null. */
  public UpstreamTarget targetOverride() {
    return targetOverride;
  }

  public void targetOverride(UpstreamTarget target) {
    this.targetOverride = target;
  }

  /** This request's upstream timeout in milliseconds (an endpoint's hard timeout); 0 = the gateway's. */
  public long upstreamTimeoutMillis() {
    return upstreamTimeoutMillis;
  }

  public void upstreamTimeoutMillis(long millis) {
    this.upstreamTimeoutMillis = millis;
  }
}
