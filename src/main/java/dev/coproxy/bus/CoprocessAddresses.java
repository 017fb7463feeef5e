package dev.coproxy.bus;

/** Event-bus addresses and header names of the coprocess module. Per-request hops are local only. */
public final class CoprocessAddresses {

  /** Prefix of a driver's hook address: {@code coproxy.driver.<name>}. */
  public static final String DRIVER_PREFIX = "coproxy.driver.";
  /** Suffix of a driver's event address ({@code coproxy.driver.<name>.event}), JSON payload string. */
  public static final String EVENT_SUFFIX = ".event";
  /** Suffix of a driver's cancel address ({@code coproxy.driver.<name>.cancel}, published locally): a call id whose client left. */
  public static final String CANCEL_SUFFIX = ".cancel";
  /** Suffix of a driver's reload address ({@code coproxy.driver.<name>.reload}). */
  public static final String RELOAD_SUFFIX = ".reload";

  /** Header: the API the hook belongs to. */
  public static final String HEADER_API_ID = "api_id";
  /** Header: the hook's deadline as epoch milliseconds; a driver must not work past it. */
  public static final String HEADER_DEADLINE = "deadline";
  /** Header: the API's plugin directories, one per line; absent for the driver's default folder. */
  public static final String HEADER_PLUGIN_DIRS = "plugin_dirs";
  /** Header: an id for the call, unique in this process, that a cancel message names. */
  public static final String HEADER_CALL_ID = "call_id";
  /** Header: the W3C {@code traceparent} the plugin continues; absent when the request is not traced. */
  public static final String HEADER_TRACEPARENT = "traceparent";
  /** Header: the W3C {@code tracestate} passed on with it; absent when empty. */
  public static final String HEADER_TRACESTATE = "tracestate";

  private CoprocessAddresses() {
  }

  /** The plugin directories as a header value. */
  public static String joinDirs(java.util.List<String> dirs) {
    return String.join("\n", dirs);
  }

  /** The plugin directories of a header value (null or empty: none). */
  public static java.util.List<String> splitDirs(String header) {
    return header == null || header.isEmpty() ? java.util.List.of() : java.util.List.of(header.split("\n"));
  }

  /** The hook address of a driver. */
  public static String driver(String name) {
    return DRIVER_PREFIX + name;
  }
}
