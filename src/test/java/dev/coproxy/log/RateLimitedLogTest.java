package dev.coproxy.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class RateLimitedLogTest {

  private final List<String> lines = new ArrayList<>();
  private final AtomicLong now = new AtomicLong(5_000);
  private final RateLimitedLog log = new RateLimitedLog(new Recording(), 1000, now::get);

  @Test
  void writesTheFirstLineThenOneAnIntervalCountingTheOthers() {
    assertTrue(log.log(Level.WARNING, () -> "one"));
    now.addAndGet(999);
    assertFalse(log.log(Level.WARNING, () -> "two"));
    assertFalse(log.log(Level.WARNING, () -> "three"));
    now.addAndGet(1);
    assertTrue(log.log(Level.WARNING, () -> "four"));
    assertTrue(now.addAndGet(5000) > 0 && log.log(Level.WARNING, () -> "five"));
    assertEquals(List.of("WARNING one", "WARNING four (2 similar lines dropped)", "WARNING five"), lines);
  }

  @Test
  void buildsNoMessageForADroppedLine() {
    log.log(Level.ERROR, () -> "first");
    assertFalse(log.log(Level.ERROR, () -> {
      throw new AssertionError("a dropped line's message was built");
    }));
  }

  private final class Recording implements Logger {
    @Override
    public String getName() {
      return "recording";
    }

    @Override
    public boolean isLoggable(Level level) {
      return true;
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
      lines.add(level + " " + msg);
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
      lines.add(level + " " + format);
    }

    @Override
    public void log(Level level, Supplier<String> supplier) {
      lines.add(level + " " + supplier.get());
    }
  }
}
