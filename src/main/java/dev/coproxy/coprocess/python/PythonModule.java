package dev.coproxy.coprocess.python;

import dev.coproxy.config.GatewayConfig;
import dev.coproxy.coprocess.DriverModule;
import dev.coproxy.coprocess.DriverSetup;
import dev.coproxy.coprocess.DriverVerticle;
import io.vertx.core.Future;

/**
 * Driver {@code python}: one pool of CPython processes, shared by a driver verticle on every event
 * loop. Dispatch only hands a call to the pool's own thread, so a hook call never waits on its
 * loop; events, reloads and the closing run on worker threads. The workers start when the gateway
 * has Python to run (checked at start and after each reload); otherwise the first Python call or
 * event starts them.
 */
public final class PythonModule implements DriverModule {

  @Override
  public Future<Void> deploy(DriverSetup setup) {
    if (!setup.coprocessEnabled()) {
      return Future.succeededFuture();
    }
    GatewayConfig.CoprocessOptions options = setup.config().coprocess();
    PythonDriver driver = new PythonDriver(options.pythonInterpreter(), options.pythonWorkers(), setup.config().middlewarePath(),
        setup.store(), setup.events(), setup.meters());
    PythonStart start = new PythonStart(setup.vertx(), setup.apis(), setup.config().middlewarePath(), driver);
    setup.afterReload().accept(() -> start.ifNeeded().compose(v -> driver.reload()));
    setup.health().add(PythonDriver.NAME, driver::problem);
    return start.ifNeeded()
        .compose(v -> setup.vertx().deployVerticle(DriverVerticle.perEventLoop(driver), setup.perEventLoop()))
        .mapEmpty();
  }
}
