package dev.coproxy.coprocess;

import com.google.protobuf.InvalidProtocolBufferException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Carries {@code coprocess.Object} messages on the event bus as protobuf bytes (never Java
 * serialization). Locally the immutable message itself is handed over; across the cluster it is
 * written as a length-prefixed protobuf encoding.
 */
public final class ObjectCodec implements MessageCodec<dev.coproxy.proto.Object, dev.coproxy.proto.Object> {

  /** The codec's registered name. */
  public static final String NAME = "coprocess-object";

  @Override
  public void encodeToWire(Buffer buffer, dev.coproxy.proto.Object object) {
    byte[] bytes = object.toByteArray();
    buffer.appendInt(bytes.length).appendBytes(bytes);
  }

  @Override
  public dev.coproxy.proto.Object decodeFromWire(int pos, Buffer buffer) {
    int length = buffer.getInt(pos);
    try {
      return dev.coproxy.proto.Object.parseFrom(buffer.getBytes(pos + 4, pos + 4 + length));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("not a coprocess.Object: " + e.getMessage(), e);
    }
  }

  @Override
  public dev.coproxy.proto.Object transform(dev.coproxy.proto.Object object) {
    return object;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
