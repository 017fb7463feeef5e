package dev.coproxy.coprocess;

import java.lang.System.Logger.Level;

/** The log level a plugin names in {@code tyk.log} / {@code TykGateway.log}, as the gateway logs it. */
public final class PluginLogLevel {

  private PluginLogLevel() {
  }

  /** debug, warning and error map to their levels; anything else (info included) is INFO. */
  public static Level of(String name) {
    return switch (name) {
      case "debug" -> Level.DEBUG;
      case "error" -> Level.ERROR;
      case "warning" -> Level.WARNING;
      default -> Level.INFO;
    };
  }
}
