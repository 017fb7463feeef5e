package dev.coproxy.coprocess.python;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.coproxy.coprocess.CoprocessDriver;
import dev.coproxy.coprocess.HookFailure;
import dev.coproxy.events.EventSink;
import dev.coproxy.session.KeyValueStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Driver {@code python}: Tyk's Python plugins on a pool of {@code python_workers} CPython processes
 * ({@link WorkerPool}), so hooks run in parallel and a crash or a hang costs one call, never the
 * gateway. Plugin code lives in an API's bundle directories, else in {@code <middleware_path>/python};
 * workers load it lazily per directory. A reload bumps a generation number that travels with each
 * call: a worker that sees a newer one drops its loaded code first, so nothing is renamed and no
 * call fails. Without a usable interpreter every hook fails as unavailable (500). Dispatch never
 * blocks and takes no lock: it hands the call to the pool's own thread, so it runs on the caller's
 * event loop, and the reply completes there. Only the start and the close block, and they run on
 * worker threads.
 */
public final class PythonDriver implements CoprocessDriver {

  /** The driver name APIs use. */
  public static final String NAME = "python";

  private static final System.Logger LOG = System.getLogger(PythonDriver.class.getName());
  /** How long an {@code @Event} handler may run. */
  private static final long EVENT_MILLIS = 5000;
  /** Calls written to one busy worker at most: the next one waits in its buffer, not in the queue. */
  private static final int PIPELINE_DEPTH = 2;

  private final String configuredInterpreter;
  private final int workers;
  private final String defaultDir;
  private final GatewayCallbacks callbacks;
  private final Counter restarts;
  private final AtomicLong generation = new AtomicLong(1);
  /** The running workers; null before they start and after the close. */
  private final AtomicReference<WorkerPool> pool = new AtomicReference<>();
  /** The unpacked runner, removed by whoever takes it at the close. */
  private final AtomicReference<RunnerFiles> runner = new AtomicReference<>();
  /** The start of the workers once asked for ({@link #startOnce}); null until then. */
  private final AtomicReference<Future<Void>> starting = new AtomicReference<>();
  private volatile String unavailable = "python: the driver has not started";
  /** Set by {@link #close}: workers that finish starting afterwards are stopped at once. */
  private volatile boolean closed;

  /**
   * @param interpreter {@code coprocess_options.python_interpreter}; blank picks one
   * @param workers {@code coprocess_options.python_workers}
   * @param middlewarePath the gateway's {@code middleware_path}
   */
  public PythonDriver(String interpreter, int workers, Path middlewarePath, KeyValueStore store, EventSink events, MeterRegistry meters) {
    this.configuredInterpreter = interpreter;
    this.workers = workers;
    this.defaultDir = middlewarePath.resolve("python").toAbsolutePath().normalize().toString();
    this.callbacks = new GatewayCallbacks(store, events);
    this.restarts = Counter.builder("coproxy.python.worker.restarts")
        .description("Python worker processes started again after they died or were killed at a deadline")
        .register(meters);
  }

  /**
   * Starts the workers on a worker thread, the first time it is called; later calls return the same
   * future. The gateway calls it at start when it has Python to run; otherwise the first Python call
   * or event does, and waits for it. Never blocks.
   */
  public Future<Void> startOnce(Vertx vertx) {
    Promise<Void> promise = Promise.promise();
    if (starting.compareAndSet(null, promise.future())) {
      vertx.<Void>executeBlocking(() -> {
        start();
        return null;
      }, false).onComplete(promise);
    }
    return starting.get();
  }

  /** Whether the workers were asked to start (they may still be starting). */
  public boolean started() {
    return starting.get() != null;
  }

  // What a call without workers waits for: their start, asked for now if nobody has (from the
  // caller's Vert.x context), or still running; null when there is nothing to wait for.
  private Future<Void> startBeforeFirstCall() {
    Future<Void> start = starting.get();
    if (start == null) {
      Context context = Vertx.currentContext();
      return context == null ? null : startOnce(context.owner());
    }
    return start.isComplete() ? null : start;
  }

