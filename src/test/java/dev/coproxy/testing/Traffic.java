package dev.coproxy.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * Steady traffic for tests that change something under load (a reload): threads send one call after
 * the other until closed, keeping what each successful (200) reply carried and every failure.
 */
public final class Traffic implements AutoCloseable {

  /** One call; a thrown exception counts as a failure. */
  @FunctionalInterface
  public interface Call {
    TestGateway.Reply send() throws Exception;
  }

  public final List<String> values = new CopyOnWriteArrayList<>();
  public final List<String> failures = new CopyOnWriteArrayList<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<Thread> threads = new ArrayList<>();

  private Traffic() {
  }

  /**
   * Starts the traffic.
   *
   * @param threadCount how many calls are under way at once
   * @param call the call each thread repeats
   * @param value what a successful reply is recorded as
   */
  public static Traffic start(int threadCount, Call call, Function<TestGateway.Reply, String> value) {
    Traffic traffic = new Traffic();
    for (int t = 0; t < threadCount; t++) {
      Thread thread = new Thread(() -> {
        while (traffic.running.get()) {
          try {
            TestGateway.Reply reply = call.send();
            if (reply.status() != 200) {
              traffic.failures.add(reply.status() + " " + reply.text());
            } else {
              traffic.values.add(value.apply(reply));
            }
          } catch (Exception e) {
            traffic.failures.add(e.toString());
          }
        }
      });
      thread.start();
      traffic.threads.add(thread);
    }
    return traffic;
  }

  /** Stops the threads and waits for their last calls. */
  @Override
  public void close() throws InterruptedException {
    running.set(false);
    for (Thread thread : threads) {
      thread.join(20_000);
    }
  }
}
