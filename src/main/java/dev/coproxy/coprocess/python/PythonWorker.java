package dev.coproxy.coprocess.python;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One CPython worker process running {@code coproxy_worker.py}, with three daemon threads of its
 * own: one writes the frames handed to {@link #send} to its stdin, in order, one frame per write;
 * one reads its frames (stdout); one reads its log output (stderr, logged tagged with the worker
 * number). A full pipe or a worker that stopped reading therefore only holds up this worker's
 * writer, never the caller of {@code send}, an event loop or another worker. What a frame means is
 * the {@link Listener}'s business; callbacks are answered by {@link GatewayCallbacks}.
 */
final class PythonWorker {

  private static final System.Logger LOG = System.getLogger(PythonWorker.class.getName());
  /** Frames up to this size may be written behind a running call (see {@link WorkerPool}). */
  static final int INLINE_BYTES = 16 * 1024;

  /** What the pool hears from a worker; called on the worker's reader thread. */
  interface Listener {
    void ready(PythonWorker worker);

    void answered(PythonWorker worker, Frame reply);

    void exited(PythonWorker worker, String why);
  }

  private final int number;
  private final Process process;
  private final OutputStream stdin;
  private final Listener listener;
  private final GatewayCallbacks callbacks;
  private final TaskThread writer;
  /** Held while a frame is written, by the writer thread or by a pool thread ({@link #sendSoon}). */
  private final ReentrantLock stdinLock = new ReentrantLock();
  /** Frames handed to the writer and not yet written. */
  private final AtomicInteger queuedWrites = new AtomicInteger();
  private volatile boolean ready;
  /** The calls written to this worker, the running one first; guarded by the pool's lock. */
  final ArrayDeque<Pending> calls = new ArrayDeque<>(2);

  private PythonWorker(int number, Process process, Listener listener, GatewayCallbacks callbacks) {
    this.number = number;
    this.process = process;
    this.stdin = process.getOutputStream();
    this.listener = listener;
    this.callbacks = callbacks;
    this.writer = new TaskThread("coproxy-python-" + number + "-stdin");
  }

  /**
   * Starts a worker process (blocking: a process start) and its writer; it reads nothing until
   * {@link #listen}, so its owner can record it before it hears anything from it.
   */
  static PythonWorker start(int number, ProcessBuilder builder, Listener listener, GatewayCallbacks callbacks) throws IOException {
    return new PythonWorker(number, builder.start(), listener, callbacks);
  }

  /** Starts reading the worker's frames and log. */
  void listen() {
    Thread frames = new Thread(this::readFrames, "coproxy-python-" + number);
    Thread logs = new Thread(this::readLog, "coproxy-python-" + number + "-stderr");
    frames.setDaemon(true);
    logs.setDaemon(true);
    frames.start();
    logs.start();
  }

  int number() {
    return number;
  }

  boolean ready() {
    return ready;
  }

  /** The worker's process id. */
  long pid() {
    return process.pid();
  }

  /** Hands one frame to the writer; never waits. */
  void send(Frame frame) {
    queuedWrites.incrementAndGet();
    writer.post(() -> {
      stdinLock.lock();
      try {
        write(frame);
      } finally {
        stdinLock.unlock();
        queuedWrites.decrementAndGet();
      }
    });
  }

  /**
   * For the pool's threads (never an event loop): writes a small frame at once when nothing waits
   * for the writer and no other thread is writing (a try, never a wait for the lock), else hands it
   * to the writer. The pool writes at most {@code depth} frames of this size to a worker before it
   * answers, and the pipe's buffer (64 KiB) holds them all, so the write does not wait even while
   * the worker runs a hook and reads nothing; the hand-over to the writer thread is saved.
   */
  void sendSoon(Frame frame) {
    if (frame.size() <= INLINE_BYTES && queuedWrites.get() == 0 && stdinLock.tryLock()) {
      try {
        write(frame);
      } finally {
        stdinLock.unlock();
      }
      return;
    }
    send(frame);
  }

  // Holding stdinLock.
  private void write(Frame frame) {
    try {
      stdin.write(frame.encode());
      stdin.flush();
    } catch (IOException e) {
      // The worker is gone: its reader thread reports the exit, which fails its calls.
    }
  }

  /**
   * Kills the process and anything it started (blocking: listing its descendants reads /proc),
   * and ends the writer.
   */
  void kill() {
    writer.stop();
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  /**
   * The JDK already buffers a process's output: a second buffer over it made every refill a pipe
   * read plus an {@code available()} check (an fstat and an ioctl), since the inner stream reads
   * straight from the pipe into a large request and asks whether more is waiting when it gets less.
   */
  static InputStream frameStream(InputStream output) {
    return output instanceof java.io.BufferedInputStream ? output : new java.io.BufferedInputStream(output, 64 * 1024);
  }

  private void readFrames() {
    String why;
    try (DataInputStream in = new DataInputStream(frameStream(process.getInputStream()))) {
      while (true) {
        Frame frame = Frame.readFrom(in);
        switch (frame.type()) {
          case Frame.READY -> {
            ready = true;
            LOG.log(Level.DEBUG, "python worker " + number + " ready: " + frame.json().encode());
            listener.ready(this);
          }
          case Frame.REPLY, Frame.FAILURE -> listener.answered(this, frame);
          case Frame.CALLBACK -> callbacks.answer(number, frame.json(), this::send);
          case Frame.NOTIFY -> callbacks.notify(number, frame.json());
          default -> throw new IOException("unknown frame type " + (char) frame.type());
        }
      }
    } catch (EOFException e) {
      why = exitDescription();
    } catch (IOException | RuntimeException e) {
      kill();
      why = "its channel broke (" + e.getMessage() + "); " + exitDescription();
    }
    writer.stop();
    listener.exited(this, why);
  }

  private String exitDescription() {
    try {
      if (!process.waitFor(2, TimeUnit.SECONDS)) {
        kill();
        process.waitFor(2, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (process.isAlive()) {
      return "it closed its channel";
    }
    int code = process.exitValue();
    return code > 128 ? "killed by signal " + (code - 128) : "exit status " + code;
  }

  private void readLog() {
    try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = err.readLine()) != null) {
        LOG.log(Level.INFO, "python worker " + number + ": " + line);
      }
    } catch (IOException e) {
      // The process is gone.
    }
  }
}
