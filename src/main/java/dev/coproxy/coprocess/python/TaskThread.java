package dev.coproxy.coprocess.python;

import java.lang.System.Logger.Level;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A daemon thread of its own that runs the tasks handed to it one at a time, in the order given,
 * and optionally a periodic tick between them. Handing a task over never waits: it is a lock-free
 * queue insert and a wake-up, so event loops may do it. The state a task touches needs no lock when
 * only tasks of one such thread touch it (the worker pool's state, one worker's stdin).
 */
final class TaskThread {

  private static final System.Logger LOG = System.getLogger(TaskThread.class.getName());

  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final Thread thread;
  private final long tickNanos;
  private final Runnable tick;
  private volatile boolean stopped;

  /** A thread without tick. */
  TaskThread(String name) {
    this(name, 0, null);
  }

  /** @param tick run every {@code tickMillis} between tasks; null for none */
  TaskThread(String name, long tickMillis, Runnable tick) {
    this.tickNanos = TimeUnit.MILLISECONDS.toNanos(tickMillis);
    this.tick = tick;
    this.thread = new Thread(this::run, name);
    thread.setDaemon(true);
    thread.start();
  }

  /** Runs {@code task} on this thread after the tasks handed over before it; ignored once stopped. */
  void post(Runnable task) {
    tasks.add(task);
    LockSupport.unpark(thread);
  }

  /** Whether the caller is this thread. */
  boolean isCurrent() {
    return Thread.currentThread() == thread;
  }

  /** Ends the thread once the tasks handed over so far have run. */
  void stop() {
    stopped = true;
    LockSupport.unpark(thread);
  }

  /** {@link #stop}, then waits (blocking) up to {@code millis} for the thread to end. */
  void stopAndWait(long millis) throws InterruptedException {
    stop();
    thread.join(millis);
  }

  private void run() {
    long nextTick = System.nanoTime() + tickNanos;
    while (true) {
      Runnable task;
      while ((task = tasks.poll()) != null) {
        safely(task);
      }
      if (stopped) {
        return;
      }
      if (tick == null) {
        LockSupport.park(this);
        continue;
      }
      long now = System.nanoTime();
      if (now - nextTick >= 0) {
        safely(tick);
        nextTick = now + tickNanos;
      }
      // Woken early by post(); a spurious wake-up only loops once more.
      LockSupport.parkNanos(this, Math.max(0, nextTick - System.nanoTime()));
    }
  }

  private void safely(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, thread.getName() + ": a task failed", e);
    }
  }
}
