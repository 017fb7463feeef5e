package dev.coproxy.coprocess.python;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/** How a worker's frames are read. */
class PythonWorkerTest {

  @Test
  void aProcessOutputIsReadThroughTheJdksOwnBufferAndAnUnbufferedStreamGetsOne() throws Exception {
    Process process = new ProcessBuilder("true").start();
    try {
      InputStream output = process.getInputStream();
      assertSame(output, PythonWorker.frameStream(output), "no second buffer over the process's own");
    } finally {
      process.waitFor();
    }
    assertInstanceOf(BufferedInputStream.class, PythonWorker.frameStream(new ByteArrayInputStream(new byte[0])));
  }
}
