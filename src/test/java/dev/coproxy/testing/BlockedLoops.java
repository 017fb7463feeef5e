package dev.coproxy.testing;

import io.vertx.core.VertxOptions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Vert.x's blocked-thread checker set tight, and its warnings about event loops collected: a test
 * fails when {@link #warnings()} is not empty. The checker logs through JDK logging (Vert.x's
 * default backend, under {@value #LOGGER}); its warnings about worker threads are left out, since
 * those may block. The logger is the JVM's: warnings of any Vert.x instance alive in the test count.
 */
public final class BlockedLoops extends Handler implements AutoCloseable {

  /** The longest an event-loop task may run before the checker warns. */
  public static final long MAX_LOOP_MILLIS = 50;
  /** How often the checker looks. */
  private static final long CHECK_MILLIS = 10;
  private static final String LOGGER = "io.vertx.core.impl.BlockedThreadChecker";

  // Held here: JDK logging keeps loggers weakly, and a collected one would lose this handler.
  private final Logger logger = Logger.getLogger(LOGGER);
  private final List<String> warnings = new CopyOnWriteArrayList<>();

  private BlockedLoops() {
    logger.addHandler(this);
  }

  /** Starts collecting. */
  public static BlockedLoops watch() {
    return new BlockedLoops();
  }

  /** Sets the checker of a Vert.x about to be built to {@link #MAX_LOOP_MILLIS}, checked every few milliseconds. */
  public static void tighten(VertxOptions options) {
    options.setMaxEventLoopExecuteTime(MAX_LOOP_MILLIS).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
        .setBlockedThreadCheckInterval(CHECK_MILLIS).setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS)
        // With the stack of the blocked loop from the first warning on: it says what blocked.
        .setWarningExceptionTime(MAX_LOOP_MILLIS).setWarningExceptionTimeUnit(TimeUnit.MILLISECONDS);
  }

  /** The checker's warnings about event loops so far, each with the stack it saw. */
  public List<String> warnings() {
    return List.copyOf(warnings);
  }

  /**
   * Forgets the warnings so far. A test calls it once every path it checks has run: in a cold JVM
   * on two shared cores, loading the classes of a path on an event loop alone takes tens of
   * milliseconds, which is not the blocking a test looks for.
   */
  public void reset() {
    warnings.clear();
  }

  @Override
  public void publish(LogRecord record) {
    String message = String.valueOf(record.getMessage());
    if (message.contains("has been blocked for") && message.contains("vert.x-eventloop-thread")) {
      StringBuilder text = new StringBuilder(message);
      if (record.getThrown() != null) {
        for (StackTraceElement frame : record.getThrown().getStackTrace()) {
          text.append("\n  at ").append(frame);
        }
      }
      warnings.add(text.toString());
    }
  }

  @Override
  public void flush() {
  }

  @Override
  public void close() {
    logger.removeHandler(this);
  }
}
