package dev.coproxy.coprocess.lua;

import dev.coproxy.coprocess.DriverModule;
import dev.coproxy.coprocess.DriverSetup;
import dev.coproxy.coprocess.DriverVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;

/**
 * Driver {@code lua} runs on its own worker pool, one thread per instance, so a slow plugin never
 * takes threads from the event loops or from Vert.x's shared worker pool. With
 * {@code lua_loop_instructions} above 0, one instance per event loop runs quick, pure hooks where
 * the request is, within that budget, and hands the others to the workers.
 */
public final class LuaModule implements DriverModule {

  @Override
  public Future<Void> deploy(DriverSetup setup) {
    if (!setup.coprocessEnabled()) {
      return Future.succeededFuture();
    }
    Vertx vertx = setup.vertx();
    int instances = setup.config().coprocess().luaInstances();
    long budget = setup.config().coprocess().luaLoopInstructions();
    boolean allowOs = setup.config().coprocess().luaAllowOs();
    LuaScripts scripts = new LuaScripts(setup.config().middlewarePath());
    LuaBundles bundles = new LuaBundles();
    setup.afterReload().accept(() -> vertx.executeBlocking(() -> {
      scripts.load();
      bundles.load();
      return null;
    }, false));
    setup.health().add(LuaDriver.NAME, () -> scripts.current().broken().isEmpty() ? null
        : "Lua scripts that do not compile: " + String.join(", ", scripts.current().broken().keySet()));
    return vertx.executeBlocking(scripts::load)
        .compose(s -> vertx.deployVerticle(() -> new DriverVerticle(new LuaDriver(scripts, bundles, allowOs, setup.store(), setup.events())),
            new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER).setInstances(instances)
                .setWorkerPoolName("coproxy-lua").setWorkerPoolSize(instances)))
        .compose(id -> budget == 0 ? Future.succeededFuture() : vertx.deployVerticle(
            () -> DriverVerticle.front(new LuaDriver(scripts, bundles, allowOs, setup.store(), setup.events(),
                new LuaDriver.Loop(budget, vertx)), setup.meters()),
            setup.perEventLoop()))
        .mapEmpty();
  }
}
