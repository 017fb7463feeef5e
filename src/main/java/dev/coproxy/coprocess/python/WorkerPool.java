package dev.coproxy.coprocess.python;

import dev.coproxy.coprocess.HookFailure;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The Python worker processes and the calls waiting for them. Each worker runs one call at a time;
 * calls on different workers run in parallel. A call waits in the queue at most until its
 * deadline. A call still running at its deadline gets its worker killed; a worker that dies
 * (killed, {@code os._exit}, a signal) fails only its own call and is replaced at once. Frames are
 * written outside the lock, never on an event loop.
 */
final class WorkerPool implements PythonWorker.Listener {

  private static final System.Logger LOG = System.getLogger(WorkerPool.class.getName());
  /** Pause before starting again a worker that died before it was ready (a broken interpreter). */
  private static final long RETRY_MILLIS = 1000;

  /** Starts the worker process with a given number. */
  interface Launcher {
    PythonWorker launch(int number, PythonWorker.Listener listener) throws IOException;
  }

  private final PythonWorker[] workers;
  private final Launcher launcher;
  private final Counter restarts;
  private final Deque<Pending> queue = new ArrayDeque<>();
  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread thread = new Thread(r, "coproxy-python-timer");
    thread.setDaemon(true);
    return thread;
  });
  private boolean closed;

  WorkerPool(int size, Launcher launcher, Counter restarts) {
    this.workers = new PythonWorker[size];
    this.launcher = launcher;
    this.restarts = restarts;
  }

  /** Starts every worker (they report ready on their own). */
  void start() {
    for (int i = 0; i < workers.length; i++) {
      spawn(i);
    }
  }

  /** Runs a frame on the next free worker; the future fails with a {@link HookFailure} on timeout or death. */
  Future<Frame> submit(Frame frame, long deadlineMillis) {
    Pending call = new Pending(frame, deadlineMillis);
    synchronized (this) {
      if (closed) {
        return Future.failedFuture(new HookFailure(HookFailure.Reason.UNAVAILABLE, "python: the driver is stopped"));
      }
      queue.add(call);
      call.timer = timers.schedule(() -> expire(call), Math.max(1, deadlineMillis - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
    }
    drain();
    return call.promise.future();
  }

  private void drain() {
    List<Pending> started = new ArrayList<>();
    List<Pending> late = new ArrayList<>();
    synchronized (this) {
      for (PythonWorker worker : workers) {
        if (worker == null || !worker.ready() || worker.current != null) {
          continue;
        }
        Pending call = queue.poll();
        // A call whose deadline passed while it waited is not worth a worker (it would be killed).
        while (call != null && call.deadlineMillis <= System.currentTimeMillis()) {
          late.add(call);
          call = queue.poll();
        }
        if (call == null) {
          break;
        }
        call.worker = worker;
        worker.current = call;
        started.add(call);
      }
    }
    late.forEach(call -> {
      call.timer.cancel(false);
      call.promise.tryFail(new HookFailure(HookFailure.Reason.TIMEOUT, "python: no worker was free before the deadline"));
    });
    for (Pending call : started) {
      try {
        call.worker.send(call.frame);
      } catch (IOException e) {
        // The worker is dying: its reader thread reports the exit, which fails this call.
      }
    }
  }

  private void expire(Pending call) {
    HookFailure failure;
    synchronized (this) {
      if (queue.remove(call)) {
        failure = new HookFailure(HookFailure.Reason.TIMEOUT, "python: no worker was free before the deadline");
      } else if (call.worker != null && call.worker.current == call) {
        PythonWorker worker = call.worker;
        worker.current = null;
        failure = new HookFailure(HookFailure.Reason.TIMEOUT, "python: the call ran past its deadline; worker "
            + worker.number() + " was killed and is being replaced");
        LOG.log(Level.WARNING, "python worker " + worker.number() + " was still running a call at its deadline: killed, starting a new one");
        replace(worker, true);
      } else {
        return;
      }
    }
    call.promise.tryFail(failure);
  }

  @Override
  public void ready(PythonWorker worker) {
    drain();
  }

  @Override
  public void answered(PythonWorker worker, Frame reply) {
    Pending call;
    synchronized (this) {
      call = worker.current;
      worker.current = null;
    }
    if (call != null) {
      call.timer.cancel(false);
      call.promise.tryComplete(reply);
    }
    drain();
  }

  @Override
  public void exited(PythonWorker worker, String why) {
    Pending call;
    synchronized (this) {
      if (workers[worker.number() - 1] != worker) {
        return; // already replaced (killed at a deadline)
      }
      call = worker.current;
      worker.current = null;
      if (!closed) {
        LOG.log(Level.WARNING, "python worker " + worker.number() + " stopped (" + why + ")"
            + (call == null ? "" : " during a call") + "; starting a new one");
      }
      replace(worker, worker.ready());
    }
    if (call != null) {
      call.timer.cancel(false);
      call.promise.tryFail(new HookFailure(HookFailure.Reason.ERROR, "python: worker " + worker.number() + " died during the call (" + why + ")"));
    }
  }

  // Called with the lock held.
  private void replace(PythonWorker worker, boolean now) {
    int index = worker.number() - 1;
    workers[index] = null;
    worker.kill();
    if (closed) {
      return;
    }
    restarts.increment();
    if (now) {
      timers.execute(() -> spawn(index));
    } else {
      timers.schedule(() -> spawn(index), RETRY_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  private void spawn(int index) {
    synchronized (this) {
      if (closed || workers[index] != null) {
        return;
      }
      try {
        workers[index] = launcher.launch(index + 1, this);
      } catch (IOException e) {
        LOG.log(Level.ERROR, "python worker " + (index + 1) + " cannot start: " + e.getMessage() + "; trying again in 1 s");
        timers.schedule(() -> spawn(index), RETRY_MILLIS, TimeUnit.MILLISECONDS);
      }
    }
  }

  /** Kills every worker and fails what is still queued. */
  void close() {
    List<Pending> waiting;
    synchronized (this) {
      closed = true;
      waiting = new ArrayList<>(queue);
      queue.clear();
      for (int i = 0; i < workers.length; i++) {
        if (workers[i] != null) {
          if (workers[i].current != null) {
            waiting.add(workers[i].current);
          }
          workers[i].kill();
          workers[i] = null;
        }
      }
    }
    timers.shutdownNow();
    waiting.forEach(call -> call.promise.tryFail(new HookFailure(HookFailure.Reason.UNAVAILABLE, "python: the driver stopped")));
  }
}
