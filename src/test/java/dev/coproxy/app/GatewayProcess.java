package dev.coproxy.app;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The real gateway in its own JVM: {@code dev.coproxy.app.Main} on this test's class path (or the
 * fat jar), in a working directory of the test's choosing, with its stdout and stderr collected
 * line by line.
 */
public final class GatewayProcess implements AutoCloseable {

  public static final String READY = "Coproxy listening on port";

  private final Process process;
  private final List<String> stdout = new CopyOnWriteArrayList<>();
  private final List<String> stderr = new CopyOnWriteArrayList<>();
  private final Thread outReader;
  private final Thread errReader;

  private GatewayProcess(Process process) {
    this.process = process;
    this.outReader = collect(process.getInputStream(), stdout, "gateway-stdout");
    this.errReader = collect(process.getErrorStream(), stderr, "gateway-stderr");
  }

  /**
   * Starts {@code Main} with the arguments, in {@code workDir}, with the environment of this JVM
   * minus any {@code COPROXY_*} variable, plus {@code environment}.
   */
  public static GatewayProcess start(Path workDir, Map<String, String> environment, String... args) throws IOException {
    return startWrapped(workDir, environment, List.of(), args);
  }

  /**
   * As {@link #start}, with {@code wrapper} before the java command: a program that sets something
   * up and then executes the rest of its command line, such as {@code prlimit --nofile=1024:1024 --}.
   */
  public static GatewayProcess startWrapped(Path workDir, Map<String, String> environment, List<String> wrapper, String... args)
      throws IOException {
    List<String> command = new ArrayList<>(wrapper);
    command.addAll(javaCommand(List.of("-Xmx256m")));
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.addAll(List.of(args));
    return launch(workDir, environment, command);
  }

  /**
   * Starts the fat jar ({@code java [jvmFlags] -jar jar args}) as a user runs it, with the same
   * environment handling as {@link #start}.
   */
  public static GatewayProcess startJar(Path workDir, Path jar, List<String> jvmFlags, String... args) throws IOException {
    List<String> command = new ArrayList<>(javaCommand(jvmFlags));
    command.add("-jar");
    command.add(jar.toAbsolutePath().toString());
    command.addAll(List.of(args));
    return launch(workDir, Map.of(), command);
  }

  private static List<String> javaCommand(List<String> jvmFlags) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmFlags);
    // The same module opens as the test JVM (Netty and Hazelcast reflect into the JDK).
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-opens") || arg.startsWith("--add-exports")) {
        command.add(arg);
      }
    }
    return command;
  }

  private static GatewayProcess launch(Path workDir, Map<String, String> environment, List<String> command) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile());
    builder.environment().keySet().removeIf(name -> name.startsWith("COPROXY_"));
    builder.environment().putAll(environment);
    return new GatewayProcess(builder.start());
  }

  /** Waits until the gateway logs that it listens; fails if it exits or takes longer than the timeout. */
  public void awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!logged(READY)) {
      if (!process.isAlive()) {
        throw new AssertionError("gateway exited with " + process.exitValue() + " before it was ready:\n" + output());
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("gateway not ready after " + timeout.toSeconds() + " s:\n" + output());
      }
      pause();
    }
  }

  /** Waits for the process to end and returns its exit status; fails after the timeout. */
  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("gateway still running after " + timeout.toSeconds() + " s:\n" + output());
    }
    // The readers see the end of both pipes once the process is gone.
    outReader.join(5000);
    errReader.join(5000);
    return process.exitValue();
  }

  /** True when a line of stdout or stderr contains the text. */
  public boolean logged(String text) {
    return stdout.stream().anyMatch(l -> l.contains(text)) || stderr.stream().anyMatch(l -> l.contains(text));
  }

  /** Sends SIGKILL: the process ends at once, without any clean-up. */
  public void kill() {
    process.destroyForcibly();
  }

  /** Sends SIGTERM. */
  public void terminate() {
    process.destroy();
  }

  /** The process id (of java itself when a wrapper executed it). */
  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The non-blank lines written to stderr so far. */
  public List<String> stderrLines() {
    return stderr.stream().filter(l -> !l.isBlank()).toList();
  }

  public String output() {
    return "--- stdout\n" + String.join("\n", stdout) + "\n--- stderr\n" + String.join("\n", stderr);
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static Thread collect(InputStream stream, List<String> lines, String name) {
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          lines.add(line);
        }
      } catch (IOException e) {
        lines.add("(reading failed: " + e + ")");
      }
    }, name);
    reader.setDaemon(true);
    reader.start();
    return reader;
  }

  private static void pause() {
    try {
      Thread.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted");
    }
  }
}
