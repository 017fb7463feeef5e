package dev.coproxy.coprocess;

import dev.coproxy.chain.RequestContext;
import io.vertx.core.MultiMap;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Coproxy's debug headers, written only for APIs with {@code coprocess_options.debug_headers} or
 * {@code custom_middleware.debug_headers} on: {@code X-Coproxy-Hooks} lists each hook that ran with
 * its time ({@code pre:MyPre=1.2ms,auth_check:MyAuth=0.8ms}), and an error answer caused by a hook
 * failure carries {@code X-Coproxy-Plugin-Error}
 * ({@code pre:MyPre driver=python file=middleware.py line=12: ZeroDivisionError: division by zero}).
 *
 * <p>The failure's file and line come from its message, where the drivers put them as compilers
 * do: {@code <driver>: <file>:<line>: <message>} (Python from the innermost frame in the plugin's
 * files, Lua from the error position); a failure without them (gRPC, timeouts) has none.
 */
final class DebugHeaders {

  static final String PLUGIN_ERROR = "X-Coproxy-Plugin-Error";
  static final String HOOKS = "X-Coproxy-Hooks";
  /** Longest header value written: a proxy or client may refuse longer header lines. */
  static final int MAX_LENGTH = 1024;

  private static final Pattern LOCATION = Pattern.compile("(\\S+?):(\\d+): (.*)");

  private DebugHeaders() {
  }

  /** Appends this hook's time to the answer's {@code X-Coproxy-Hooks}; runs once per call. */
  static void timed(RequestContext ctx, HookSpec hook, long nanos) {
    MultiMap headers = ctx.request().response().headers();
    String entry = safe(hook.key() + ":" + hook.name()) + String.format(Locale.ROOT, "=%.1fms", nanos / 1e6);
    String before = headers.get(HOOKS);
    // The list is bounded like the error header; hooks past the bound are left off.
    if (before == null) {
      headers.set(HOOKS, entry);
    } else if (before.length() + 1 + entry.length() <= MAX_LENGTH) {
      headers.set(HOOKS, before + "," + entry);
    }
  }

  /** The {@code X-Coproxy-Plugin-Error} value for a failure of {@code hook}: one line, bounded. */
  static String pluginError(HookSpec hook, HookFailure failure) {
    String text = String.valueOf(failure.getMessage());
    int newline = text.indexOf('\n');
    String first = (newline < 0 ? text : text.substring(0, newline)).strip();
    String prefix = hook.driver() + ": ";
    if (first.startsWith(prefix)) {
      first = first.substring(prefix.length());
    }
    first = safe(first);
    StringBuilder value = new StringBuilder(hook.key()).append(':').append(hook.name()).append(" driver=").append(hook.driver());
    Matcher location = LOCATION.matcher(first);
    if (location.matches()) {
      value.append(" file=").append(location.group(1)).append(" line=").append(location.group(2));
      first = location.group(3);
    }
    return bounded(safe(value.append(": ").append(first).toString()));
  }

  // A header value may not hold CR, LF or other controls; non-ASCII is not safe everywhere either.
  private static String safe(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      out.append(c == '\t' || c == '\r' || c == '\n' ? ' ' : c < 0x20 || c > 0x7e ? '?' : c);
    }
    return out.toString();
  }

  private static String bounded(String text) {
    return text.length() <= MAX_LENGTH ? text : text.substring(0, MAX_LENGTH - 3) + "...";
  }
}
