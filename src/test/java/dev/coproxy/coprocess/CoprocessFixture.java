package dev.coproxy.coprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.coproxy.bus.EventAddresses;
import dev.coproxy.policy.Policies;
import dev.coproxy.proto.MiniRequestObject;
import dev.coproxy.proto.ResponseObject;
import dev.coproxy.testing.Apis;
import dev.coproxy.testing.ScriptedDriver;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One real gateway with coprocess enabled, a real echoing upstream, a {@link ScriptedDriver} named
 * {@code test} on the real event-bus path, and a recorder of the events the fan-out publishes on
 * {@code coproxy.events} (kept as {@code {"event", "api_id", "org_id", "meta"}}). Shared by the tests of a class; each test uses its own API ids,
 * listen paths and hook names.
 */
final class CoprocessFixture implements AutoCloseable {

  static final String DRIVER = "test";

  final TestGateway gw;
  final Upstream upstream;
  final ScriptedDriver driver;
  final List<JsonObject> events = new CopyOnWriteArrayList<>();

  private CoprocessFixture(TestGateway gw, Upstream upstream, ScriptedDriver driver) throws Exception {
    this.gw = gw;
    this.upstream = upstream;
    this.driver = driver;
    gw.vertx.eventBus().<JsonObject>consumer(EventAddresses.EVENTS, m -> {
      JsonObject message = m.body().getJsonObject("message");
      JsonObject spec = m.body().getJsonObject("spec");
      events.add(new JsonObject().put("event", message.getString("Type")).put("api_id", spec.getString("APIID"))
          .put("org_id", spec.getString("OrgID")).put("meta", message.getJsonObject("Meta")));
    }).completion().await(10, TimeUnit.SECONDS);
  }

  /** A gateway with {@code enable_coprocess: true} plus the given coprocess options. */
  static CoprocessFixture start(JsonObject coprocessOptions) throws Exception {
    return start(coprocessOptions, new JsonObject());
  }

  /** As {@link #start(JsonObject)}, with other top-level config keys too. */
  static CoprocessFixture start(JsonObject coprocessOptions, JsonObject config) throws Exception {
    return start(coprocessOptions, config, Policies.of(Map.of()));
  }

  /** As {@link #start(JsonObject, JsonObject)}, with these policies for sessions to name. */
  static CoprocessFixture start(JsonObject coprocessOptions, JsonObject config, Policies policies) throws Exception {
    JsonObject options = new JsonObject().put("enable_coprocess", true).mergeIn(coprocessOptions);
    // Keys here are about hooks and sessions, not access rights: master keys are allowed (allow_master_keys).
    TestGateway gw = TestGateway.start(new JsonObject().put("allow_master_keys", true).mergeIn(config).put("coprocess_options", options),
        Map.of(), policies);
    Upstream upstream = Upstream.start(gw.vertx);
    return new CoprocessFixture(gw, upstream, ScriptedDriver.deploy(gw.vertx, DRIVER));
  }

  static CoprocessFixture start() throws Exception {
    return start(new JsonObject());
  }

  // ---- API definitions ----

  /** A keyless API on {@code /<id>/} to the echoing upstream, with the given custom_middleware. */
  JsonObject keyless(String id, JsonObject customMiddleware) {
    return Apis.keyless(id, "/" + id + "/", upstream.url("/")).put("custom_middleware", customMiddleware);
  }

  /** A token-auth API on {@code /<id>/} with the given custom_middleware. */
  JsonObject protectedApi(String id, JsonObject customMiddleware) {
    return Apis.protectedApi(id, "/" + id + "/", upstream.url("/")).put("custom_middleware", customMiddleware);
  }

  /** {@code custom_middleware} with the test driver and no hooks yet. */
  static JsonObject middleware() {
    return new JsonObject().put("driver", DRIVER);
  }

  /** A hook list entry. */
  static JsonObject hook(String name) {
    return new JsonObject().put("name", name);
  }

  /** A hook list of entries by name. */
  static JsonArray hooks(String... names) {
    JsonArray out = new JsonArray();
    for (String name : names) {
      out.add(hook(name));
    }
    return out;
  }

