package dev.coproxy.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Collects what the gateway logs under {@code dev.coproxy} (the JDK logging behind System.Logger). */
public final class LogCapture extends Handler implements AutoCloseable {

  private final Logger logger = Logger.getLogger("dev.coproxy");
  public final List<String> lines = new CopyOnWriteArrayList<>();

  public LogCapture() {
    logger.addHandler(this);
  }

  public boolean contains(String... parts) {
    return lines.stream().anyMatch(line -> List.of(parts).stream().allMatch(line::contains));
  }

  public long count(String part) {
    return lines.stream().filter(line -> line.contains(part)).count();
  }

  @Override
  public void publish(LogRecord record) {
    lines.add(record.getLoggerName() + " " + record.getLevel() + " " + record.getMessage());
  }

  @Override
  public void flush() {
  }

  @Override
  public void close() {
    logger.removeHandler(this);
  }
}
