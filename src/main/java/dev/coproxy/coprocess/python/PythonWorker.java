package dev.coproxy.coprocess.python;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * One CPython worker process running {@code coproxy_worker.py}. Two daemon threads of its own read
 * its frames (stdout) and its log output (stderr, logged tagged with the worker number); writes go
 * to its stdin under a lock. What a frame means is the {@link Listener}'s business; callbacks are
 * answered by {@link GatewayCallbacks}.
 */
final class PythonWorker {

  private static final System.Logger LOG = System.getLogger(PythonWorker.class.getName());

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
  private volatile boolean ready;
  /** The call running on this worker; guarded by the pool. */
  Pending current;

  private PythonWorker(int number, Process process, Listener listener, GatewayCallbacks callbacks) {
    this.number = number;
    this.process = process;
    this.stdin = new BufferedOutputStream(process.getOutputStream(), 64 * 1024);
    this.listener = listener;
    this.callbacks = callbacks;
  }

  /** Starts a worker process and its two reader threads. */
  static PythonWorker start(int number, ProcessBuilder builder, Listener listener, GatewayCallbacks callbacks) throws IOException {
    PythonWorker worker = new PythonWorker(number, builder.start(), listener, callbacks);
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

  /** Writes one frame to the worker. */
  void send(Frame frame) throws IOException {
    synchronized (stdin) {
      frame.writeTo(stdin);
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
            LOG.log(Level.DEBUG, "python worker " + number + " ready: " + frame.header().encode());
            listener.ready(this);
          }
          case Frame.REPLY, Frame.FAILURE -> listener.answered(this, frame);
          case Frame.CALLBACK -> callbacks.answer(number, frame.header(), this::sendQuietly);
          case Frame.NOTIFY -> callbacks.notify(number, frame.header());
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

  private void sendQuietly(Frame frame) {
    try {
      send(frame);
    } catch (IOException e) {
      // The worker is gone; its reader thread reports the exit.
    }
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
