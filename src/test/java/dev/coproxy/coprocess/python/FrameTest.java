package dev.coproxy.coprocess.python;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The frame format shared with {@code coproxy_worker.py}. */
class FrameTest {

  @Test
  void roundTripsHeaderAndBinaryBody() throws Exception {
    byte[] body = {0, 1, (byte) 0xff, 10, 13};
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new Frame(Frame.DISPATCH, new JsonObject().put("gen", 3).put("default", "/mw/python"), body).writeTo(out);
    Frame.of(Frame.ANSWER, new JsonObject()).writeTo(out);
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(out.toByteArray()));
    Frame first = Frame.readFrom(in);
    assertEquals(Frame.DISPATCH, first.type());
    assertEquals(3, first.header().getInteger("gen"));
    assertArrayEquals(body, first.body());
    Frame second = Frame.readFrom(in);
    assertEquals(Frame.ANSWER, second.type());
    assertEquals(0, second.body().length);
    assertThrows(EOFException.class, () -> Frame.readFrom(in));
  }

  @Test
  void refusesLengthsThatCannotBeAFrame() {
    byte[] bad = {0, 0, 0, 2, 'R', 0, 0, 0, 0};
    assertThrows(IOException.class, () -> Frame.readFrom(new DataInputStream(new ByteArrayInputStream(bad))));
    byte[] badHeader = {0, 0, 0, 5, 'R', 0, 0, 0, 9};
    assertThrows(IOException.class, () -> Frame.readFrom(new DataInputStream(new ByteArrayInputStream(badHeader))));
  }
}
