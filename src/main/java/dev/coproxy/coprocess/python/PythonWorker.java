package dev.coproxy.coprocess.python;

import io.vertx.core.Context;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * One CPython worker process running {@code coproxy_worker.py}. Two daemon threads of its own read
 * its frames (stdout) and its log output (stderr, logged tagged with the worker number); each frame
 * goes to its stdin in one write, under a lock. A frame larger than {@link #INLINE_BYTES} sent from
 * an event loop is written by the {@code offLoop} executor instead (the pipe may be too small for
 * it, and the write would wait for the worker to read). What a frame means is the
 * {@link Listener}'s business; callbacks are answered by {@link GatewayCallbacks}.
 */
final class PythonWorker {

  private static final System.Logger LOG = System.getLogger(PythonWorker.class.getName());
  /** Frames up to this size are written from any thread, event loops included. */
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
  private final Executor offLoop;
  private volatile boolean ready;
  /** The calls written to this worker, the running one first; guarded by the pool. */
  final ArrayDeque<Pending> calls = new ArrayDeque<>(2);

  private PythonWorker(int number, Process process, Listener listener, GatewayCallbacks callbacks, Executor offLoop) {
    this.number = number;
    this.process = process;
    this.stdin = process.getOutputStream();
    this.listener = listener;
    this.callbacks = callbacks;
    this.offLoop = offLoop;
  }

  /** Starts a worker process and its two reader threads. */
  static PythonWorker start(int number, ProcessBuilder builder, Listener listener, GatewayCallbacks callbacks, Executor offLoop)
      throws IOException {
    PythonWorker worker = new PythonWorker(number, builder.start(), listener, callbacks, offLoop);
    Thread frames = new Thread(worker::readFrames, "coproxy-python-" + number);
    Thread logs = new Thread(worker::readLog, "coproxy-python-" + number + "-stderr");
    frames.setDaemon(true);
    logs.setDaemon(true);
    frames.start();
    logs.start();
    return worker;
  }

  int number() {
    return number;
  }

  boolean ready() {
    return ready;
  }

  /** Sends one frame; a large one from an event loop is written by another thread. */
  void send(Frame frame) {
    if (frame.size() > INLINE_BYTES && Context.isOnEventLoopThread()) {
      offLoop.execute(() -> write(frame));
    } else {
      write(frame);
    }
  }

  /** Writes one frame on the calling thread, in one write. */
  void write(Frame frame) {
    byte[] bytes = frame.encode();
    try {
      synchronized (stdin) {
        stdin.write(bytes);
        stdin.flush();
      }
    } catch (IOException e) {
      // The worker is gone: its reader thread reports the exit, which fails its calls.
    }
  }

  /** Kills the process (and anything it started) at once. */
  void kill() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  private void readFrames() {
    String why;
    try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(process.getInputStream(), 64 * 1024))) {
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
