package dev.coproxy.plugintest;

import java.nio.file.Path;
import java.util.Set;

/**
 * The arguments of {@code plugin test}, checked together: a local driver needs {@code --plugins},
 * the gRPC driver {@code --server}, never both.
 *
 * @param plugins null for the gRPC driver
 * @param server null for the local drivers
 */
record TestArguments(String driver, Path plugins, String server, String hook, String hookType, Path request, long timeoutMillis) {

  static TestArguments parse(String[] args, Set<String> drivers, Set<String> hookTypes) throws BadInput {
    if (args.length == 0 || !args[0].equals("test")) {
      throw new BadInput("unknown plugin command" + (args.length == 0 ? "" : " " + args[0]));
    }
    String driver = null;
    String plugins = null;
    String server = null;
    String hook = null;
    String hookType = "pre";
    String request = null;
    String timeout = "5000";
    for (int i = 1; i < args.length; i += 2) {
      String option = args[i];
      if (i + 1 >= args.length) {
        throw new BadInput(option.startsWith("--") ? option + " needs a value" : "unknown argument " + option);
      }
      String value = args[i + 1];
      switch (option) {
        case "--driver" -> driver = value;
        case "--plugins" -> plugins = value;
        case "--server" -> server = value;
        case "--hook" -> hook = value;
        case "--hook-type" -> hookType = value;
        case "--request" -> request = value;
        case "--timeout" -> timeout = value;
        default -> throw new BadInput("unknown argument " + option);
      }
    }
    if (driver == null || !drivers.contains(driver)) {
      throw new BadInput(driver == null ? "--driver is required" : "--driver " + driver + " is not one of " + String.join(", ", new java.util.TreeSet<>(drivers)));
    }
    boolean grpc = driver.equals("grpc");
    if (grpc ? server == null || plugins != null : plugins == null || server != null) {
      throw new BadInput(grpc ? "--driver grpc needs --server TARGET (the plugin server), not --plugins"
          : "--driver " + driver + " needs --plugins DIR_OR_BUNDLE, not --server");
    }
    if (hook == null || hook.isBlank()) {
      throw new BadInput("--hook NAME is required");
    }
    if (!hookTypes.contains(hookType)) {
      throw new BadInput("--hook-type " + hookType + " is not one of pre, auth_check, post_key_auth, post, response");
    }
    if (request == null) {
      throw new BadInput("--request FILE is required");
    }
    long timeoutMillis;
    try {
      timeoutMillis = Long.parseLong(timeout);
    } catch (NumberFormatException e) {
      timeoutMillis = 0;
    }
    if (timeoutMillis < 1) {
      throw new BadInput("--timeout must be a number of milliseconds above 0, got " + timeout);
    }
    return new TestArguments(driver, plugins == null ? null : Path.of(plugins), server, hook, hookType, Path.of(request), timeoutMillis);
  }
}