  /**
   * Picks the interpreter, unpacks the runner and starts the workers (blocking; never fails). When
   * the driver is closed before or while they start, they are stopped at once and none is left.
   */
  public void start() {
    starting.compareAndSet(null, Future.succeededFuture());
    if (closed) {
      return;
    }
    Interpreters.Choice choice = Interpreters.choose(configuredInterpreter);
    if (choice.interpreter() == null) {
      unavailable = "python: no usable interpreter; tried " + choice.description();
      LOG.log(Level.ERROR, "driver python is unavailable, Python hooks will answer 500: no interpreter can import"
          + " google.protobuf (tried " + choice.description() + "); install python3-protobuf or set"
          + " coprocess_options.python_interpreter");
      return;
    }
    RunnerFiles files = RunnerFiles.unpack();
    runner.set(files);
    ProcessBuilder builder = new ProcessBuilder(choice.interpreter(), "-B", files.worker().toString(), files.descriptorSet().toString(), defaultDir);
    String path = System.getenv("PYTHONPATH");
    builder.environment().put("PYTHONPATH", files.directory() + (path == null || path.isEmpty() ? "" : ":" + path));
    builder.environment().put("COPROXY_PLUGIN_CACHE", files.lastGood().toString());
    WorkerPool started = new WorkerPool(workers, PIPELINE_DEPTH,
        (number, listener) -> PythonWorker.start(number, builder, listener, callbacks), restarts);
    started.start();
    pool.set(started);
    if (closed) {
      // Closed while they started: they must not outlive the driver. The close took them, or this does.
      stopAndRemove(pool.compareAndSet(started, null) ? started : null);
      return;
    }
    LOG.log(Level.INFO, "driver python: " + workers + " workers on " + choice.interpreter() + " (" + choice.description()
        + "), plugins in " + defaultDir + " or the API's bundle");
  }

  @Override
  public String name() {
    return NAME;
  }

  /** How many workers are ready now. */
  int readyWorkers() {
    WorkerPool current = pool.get();
    return current == null ? 0 : current.readyWorkers();
  }

  /** What keeps Python hooks from running, for {@code /hello}; null when at least one worker is ready. */
  public String problem() {
    WorkerPool current = pool.get();
    if (current == null) {
      return started() ? unavailable : null;
    }
    return current.readyWorkers() == 0 ? "python: no worker is ready (starting, or failing to start; see the log)" : null;
  }

  @Override
  public Future<dev.coproxy.proto.Object> dispatch(HookCall call) {
    WorkerPool current = pool.get();
    if (current == null) {
      Future<Void> start = startBeforeFirstCall();
      return start != null ? start.compose(v -> dispatch(call))
          : Future.failedFuture(new HookFailure(HookFailure.Reason.UNAVAILABLE, unavailable));
    }
    Frame frame = Frame.call(Frame.DISPATCH, generation.get(), call.deadlineMillis(), call.pluginDirs(), call.objectBytesWithTrace());
    return current.submit(frame, call.deadlineMillis()).compose(reply -> {
      if (reply.type() == Frame.FAILURE) {
        return Future.failedFuture(failure(reply));
      }
      try {
        return Future.succeededFuture(dev.coproxy.proto.Object.parseFrom(reply.body()));
      } catch (InvalidProtocolBufferException e) {
        return Future.failedFuture(new HookFailure(HookFailure.Reason.BAD_REPLY, "python: the worker's reply does not parse: " + e.getMessage()));
      }
    });
  }

  @Override
  public Future<Void> dispatchEvent(String payload) {
    return dispatchEvent(payload, List.of());
  }

  @Override
  public Future<Void> dispatchEvent(String payload, List<String> pluginDirs) {
    WorkerPool current = pool.get();
    if (current == null) {
      Future<Void> start = startBeforeFirstCall();
      return start != null ? start.compose(v -> dispatchEvent(payload, pluginDirs)) : Future.failedFuture(unavailable);
    }
    long deadline = System.currentTimeMillis() + EVENT_MILLIS;
    Frame frame = Frame.call(Frame.EVENT, generation.get(), deadline, pluginDirs, payload.getBytes(StandardCharsets.UTF_8));
    return current.submit(frame, deadline).compose(reply -> reply.type() == Frame.FAILURE
        ? Future.failedFuture(failure(reply).getMessage()) : Future.succeededFuture());
  }

  /** Makes every worker re-read plugin code before its next call; calls sent after this see the new code. */
  @Override
  public Future<Void> reload() {
    generation.incrementAndGet();
    callbacks.reloaded();
    return Future.succeededFuture();
  }

  /**
   * Stops the workers and removes the runner (blocking, off the event loops; idempotent: every
   * driver verticle instance may call it).
   */
  @Override
  public Future<Void> close() {
    closed = true;
    unavailable = "python: the driver is stopped";
    starting.compareAndSet(null, Future.succeededFuture());
    stopAndRemove(pool.getAndSet(null));
    return Future.succeededFuture();
  }

  private void stopAndRemove(WorkerPool stopped) {
    if (stopped != null) {
      stopped.close();
    }
    RunnerFiles files = runner.getAndSet(null);
    if (files != null) {
      files.delete();
    }
  }

  private static HookFailure failure(Frame reply) {
    JsonObject header = reply.json();
    String trace = header.getString("traceback", "");
    HookFailure.Reason reason = header.getBoolean("timeout", false) ? HookFailure.Reason.TIMEOUT : HookFailure.Reason.ERROR;
    // Where it failed first, as compilers write it: debug headers and log readers find it there.
    String file = header.getString("file");
    String where = file == null ? "" : file + ":" + header.getValue("line", "?") + ": ";
    return new HookFailure(reason, "python: " + where + header.getString("message", "the plugin failed")
        + (trace.isEmpty() ? "" : "\n" + trace));
  }
}
