package dev.coproxy.coprocess;

import io.vertx.core.Future;

/**
 * One language driver as the gateway wires it. The gateway deploys every module in turn and knows
 * nothing else about them: each decides from the config whether it runs, deploys its
 * {@link DriverVerticle}s, registers its health check and what it does after a reload.
 */
public interface DriverModule {

  /**
   * Deploys the driver if the config uses it; a module the config leaves off succeeds with nothing
   * deployed. A failure stops start-up ({@code dev.coproxy.config.ConfigException} for a config
   * that cannot work).
   */
  Future<Void> deploy(DriverSetup setup);
}
