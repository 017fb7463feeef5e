package dev.coproxy.coprocess.python;

import io.vertx.core.json.JsonObject;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One frame between the gateway and a Python worker: a u32 length of the rest, a type byte, a u32
 * header length, a JSON header and the body bytes (a protobuf {@code Object}, an event payload, or
 * nothing). The types are the constants below; {@code coproxy_worker.py} documents the same format.
 *
 * @param type one of the type constants
 * @param header small JSON fields (generation, directories, callback arguments, failure text)
 * @param body the payload bytes
 */
record Frame(byte type, JsonObject header, byte[] body) {

  /** Gateway to worker: run a hook. */
  static final byte DISPATCH = 'D';
  /** Gateway to worker: deliver an event to an {@code @Event} handler. */
  static final byte EVENT = 'E';
  /** Gateway to worker: the answer to a callback. */
  static final byte ANSWER = 'A';
  /** Worker to gateway: started and ready for calls. */
  static final byte READY = 'K';
  /** Worker to gateway: the call's reply. */
  static final byte REPLY = 'R';
  /** Worker to gateway: the call failed (exception, unknown hook). */
  static final byte FAILURE = 'F';
  /** Worker to gateway: a callback that waits for an {@link #ANSWER} ({@code store_data}, {@code get_data}). */
  static final byte CALLBACK = 'C';
  /** Worker to gateway: a notification without answer ({@code log}, {@code trigger_event}). */
  static final byte NOTIFY = 'N';

  /** Frames larger than this are refused as a broken channel. */
  private static final int MAX_LENGTH = 512 * 1024 * 1024;

  static Frame of(byte type, JsonObject header) {
    return new Frame(type, header, new byte[0]);
  }

  /** Writes the frame and flushes. */
  void writeTo(OutputStream out) throws IOException {
    byte[] json = header.encode().getBytes(StandardCharsets.UTF_8);
    ByteBuffer head = ByteBuffer.allocate(9);
    head.putInt(5 + json.length + body.length).put(type).putInt(json.length);
    out.write(head.array());
    out.write(json);
    out.write(body);
    out.flush();
  }

  /** Reads one frame; {@link EOFException} when the worker closed its end. */
  static Frame readFrom(DataInputStream in) throws IOException {
    int length = in.readInt();
    if (length < 5 || length > MAX_LENGTH) {
      throw new IOException("bad frame length " + length);
    }
    byte type = in.readByte();
    int headerLength = in.readInt();
    if (headerLength < 0 || headerLength > length - 5) {
      throw new IOException("bad frame header length " + headerLength);
    }
    byte[] json = new byte[headerLength];
    in.readFully(json);
    byte[] body = new byte[length - 5 - headerLength];
    in.readFully(body);
    JsonObject header = headerLength == 0 ? new JsonObject() : new JsonObject(new String(json, StandardCharsets.UTF_8));
    return new Frame(type, header, body);
  }
}
