package dev.coproxy.cluster;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * The sliding-window rate limit across nodes with batched counts. Per rate limit a node keeps a
 * view: the shared counts of the current and previous window as last seen, plus its own calls not
 * sent yet. While the view is fresh and the estimate is far from the rate, a call is decided and
 * counted locally; {@link #flush} (every {@link #FLUSH_MILLIS}) sends each view's calls as one
 * delta and refreshes the view from the new total. Near the limit, with a stale view, or for a
 * small rate, a call takes the exact path: both counters read (with this node's unsent calls
 * added), then one increment. Thread-safe: the event loops of a node share one instance.
 */
final class RateBatches {

  /** The shared counters, as the views use them. */
  interface Backend {
    /** Adds {@code delta} to a counter that lives {@code ttlMillis}; the new total. */
    Future<Long> add(String key, long delta, long ttlMillis);

    /** The counter's total (0 when absent). */
    Future<Long> read(String key);
  }

  static final long FLUSH_MILLIS = 25;
  /** A view older than this is not trusted for allowing a call. */
  static final long FRESH_MILLIS = 2 * FLUSH_MILLIS;
  /** Rates under this many calls per window and member always take the exact path. */
  static final int MIN_BATCHED_RATE_PER_MEMBER = 100;
  private static final long FORGET_MILLIS = 10_000;

  private static final class View {
    long windowMillis;
    long window;
    long current;
    long previous;
    long pending;
    long refreshedAt = Long.MIN_VALUE / 2;
    long lastUse;
  }

  private static final System.Logger LOG = System.getLogger(RateBatches.class.getName());

  private final Map<String, View> views = new ConcurrentHashMap<>();
  private final Backend backend;
  private final LongSupplier clock;
  private final IntSupplier members;

  RateBatches(Backend backend, LongSupplier clock, IntSupplier members) {
    this.backend = backend;
    this.clock = clock;
    this.members = members;
  }

  /** One call against {@code rate} per window: true when allowed (and then counted). */
  Future<Boolean> take(String name, double rate, long windowMillis, long now) {
    View view = views.computeIfAbsent(name, k -> new View());
    long window = now / windowMillis;
    double overlap = 1.0 - (now - window * windowMillis) / (double) windowMillis;
    long unsentCurrent = 0;
    long unsentPrevious = 0;
    synchronized (view) {
      if (views.get(name) != view) {
        return take(name, rate, windowMillis, now);
      }
      long at = clock.getAsLong();
      view.lastUse = at;
      if (view.windowMillis == windowMillis && view.window == window && at - view.refreshedAt <= FRESH_MILLIS) {
        double estimate = view.previous * overlap + view.current + view.pending;
        if (estimate >= rate) {
          // Counts only grow within a window: a fresh view over the rate is over it.
          return Future.succeededFuture(false);
        }
        int nodes = Math.max(1, members.getAsInt());
        double margin = rate / 4;
        if (rate >= MIN_BATCHED_RATE_PER_MEMBER * nodes && estimate + 1 <= rate - margin
            && view.pending < Math.max(1, (long) (margin / (4 * nodes)))) {
          view.pending++;
          return Future.succeededFuture(true);
        }
      }
      // Unsent calls of the two windows that matter go along; older ones no longer matter.
      if (view.windowMillis != windowMillis || view.window < window - 1) {
        view.pending = 0;
      } else if (view.window == window) {
        unsentCurrent = view.pending;
        view.pending = 0;
      } else if (view.window == window - 1) {
        unsentPrevious = view.pending;
        view.pending = 0;
      }
    }
    return exact(view, name, rate, windowMillis, window, overlap, unsentCurrent, unsentPrevious);
  }

  // Today's exact check, with this node's unsent calls sent along with the readings.
  private Future<Boolean> exact(View view, String name, double rate, long windowMillis, long window, double overlap,
      long unsentCurrent, long unsentPrevious) {
    String currentKey = name + "-" + window;
    String previousKey = name + "-" + (window - 1);
    long ttl = 2 * windowMillis;
    Future<Long> current = unsentCurrent > 0 ? backend.add(currentKey, unsentCurrent, ttl) : backend.read(currentKey);
    Future<Long> previous = unsentPrevious > 0 ? backend.add(previousKey, unsentPrevious, ttl) : backend.read(previousKey);
    return Future.all(current, previous).compose(both -> {
      if (previous.result() * overlap + current.result() >= rate) {
        refresh(view, name, windowMillis, window, current.result(), previous.result());
        return Future.succeededFuture(false);
      }
      return backend.add(currentKey, 1, ttl).map(total -> {
        refresh(view, name, windowMillis, window, total, previous.result());
        return true;
      });
    });
  }

  private void refresh(View view, String name, long windowMillis, long window, long current, long previous) {
    long leftOver = 0;
    long leftOverWindow = 0;
    synchronized (view) {
      if (view.windowMillis != windowMillis || view.window < window) {
        leftOver = view.pending;
        leftOverWindow = view.window;
        view.windowMillis = windowMillis;
        view.window = window;
        view.current = current;
        view.previous = previous;
        view.pending = 0;
      } else if (view.window == window) {
        view.current = Math.max(view.current, current);
        view.previous = Math.max(view.previous, previous);
      } else {
        return;
      }
      view.refreshedAt = clock.getAsLong();
    }
    if (leftOver > 0) {
      // Calls counted locally in a window the view just left still belong to that window.
      backend.add(name + "-" + leftOverWindow, leftOver, 2 * windowMillis);
    }
  }

  private void seen(View view, long windowMillis, long window, long total) {
    synchronized (view) {
      if (view.windowMillis == windowMillis && view.window == window) {
        view.current = Math.max(view.current, total);
        view.refreshedAt = clock.getAsLong();
      }
    }
  }

  /** Sends each view's unsent calls as one delta and refreshes the view; forgets idle views. */
  Future<Void> flush() {
    long at = clock.getAsLong();
    List<Future<Long>> sent = new ArrayList<>();
    views.forEach((name, view) -> {
      synchronized (view) {
        if (view.pending == 0) {
          if (at - view.lastUse > Math.max(FORGET_MILLIS, 2 * view.windowMillis)) {
            views.remove(name, view);
          }
          return;
        }
        long delta = view.pending;
        long window = view.window;
        long windowMillis = view.windowMillis;
        view.pending = 0;
        sent.add(backend.add(name + "-" + window, delta, 2 * windowMillis)
            .onSuccess(total -> seen(view, windowMillis, window, total))
            .onFailure(e -> LOG.log(System.Logger.Level.WARNING, "rate counter " + name + ": " + delta + " calls not counted: " + e)));
      }
    });
    return Future.join(sent).mapEmpty();
  }
}
