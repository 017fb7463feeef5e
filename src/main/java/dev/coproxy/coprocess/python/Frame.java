package dev.coproxy.coprocess.python;

import io.vertx.core.json.JsonObject;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One frame between the gateway and a Python worker: a u32 length of the rest, a type byte, a u32
 * header length, the header and the body bytes (a protobuf {@code Object}, an event payload, or
 * nothing). The hot frames carry no JSON: a {@link #DISPATCH} or {@link #EVENT} header is a u32
 * reload generation, a u64 deadline (epoch milliseconds) and the API's plugin directories joined by
 * NUL bytes (none: the default folder), and a {@link #REPLY} has an empty header. The other, rare frames carry a JSON object.
 * {@code coproxy_worker.py} documents the same format.
 *
 * @param type one of the type constants
 * @param header the header bytes (binary for calls, JSON for the rest, empty for replies)
 * @param body the payload bytes
 */
record Frame(byte type, byte[] header, byte[] body) {

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
  private static final int PREFIX = 9;
  private static final byte[] NONE = new byte[0];

  /** A frame with a JSON header and no body. */
  static Frame of(byte type, JsonObject header) {
    return new Frame(type, header.encode().getBytes(StandardCharsets.UTF_8), NONE);
  }

  /** A {@link #DISPATCH} or {@link #EVENT} frame: the binary call header, then the body. */
  static Frame call(byte type, long generation, long deadlineMillis, List<String> pluginDirs, byte[] body) {
    byte[] dirs = pluginDirs.isEmpty() ? NONE : String.join("\0", pluginDirs).getBytes(StandardCharsets.UTF_8);
    return new Frame(type, ByteBuffer.allocate(12 + dirs.length).putInt((int) generation).putLong(deadlineMillis).put(dirs).array(), body);
  }

  /** The header as JSON (an empty object when there is none). */
  JsonObject json() {
    return header.length == 0 ? new JsonObject() : new JsonObject(new String(header, StandardCharsets.UTF_8));
  }

  /** The whole frame, length prefix included, ready for one write. */
  byte[] encode() {
    return ByteBuffer.allocate(PREFIX + header.length + body.length)
        .putInt(5 + header.length + body.length).put(type).putInt(header.length).put(header).put(body).array();
  }

  /** The frame's size on the wire. */
  int size() {
    return PREFIX + header.length + body.length;
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
    byte[] header = headerLength == 0 ? NONE : new byte[headerLength];
    in.readFully(header);
    byte[] body = new byte[length - 5 - headerLength];
    in.readFully(body);
    return new Frame(type, header, body);
  }
}