  /** Writes the API and reloads; fails the test when the reload reports an error. */
  void deploy(JsonObject api) throws Exception {
    gw.writeApi(api.getString("api_id") + ".json", api);
    JsonObject answer = gw.reload();
    assertEquals(new JsonArray(), answer.getJsonArray("errors"), answer.encodePrettily());
  }

  /** Writes the API and reloads; returns the reload's errors. */
  JsonArray deployWithErrors(JsonObject api) throws Exception {
    gw.writeApi(api.getString("api_id") + ".json", api);
    return gw.reload().getJsonArray("errors");
  }

  /** Stores a key through the Gateway API. */
  void createKey(String key, JsonObject session) throws Exception {
    TestGateway.Reply reply = gw.admin(HttpMethod.POST, "/tyk/keys/" + key, session.encode());
    assertEquals(200, reply.status(), reply.text());
  }

  // ---- calls ----

  TestGateway.Reply call(HttpMethod method, String uri) throws Exception {
    return gw.call(method, uri, Map.of(), null);
  }

  TestGateway.Reply call(HttpMethod method, String uri, Map<String, String> headers, String body) throws Exception {
    return gw.call(method, uri, headers, body);
  }

  /** Sends raw bytes; headers may repeat a name (each entry is added). */
  TestGateway.Reply send(HttpMethod method, String uri, List<Map.Entry<String, String>> headers, Buffer body) throws Exception {
    RequestOptions options = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(gw.port()).setURI(uri);
    headers.forEach(h -> options.addHeader(h.getKey(), h.getValue()));
    // On an event loop, as TestGateway.call does, so that the answer cannot be missed.
    Promise<TestGateway.Reply> reply = Promise.promise();
    gw.vertx.getOrCreateContext().runOnContext(v -> gw.client.request(options)
        .compose(req -> body == null ? req.send() : req.send(body))
        .compose(resp -> resp.body().map(b -> new TestGateway.Reply(resp.statusCode(), resp.headers(), b)))
        .onComplete(reply));
    return reply.future().await(20, TimeUnit.SECONDS);
  }

  /** The last request the upstream received. */
  JsonObject lastUpstream() {
    return upstream.received.get(upstream.received.size() - 1);
  }

  // ---- scripts ----

  /** A script that edits the request of the received object. */
  static UnaryOperator<dev.coproxy.proto.Object> request(Consumer<MiniRequestObject.Builder> edit) {
    return o -> {
      MiniRequestObject.Builder request = o.getRequest().toBuilder();
      edit.accept(request);
      return o.toBuilder().setRequest(request).build();
    };
  }

  /** A script that edits the response of the received object. */
  static UnaryOperator<dev.coproxy.proto.Object> response(Consumer<ResponseObject.Builder> edit) {
    return o -> {
      ResponseObject.Builder response = o.getResponse().toBuilder();
      edit.accept(response);
      return o.toBuilder().setResponse(response).build();
    };
  }

  // ---- metrics and polling ----

  /** The value of a Prometheus sample whose labels include all the given ones, or 0 when absent. */
  double metric(String name, Map<String, String> labels) throws Exception {
    String text = gw.call(HttpMethod.GET, "/metrics", Map.of(), null).text();
    Pattern line = Pattern.compile("^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE);
    Matcher m = line.matcher(text);
    double sum = 0;
    while (m.find()) {
      String found = m.group(1);
      if (labels.entrySet().stream().allMatch(l -> found.contains(l.getKey() + "=\"" + l.getValue() + "\""))) {
        sum += Double.parseDouble(m.group(2));
      }
    }
    return sum;
  }

  /** Events of one type fired for one API. */
  List<JsonObject> events(String type, String apiId) {
    return events.stream().filter(e -> type.equals(e.getString("event")) && apiId.equals(e.getString("api_id"))).toList();
  }

  /** Polls until the condition holds, failing after the timeout. */
  static void eventually(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("timed out waiting for " + what);
      }
      TimeUnit.MILLISECONDS.sleep(20);
    }
  }

  @Override
  public void close() throws Exception {
    upstream.close();
    gw.close();
  }
}
