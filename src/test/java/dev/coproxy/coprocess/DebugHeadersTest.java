package dev.coproxy.coprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.proto.HookType;
import org.junit.jupiter.api.Test;

/** The X-Coproxy-Plugin-Error value: file and line where the driver gives them, one safe bounded line. */
class DebugHeadersTest {

  private static final HookSpec PRE = new HookSpec(HookType.Pre, "pre", "MyPre", false, 1000, "python");
  private static final HookSpec GRPC = new HookSpec(HookType.Post, "post", "MyPost", false, 1000, "grpc");

  private static String value(HookSpec hook, String message) {
    return DebugHeaders.pluginError(hook, new HookFailure(HookFailure.Reason.ERROR, message));
  }

  @Test
  void fileAndLineComeFromTheFirstLineAndTheTracebackIsLeftOut() {
    assertEquals("pre:MyPre driver=python file=middleware.py line=12: ZeroDivisionError: division by zero",
        value(PRE, "python: middleware.py:12: ZeroDivisionError: division by zero\nTraceback (most recent call last):\n  File ..."));
  }

  @Test
  void withoutALocationTheyAreLeftOut() {
    assertEquals("post:MyPost driver=grpc: gRPC status UNKNOWN", value(GRPC, "gRPC status UNKNOWN"));
    // A message whose first word ends in a colon is not a location.
    assertEquals("pre:MyPre driver=python: ValueError: bad:12: x", value(PRE, "python: ValueError: bad:12: x"));
  }

  @Test
  void controlsAndNonAsciiAreReplacedAndTheValueIsBounded() {
    String value = value(PRE, "python: a.py:3: KeyError: '\u00e9\r\u0001'\r\n" + "x".repeat(5000));
    assertEquals("pre:MyPre driver=python file=a.py line=3: KeyError: '? ?'", value);
    String longOne = value(PRE, "python: a.py:3: " + "y".repeat(5000));
    assertEquals(DebugHeaders.MAX_LENGTH, longOne.length());
    assertTrue(longOne.endsWith("..."));
  }
}
