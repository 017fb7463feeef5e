package dev.coproxy.testing;

import dev.coproxy.coprocess.CoprocessDriver;
import dev.coproxy.coprocess.DriverVerticle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * An in-JVM driver for tests, reached through the same event-bus path and codec as the real
 * drivers. Each hook name has a script (object in, reply out); a hook without one echoes the object
 * unchanged. Every call and event is recorded.
 */
public final class ScriptedDriver implements CoprocessDriver {

  public final List<dev.coproxy.proto.Object> calls = new CopyOnWriteArrayList<>();
  public final List<String> events = new CopyOnWriteArrayList<>();
  private final String name;
  private final Map<String, Function<dev.coproxy.proto.Object, Future<dev.coproxy.proto.Object>>> scripts = new ConcurrentHashMap<>();

  public ScriptedDriver(String name) {
    this.name = name;
  }

  /** Deploys a driver with this name on the gateway's Vert.x. */
  public static ScriptedDriver deploy(Vertx vertx, String name) throws Exception {
    ScriptedDriver driver = new ScriptedDriver(name);
    vertx.deployVerticle(new DriverVerticle(driver)).await(10, TimeUnit.SECONDS);
    return driver;
  }

  /** Sets the reply of a hook, computed from the object it receives. */
  public ScriptedDriver on(String hookName, Function<dev.coproxy.proto.Object, dev.coproxy.proto.Object> script) {
    scripts.put(hookName, object -> Future.succeededFuture(script.apply(object)));
    return this;
  }

  /** Sets an asynchronous reply (for failures, delays and never-answering hooks). */
  public ScriptedDriver onAsync(String hookName, Function<dev.coproxy.proto.Object, Future<dev.coproxy.proto.Object>> script) {
    scripts.put(hookName, script);
    return this;
  }

  /** The calls made to one hook. */
  public List<dev.coproxy.proto.Object> callsTo(String hookName) {
    return calls.stream().filter(c -> c.getHookName().equals(hookName)).toList();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Future<dev.coproxy.proto.Object> dispatch(HookCall call) {
    calls.add(call.object());
    var script = scripts.get(call.object().getHookName());
    return script == null ? Future.succeededFuture(call.object()) : script.apply(call.object());
  }

  @Override
  public Future<Void> dispatchEvent(String payload) {
    events.add(payload);
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> reload() {
    return Future.succeededFuture();
  }
}
