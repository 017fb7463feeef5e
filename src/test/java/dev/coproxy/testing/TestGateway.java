package dev.coproxy.testing;

import dev.coproxy.app.Gateway;
import dev.coproxy.app.Main;
import dev.coproxy.config.ConfigLoader;
import dev.coproxy.config.GatewayConfig;
import dev.coproxy.policy.Policies;
import dev.coproxy.session.LocalStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real gateway for integration tests: its own Vert.x with metrics, a temporary app_path, the
 * bundled defaults overlaid with the test's keys, a free port, and an HTTP client to call it.
 */
public final class TestGateway implements AutoCloseable {

  /** The Gateway API secret of test gateways. */
  public static final String SECRET = "test-secret";

  public final Vertx vertx;
  public final Gateway gateway;
  public final Path appPath;
  public final HttpClient client;
  public final PrometheusMeterRegistry meters;
  /** The event-loop warnings of the blocked-thread checker; null unless started {@link #startStrict strict}. */
  public final BlockedLoops blockedLoops;

  private TestGateway(Vertx vertx, Gateway gateway, Path appPath, PrometheusMeterRegistry meters, BlockedLoops blockedLoops) {
    this.vertx = vertx;
    this.gateway = gateway;
    this.appPath = appPath;
    this.meters = meters;
    this.blockedLoops = blockedLoops;
    this.client = vertx.createHttpClient();
  }

  /**
   * Starts a gateway.
   *
   * @param overrides config keys on top of the bundled defaults (listen_port defaults to 0 here)
   * @param apis API definitions to write into app_path before start, by file name
   */
  public static TestGateway start(JsonObject overrides, Map<String, JsonObject> apis) throws Exception {
    return start(overrides, apis, null, null);
  }

  /** As {@link #start(JsonObject, Map)}, with a fixed set of policies for the keys to name. */
  public static TestGateway start(JsonObject overrides, Map<String, JsonObject> apis, Policies policies) throws Exception {
    return start(overrides, apis, null, policies);
  }

  /**
   * Starts a gateway whose Vert.x warns about any event-loop task longer than
   * {@link BlockedLoops#MAX_LOOP_MILLIS}; the warnings are in {@link #blockedLoops}.
   */
  public static TestGateway startStrict(JsonObject overrides, Map<String, JsonObject> apis) throws Exception {
    return start(overrides, apis, BlockedLoops.watch(), null);
  }

  private static TestGateway start(JsonObject overrides, Map<String, JsonObject> apis, BlockedLoops blockedLoops,
      Policies policies) throws Exception {
    Path appPath = Files.createTempDirectory("coproxy-apps");
    for (Map.Entry<String, JsonObject> api : apis.entrySet()) {
      Files.writeString(appPath.resolve(api.getKey()), api.getValue().encodePrettily());
    }
    JsonObject json = ConfigLoader.bundledDefaults()
        .put("listen_port", 0)
        .put("secret", SECRET)
        .put("app_path", appPath.toString())
        .mergeIn(overrides, true);
    GatewayConfig config = GatewayConfig.from(json, false);
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx = Main.createVertx(config, meters, options -> {
      if (blockedLoops != null) {
        BlockedLoops.tighten(options);
      }
    });
    Gateway gateway = Gateway.start(vertx, config, meters, new LocalStore(), policies).await(30, TimeUnit.SECONDS);
    return new TestGateway(vertx, gateway, appPath, meters, blockedLoops);
  }

  public int port() {
    return gateway.port();
  }

  /** Sends a request to the traffic port and reads the whole answer. */
  public Reply call(HttpMethod method, String uri, Map<String, String> headers, String body) throws Exception {
    return call(port(), method, uri, headers, body);
  }

  /** Sends a Gateway API call with the secret. */
  public Reply admin(HttpMethod method, String uri, String body) throws Exception {
    return call(gateway.controlPort(), method, uri, Map.of("x-tyk-authorization", SECRET), body);
  }

  public Reply call(int port, HttpMethod method, String uri, Map<String, String> headers, String body) throws Exception {
    RequestOptions options = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(uri);
    headers.forEach(options::putHeader);
    // Runs on a Vert.x context: composed from this thread, a fast response could complete before
    // body() is attached, and its body would be lost (the call then hangs).
    Promise<Reply> reply = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> client.request(options)
        .compose(req -> body == null ? req.send() : req.send(Buffer.buffer(body)))
        .compose(resp -> resp.body().map(b -> new Reply(resp, b)))
        .onComplete(reply));
    return reply.future().await(20, TimeUnit.SECONDS);
  }

  /** Writes (or replaces) an API definition file in app_path. */
  public void writeApi(String file, JsonObject definition) throws IOException {
    Files.writeString(appPath.resolve(file), definition.encodePrettily(), StandardCharsets.UTF_8);
  }

  /** Reloads the APIs through the Gateway API and returns its answer. */
  public JsonObject reload() throws Exception {
    return admin(HttpMethod.GET, "/tyk/reload", null).json();
  }

  @Override
  public void close() throws Exception {
    gateway.stop().await(30, TimeUnit.SECONDS);
    vertx.close().await(30, TimeUnit.SECONDS);
    if (blockedLoops != null) {
      blockedLoops.close();
    }
  }

  /** A complete answer. */
  public record Reply(int status, io.vertx.core.MultiMap headers, Buffer body) {

    Reply(HttpClientResponse response, Buffer body) {
      this(response.statusCode(), response.headers(), body);
    }

    public JsonObject json() {
      return new JsonObject(body);
    }

    public String text() {
      return body.toString(StandardCharsets.UTF_8);
    }
  }
}
