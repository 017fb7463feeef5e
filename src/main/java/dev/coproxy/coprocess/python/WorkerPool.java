package dev.coproxy.coprocess.python;

import dev.coproxy.coprocess.HookFailure;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The Python worker processes and the calls waiting for them. A call goes to an idle worker; when
 * every worker is busy, a small call may be written behind the running one ({@code depth} calls per
 * worker at most), so the worker finds it in its buffer when it finishes; otherwise it waits in the
 * queue, at most until its deadline. Calls on different workers run in parallel. One timer sweeps
 * the deadlines: a worker still running a call at its deadline is killed; a worker that dies
 * (killed, {@code os._exit}, a signal) fails only the call it was running, the calls written behind
 * it go back to the head of the queue, and it is replaced at once. Small frames are written under
 * the lock, straight from the caller (an event loop): the worker has at most {@code depth} small
 * frames unread, far below a pipe's capacity, so the write never waits. Larger frames only go to an
 * idle worker and are written by {@link PythonWorker#send}, off the event loop.
 */
final class WorkerPool implements PythonWorker.Listener {

  private static final System.Logger LOG = System.getLogger(WorkerPool.class.getName());
  /** Pause before starting again a worker that died before it was ready (a broken interpreter). */
  private static final long RETRY_MILLIS = 1000;
  /** How often deadlines are checked. */
  private static final long SWEEP_MILLIS = 20;
  /** How long a worker may run a call whose caller was already answered (it timed out while queued). */
  private static final long ORPHAN_GRACE_MILLIS = 1000;

  /** Starts the worker process with a given number. */
  interface Launcher {
    PythonWorker launch(int number, PythonWorker.Listener listener) throws IOException;
  }

  private final PythonWorker[] workers;
  private final int depth;
  private final Launcher launcher;
  private final Counter restarts;
  private final Deque<Pending> queue = new ArrayDeque<>();
  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread thread = new Thread(r, "coproxy-python-timer");
    thread.setDaemon(true);
    return thread;
  });
  private boolean closed;

  /** @param depth calls written to one worker at most (1: no pipelining) */
  WorkerPool(int size, int depth, Launcher launcher, Counter restarts) {
    this.workers = new PythonWorker[size];
    this.depth = depth;
    this.launcher = launcher;
    this.restarts = restarts;
  }

  /** Starts every worker (they report ready on their own) and the deadline sweep. */
  void start() {
    for (int i = 0; i < workers.length; i++) {
      spawn(i);
    }
    timers.scheduleWithFixedDelay(this::sweep, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** How many workers are up and have said they are ready. */
  synchronized int readyWorkers() {
    int ready = 0;
    for (PythonWorker worker : workers) {
      if (worker != null && worker.ready()) {
        ready++;
      }
    }
    return ready;
  }

  /** Runs a frame on a worker; the future fails with a {@link HookFailure} on timeout or death. */
  Future<Frame> submit(Frame frame, long deadlineMillis) {
    Pending call = new Pending(frame, deadlineMillis);
    synchronized (this) {
      if (closed) {
        return Future.failedFuture(new HookFailure(HookFailure.Reason.UNAVAILABLE, "python: the driver is stopped"));
      }
      queue.add(call);
    }
    drain();
    return call.future();
  }

  private void drain() {
    List<Write> large = new ArrayList<>();
    synchronized (this) {
      Pending call;
      while ((call = queue.peek()) != null) {
        if (call.settled()) {
          queue.poll();
          continue;
        }
        PythonWorker worker = leastBusy(call.frame.size() <= PythonWorker.INLINE_BYTES);
        if (worker == null) {
          break;
        }
        queue.poll();
        worker.calls.add(call);
        if (call.frame.size() <= PythonWorker.INLINE_BYTES) {
          worker.write(call.frame);
        } else {
          large.add(new Write(worker, call.frame));
        }
      }
    }
    // Outside the lock: a large frame goes to an idle worker, and nothing is written behind it.
    large.forEach(write -> write.worker().send(write.frame()));
  }

  private record Write(PythonWorker worker, Frame frame) {
  }

  // Called with the lock held: an idle worker, else (small calls only) the least busy one below depth.
  private PythonWorker leastBusy(boolean small) {
    PythonWorker best = null;
    for (PythonWorker worker : workers) {
      if (worker == null || !worker.ready() || worker.calls.size() >= (small ? depth : 1)) {
        continue;
      }
      if (!worker.calls.isEmpty() && worker.calls.peekLast().frame.size() > PythonWorker.INLINE_BYTES) {
        continue;
      }
      if (best == null || worker.calls.size() < best.calls.size()) {
        best = worker;
      }
    }
    return best;
  }

  private void sweep() {
    long now = System.currentTimeMillis();
    List<Pending> late = new ArrayList<>();
    List<Pending> hung = new ArrayList<>();
    synchronized (this) {
      for (Iterator<Pending> it = queue.iterator(); it.hasNext(); ) {
        Pending call = it.next();
        if (call.deadlineMillis <= now || call.settled()) {
          it.remove();
          late.add(call);
        }
      }
      for (PythonWorker worker : workers) {
        if (worker == null || worker.calls.isEmpty()) {
          continue;
        }
        Pending running = worker.calls.peek();
        if (running.killAtMillis <= now) {
          hung.add(running);
          LOG.log(Level.WARNING, "python worker " + worker.number() + " was still running a call at its deadline: killed, starting a new one");
          requeueBehind(worker);
          replace(worker, true);
          continue;
        }
        // Calls written behind the running one: their callers are answered at their deadline.
        worker.calls.stream().skip(1).filter(call -> call.deadlineMillis <= now).forEach(late::add);
      }
    }
    late.forEach(call -> call.fail(new HookFailure(HookFailure.Reason.TIMEOUT, "python: no worker was free before the deadline")));
    hung.forEach(call -> call.fail(new HookFailure(HookFailure.Reason.TIMEOUT, "python: the call ran past its deadline; its worker was killed and is being replaced")));
    if (!hung.isEmpty()) {
      drain();
    }
  }

  // Called with the lock held: the calls written behind the running one go back to the head of the queue.
  private void requeueBehind(PythonWorker worker) {
    List<Pending> behind = new ArrayList<>(worker.calls);
    worker.calls.clear();
    for (int i = behind.size() - 1; i >= 1; i--) {
      if (!behind.get(i).settled()) {
        queue.addFirst(behind.get(i));
      }
    }
  }

  @Override
  public void ready(PythonWorker worker) {
    drain();
  }

  @Override
  public void answered(PythonWorker worker, Frame reply) {
    Pending call;
    synchronized (this) {
      call = worker.calls.poll();
      Pending next = worker.calls.peek();
      if (next != null && next.settled()) {
        next.killAtMillis = System.currentTimeMillis() + ORPHAN_GRACE_MILLIS;
      }
    }
    if (call != null) {
      call.complete(reply);
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
      call = worker.calls.peek();
      if (!closed) {
        LOG.log(Level.WARNING, "python worker " + worker.number() + " stopped (" + why + ")"
            + (call == null ? "" : " during a call") + "; starting a new one");
      }
      requeueBehind(worker);
      replace(worker, worker.ready());
    }
    if (call != null) {
      call.fail(new HookFailure(HookFailure.Reason.ERROR, "python: worker " + worker.number() + " died during the call (" + why + ")"));
    }
    drain();
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

  /** Kills every worker and fails what is still queued or running. */
  void close() {
    List<Pending> waiting;
    synchronized (this) {
      closed = true;
      waiting = new ArrayList<>(queue);
      queue.clear();
      for (int i = 0; i < workers.length; i++) {
        if (workers[i] != null) {
          waiting.addAll(workers[i].calls);
          workers[i].calls.clear();
          workers[i].kill();
          workers[i] = null;
        }
      }
    }
    timers.shutdownNow();
    waiting.forEach(call -> call.fail(new HookFailure(HookFailure.Reason.UNAVAILABLE, "python: the driver stopped")));
  }
}
