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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The Python worker processes and the calls waiting for them. A call goes to an idle worker; when
 * every worker is busy, a small call may be written behind the running one ({@code depth} calls per
 * worker at most), so the worker finds it in its buffer when it finishes; otherwise it waits in the
 * queue, at most until its deadline. Calls on different workers run in parallel. Deadlines are
 * swept every few milliseconds: a worker still running a call at its deadline is killed; a worker
 * that dies (killed, {@code os._exit}, a signal) fails only the call it was running, the calls
 * written behind it go back to the head of the queue, and it is replaced at once.
 *
 * <p>Nothing here blocks an event loop. The pool's state (queue, workers, their calls) is guarded
 * by the pool's lock, which only threads of the pool take: its own thread ({@link TaskThread}), which
 * a call from an event loop is handed to and which sweeps the deadlines; the workers' reader
 * threads, which settle a reply where it is read and write the next queued call to their worker;
 * and the lifecycle threads. Small frames are written at once ({@link PythonWorker#sendSoon}: the
 * few written ahead of a worker's answer fit in its pipe), larger ones by each worker's writer thread; starting and killing
 * processes runs on lifecycle threads, one task per process, so a slow start or kill holds up
 * neither the event loops nor the other workers.
 */
final class WorkerPool implements PythonWorker.Listener {

  private static final System.Logger LOG = System.getLogger(WorkerPool.class.getName());
  /** Pause before starting again a worker that died before it was ready (a broken interpreter). */
  private static final long RETRY_MILLIS = 1000;
  /** How often deadlines are checked. */
  private static final long SWEEP_MILLIS = 20;
  /** How long a worker may run a call whose caller was already answered (it timed out while queued). */
  private static final long ORPHAN_GRACE_MILLIS = 1000;

  /** Starts the worker process with a given number (blocking); it reads nothing until {@link PythonWorker#listen}. */
  interface Launcher {
    PythonWorker launch(int number, PythonWorker.Listener listener) throws IOException;
  }

  private final int depth;
  private final Launcher launcher;
  private final Counter restarts;
  private final ExecutorService lifecycle = Executors.newCachedThreadPool(r -> {
    Thread thread = new Thread(r, "coproxy-python-lifecycle");
    thread.setDaemon(true);
    return thread;
  });
  private final TaskThread owner = new TaskThread("coproxy-python-pool", SWEEP_MILLIS, () -> locked(this::sweep));
  /** The pool's state: guarded by the pool's lock (see the class comment). */
  private final PythonWorker[] workers;
  private final long[] startAtMillis;
  private final Deque<Pending> queue = new ArrayDeque<>();
  private volatile int ready;
  private volatile boolean closed;

  /** @param depth calls written to one worker at most (1: no pipelining) */
  WorkerPool(int size, int depth, Launcher launcher, Counter restarts) {
    this.workers = new PythonWorker[size];
    this.startAtMillis = new long[size];
    this.depth = depth;
    this.launcher = launcher;
    this.restarts = restarts;
  }

  /** Starts every worker; they report ready on their own. */
  void start() {
    onPool(() -> {
      for (int i = 0; i < workers.length; i++) {
        launch(i);
      }
    });
  }

  /** How many workers are up and have said they are ready. */
  int readyWorkers() {
    return ready;
  }

  /** Runs a frame on a worker; the future fails with a {@link HookFailure} on timeout or death. Never blocks. */
  Future<Frame> submit(Frame frame, long deadlineMillis) {
    if (closed) {
      return Future.failedFuture(new HookFailure(HookFailure.Reason.UNAVAILABLE, "python: the driver is stopped"));
    }
    Pending call = new Pending(frame, deadlineMillis);
    onPool(() -> {
      if (closed) {
        call.fail(new HookFailure(HookFailure.Reason.UNAVAILABLE, "python: the driver is stopped"));
        return;
      }
      queue.add(call);
      drain();
    });
    return call.future();
  }

  @Override
  public void ready(PythonWorker worker) {
    locked(() -> {
      countReady();
      drain();
    });
  }

  @Override
  public void answered(PythonWorker worker, Frame reply) {
    locked(() -> {
      if (workers[worker.number() - 1] != worker) {
        return; // replaced: its calls were failed or queued again
      }
      Pending call = worker.calls.poll();
      Pending next = worker.calls.peek();
      if (next != null) {
        next.startsRunning(System.currentTimeMillis(), ORPHAN_GRACE_MILLIS);
      }
      if (call != null) {
        call.complete(reply);
      }
      drain();
    });
  }

  @Override
  public void exited(PythonWorker worker, String why) {
    locked(() -> {
      if (workers[worker.number() - 1] != worker) {
        return; // already replaced (killed at a deadline)
      }
      Pending call = worker.calls.peek();
      if (!closed) {
        LOG.log(Level.WARNING, "python worker " + worker.number() + " stopped (" + why + ")"
            + (call == null ? "" : " during a call") + "; starting a new one");
      }
      requeueBehind(worker);
      replace(worker, worker.ready());
      if (call != null) {
        call.fail(new HookFailure(HookFailure.Reason.ERROR, "python: worker " + worker.number() + " died during the call (" + why + ")"));
      }
      drain();
    });
  }

  // Holding the pool's lock: hands queued calls to workers, as long as one can take the next call.
  private void drain() {
    Pending call;
    long now = System.currentTimeMillis();
    while ((call = queue.peek()) != null) {
      if (call.settled() || call.deadlineMillis <= now) {
        queue.poll(); // never written: a call whose deadline passed would otherwise start its worker's kill timer behind it
        call.fail(new HookFailure(HookFailure.Reason.TIMEOUT, "python: no worker was free before the deadline"));
        continue;
      }
      boolean small = call.frame.size() <= PythonWorker.INLINE_BYTES;
      PythonWorker worker = leastBusy(small);
      if (worker == null) {
        return;
      }
      queue.poll();
      worker.calls.add(call);
      worker.sendSoon(call.frame);
    }
  }

  // An idle worker, else (small calls only) the least busy one below depth; a large frame only
  // goes to an idle worker, and nothing is written behind it.
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

  // On the pool's thread, holding its lock, every few milliseconds: deadlines, and workers due to start again.
  private void sweep() {
    long now = System.currentTimeMillis();
    for (Iterator<Pending> it = queue.iterator(); it.hasNext(); ) {
      Pending call = it.next();
      if (call.deadlineMillis <= now || call.settled()) {
        it.remove();
        call.fail(new HookFailure(HookFailure.Reason.TIMEOUT, "python: no worker was free before the deadline"));
      }
    }
    boolean replaced = false;
    for (PythonWorker worker : workers) {
      if (worker == null || worker.calls.isEmpty()) {
        continue;
      }
      Pending running = worker.calls.peek();
      if (running.killAtMillis <= now) {
        LOG.log(Level.WARNING, "python worker " + worker.number() + " was still running a call at its deadline: killed, starting a new one");
        requeueBehind(worker);
        replace(worker, true);
        running.fail(new HookFailure(HookFailure.Reason.TIMEOUT, "python: the call ran past its deadline; its worker was killed and is being replaced"));
        replaced = true;
        continue;
      }
      // Calls written behind the running one: their callers are answered at their deadline.
      worker.calls.stream().skip(1).filter(call -> call.deadlineMillis <= now)
          .forEach(call -> call.fail(new HookFailure(HookFailure.Reason.TIMEOUT, "python: no worker was free before the deadline")));
    }
    for (int i = 0; i < workers.length; i++) {
      if (startAtMillis[i] != 0 && startAtMillis[i] <= now) {
        launch(i);
      }
    }
    if (replaced) {
      drain();
    }
  }

  // The calls written behind the running one go back to the head of the queue.
  private void requeueBehind(PythonWorker worker) {
    List<Pending> behind = new ArrayList<>(worker.calls);
    worker.calls.clear();
    for (int i = behind.size() - 1; i >= 1; i--) {
      if (!behind.get(i).settled()) {
        queue.addFirst(behind.get(i));
      }
    }
  }

  // Takes the worker out of the pool at once; its process is killed and a new one started off this thread.
  private void replace(PythonWorker worker, boolean now) {
    int index = worker.number() - 1;
    workers[index] = null;
    countReady();
    offOwner(worker::kill, worker::kill);
    if (closed) {
      return;
    }
    restarts.increment();
    if (now) {
      launch(index);
    } else {
      startAtMillis[index] = System.currentTimeMillis() + RETRY_MILLIS;
    }
  }

  // Starts the worker of a slot on a lifecycle thread; the pool records it before it can hear from it.
  private void launch(int index) {
    startAtMillis[index] = 0;
    if (closed) {
      return;
    }
    offOwner(() -> {
      PythonWorker worker;
      try {
        worker = launcher.launch(index + 1, this);
      } catch (IOException | RuntimeException e) {
        LOG.log(Level.ERROR, "python worker " + (index + 1) + " cannot start: " + e.getMessage() + "; trying again in 1 s");
        locked(() -> startAtMillis[index] = System.currentTimeMillis() + RETRY_MILLIS);
        return;
      }
      locked(() -> launched(index, worker));
      worker.listen();
    }, () -> { });
  }

  private void launched(int index, PythonWorker worker) {
    if (closed || workers[index] != null) {
      worker.kill(); // closed meanwhile: the lifecycle threads are gone, and nothing else runs here any more
      return;
    }
    workers[index] = worker;
  }

  private void countReady() {
    int count = 0;
    for (PythonWorker worker : workers) {
      if (worker != null && worker.ready()) {
        count++;
      }
    }
    ready = count;
  }

  // Runs a task on the pool's thread, holding the pool's lock.
  private void onPool(Runnable task) {
    owner.post(() -> locked(task));
  }

  // Runs a task on this thread (the pool's, a reader's or a lifecycle thread: never an event loop), holding the pool's lock.
  private synchronized void locked(Runnable task) {
    task.run();
  }

  // On a lifecycle thread; once the pool is closed, on the caller's thread.
  private void offOwner(Runnable task, Runnable whenClosed) {
    try {
      lifecycle.execute(task);
    } catch (RejectedExecutionException e) {
      whenClosed.run();
    }
  }

  /**
   * Kills every worker and fails what is still queued or running (blocking: it waits for processes
   * being started and for the pool's thread to end; called off the event loops).
   */
  void close() {
    closed = true;
    onPool(() -> {
      List<Pending> waiting = new ArrayList<>(queue);
      queue.clear();
      for (int i = 0; i < workers.length; i++) {
        if (workers[i] != null) {
          waiting.addAll(workers[i].calls);
          workers[i].calls.clear();
          offOwner(workers[i]::kill, workers[i]::kill);
          workers[i] = null;
        }
      }
      ready = 0;
      waiting.forEach(call -> call.fail(new HookFailure(HookFailure.Reason.UNAVAILABLE, "python: the driver stopped")));
    });
    try {
      // Processes still starting finish and are killed by launched(), on their lifecycle thread.
      lifecycle.shutdown();
      lifecycle.awaitTermination(10, TimeUnit.SECONDS);
      owner.stopAndWait(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
