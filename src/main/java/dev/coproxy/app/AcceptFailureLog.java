package dev.coproxy.app;

import dev.coproxy.log.RateLimitedLog;
import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import java.util.logging.Filter;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Keeps a gateway out of descriptors from flooding its log. When the process has no file
 * descriptor left, each attempt to accept a connection fails with EMFILE ("Too many open files").
 * Netty then stops accepting on that port for a second and tries again (with NIO and with native
 * epoll alike), so the gateway recovers by itself as soon as connections close; but it also logs
 * every failure, with a stack trace. This filter drops those records and writes one line of its
 * own instead, once a minute at most, with the number of failures left out since the last line.
 */
final class AcceptFailureLog implements Filter {

  /** Where Netty reports an exception that no handler of the listening channel took. */
  private static final Logger NETTY_PIPELINE = Logger.getLogger("io.netty.channel.DefaultChannelPipeline");

  private final Filter previous;
  private final RateLimitedLog log = new RateLimitedLog(System.getLogger(AcceptFailureLog.class.getName()), TimeUnit.MINUTES.toMillis(1));

  private AcceptFailureLog(Filter previous) {
    this.previous = previous;
  }

  /** Installs the filter on Netty's logger; called once, by {@link Main}, before the servers start. */
  static void install() {
    NETTY_PIPELINE.setFilter(new AcceptFailureLog(NETTY_PIPELINE.getFilter()));
  }

  @Override
  public boolean isLoggable(LogRecord record) {
    if (!outOfDescriptors(record.getThrown())) {
      return previous == null || previous.isLoggable(record);
    }
    log.log(Level.WARNING, () -> "cannot accept connections: too many open files" + limit()
        + "; accepting resumes by itself as connections close (this line repeats once a minute at most)");
    return false;
  }

  private static boolean outOfDescriptors(Throwable thrown) {
    for (Throwable t = thrown; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains("Too many open files")) {
        return true;
      }
    }
    return false;
  }

  // The limit only: counting the open descriptors would need one more (to list /proc/self/fd).
  private static String limit() {
    try {
      if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
        return " (the process may open " + unix.getMaxFileDescriptorCount() + ")";
      }
    } catch (RuntimeException | InternalError e) {
      // Nothing more to say than the failure itself.
    }
    return "";
  }
}
