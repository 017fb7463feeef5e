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
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The frame format shared with {@code coproxy_worker.py}. */
class FrameTest {

  @Test
  void roundTripsBinaryCallHeadersJsonHeadersAndBodies() throws Exception {
    byte[] body = {0, 1, (byte) 0xff, 10, 13};
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Frame call = Frame.call(Frame.DISPATCH, 3, 1_700_000_000_123L, List.of("/b/one", "/b/tw\u00f6"), body);
    out.write(call.encode());
    out.write(Frame.of(Frame.ANSWER, new JsonObject().put("value", "v")).encode());
    out.write(new Frame(Frame.REPLY, new byte[0], body).encode());
    assertEquals(out.size(), call.size() + Frame.of(Frame.ANSWER, new JsonObject().put("value", "v")).size() + 9 + body.length);
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(out.toByteArray()));
    Frame first = Frame.readFrom(in);
    assertEquals(Frame.DISPATCH, first.type());
    ByteBuffer header = ByteBuffer.wrap(first.header());
    assertEquals(3, header.getInt());
    assertEquals(1_700_000_000_123L, header.getLong());
    assertEquals("/b/one\0/b/tw\u00f6", StandardCharsets.UTF_8.decode(header).toString());
    assertArrayEquals(body, first.body());
    Frame second = Frame.readFrom(in);
    assertEquals(Frame.ANSWER, second.type());
    assertEquals("v", second.json().getString("value"));
    assertEquals(0, second.body().length);
    Frame third = Frame.readFrom(in);
    assertEquals(new JsonObject(), third.json());
    assertArrayEquals(body, third.body());
    assertThrows(EOFException.class, () -> Frame.readFrom(in));
    assertEquals(12, Frame.call(Frame.EVENT, 1, 0, List.of(), body).header().length, "no directories: nothing after the deadline");
  }

  @Test
  void refusesLengthsThatCannotBeAFrame() {
    byte[] bad = {0, 0, 0, 2, 'R', 0, 0, 0, 0};
    assertThrows(IOException.class, () -> Frame.readFrom(new DataInputStream(new ByteArrayInputStream(bad))));
    byte[] badHeader = {0, 0, 0, 5, 'R', 0, 0, 0, 9};
    assertThrows(IOException.class, () -> Frame.readFrom(new DataInputStream(new ByteArrayInputStream(badHeader))));
  }
}
