package dev.coproxy.config;

/**
 * A configuration value that cannot work. The message always starts with the key (dotted path) so
 * that one log line tells the user what to fix.
 */
public final class ConfigException extends RuntimeException {

  private final String key;

  public ConfigException(String key, String problem) {
    super(key + ": " + problem, null, false, false);
    this.key = key;
  }

  /** The dotted path of the offending key, e.g. {@code coprocess_options.hook_timeout_ms}. */
  public String key() {
    return key;
  }
}
