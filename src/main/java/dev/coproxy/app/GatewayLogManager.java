package dev.coproxy.app;

import java.util.logging.LogManager;

/**
 * The JDK log manager, except that it keeps its handlers at JVM shutdown: the JDK resets logging in
 * a shutdown hook of its own, which would silence the gateway's drain messages on SIGTERM. Chosen
 * with {@code -Djava.util.logging.manager}, which {@link Main} sets before anything logs.
 */
public final class GatewayLogManager extends LogManager {

  @Override
  public void reset() {
    if (!shuttingDown()) {
      super.reset();
    }
  }

  // Runtime.addShutdownHook refuses new hooks once shutdown has begun: that is how we can tell.
  private static boolean shuttingDown() {
    try {
      Thread probe = new Thread(() -> { });
      Runtime.getRuntime().addShutdownHook(probe);
      Runtime.getRuntime().removeShutdownHook(probe);
      return false;
    } catch (IllegalStateException e) {
      return true;
    }
  }
}
