package dev.coproxy.coprocess;

/**
 * A driver instance on an event loop cannot run a call there (it may block, or it ran past the
 * loop's time budget): {@link DriverVerticle} hands the call to the driver's worker instances on
 * the shared address. Nothing of the call has taken effect.
 */
public final class RunElsewhere extends RuntimeException {

  public RunElsewhere() {
    super("runs on a worker instance", null, false, false);
  }
}
