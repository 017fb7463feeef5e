package dev.coproxy.coprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import dev.coproxy.proto.Header;
import dev.coproxy.proto.HookType;
import dev.coproxy.proto.MiniRequestObject;
import dev.coproxy.proto.ResponseObject;
import dev.coproxy.proto.ReturnOverrides;
import dev.coproxy.proto.SessionState;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

class ObjectCodecTest {

  private static dev.coproxy.proto.Object sample() {
    return dev.coproxy.proto.Object.newBuilder()
        .setHookType(HookType.Response)
        .setHookName("MyHook")
        .setRequest(MiniRequestObject.newBuilder()
            .putHeaders("Host", "example.org").putSetHeaders("X-A", "1").addDeleteHeaders("X-B")
            .setBody("{}").setUrl("/p?q=1").putParams("q", "1").putAddParams("r", "2").addDeleteParams("s")
            .setReturnOverrides(ReturnOverrides.newBuilder().setResponseCode(-1).putHeaders("X-Foo", "Bar"))
            .setMethod("POST").setRequestUri("/p?q=1").setScheme("http")
            .setRawBody(ByteString.copyFrom(new byte[] {(byte) 0xff, 0, 1})))
        .setSession(SessionState.newBuilder().setRate(1.5).setQuotaMax(-1).putMetadata("token", "abc").addTags("t")
            .setSessionLifetime(60).setKeyId("k"))
        .putMetadata("token", "abc")
        .putSpec("APIID", "api").putSpec("bundle_hash", "d41d8cd98f00b204e9800998ecf8427e")
        .setResponse(ResponseObject.newBuilder().setStatusCode(201).setRawBody(ByteString.copyFromUtf8("body"))
            .putHeaders("Set-Cookie", "a=1").addMultivalueHeaders(Header.newBuilder().setKey("Set-Cookie").addValues("a=1").addValues("b=2")))
        .build();
  }

  @Test
  void wireRoundTripAtAnOffset() {
    ObjectCodec codec = new ObjectCodec();
    Buffer buffer = Buffer.buffer().appendString("prefix");
    codec.encodeToWire(buffer, sample());
    buffer.appendString("trailing");
    assertEquals(sample(), codec.decodeFromWire(6, buffer));
  }

  @Test
  void wireFormIsLengthPrefixedProtobuf() {
    Buffer buffer = Buffer.buffer();
    new ObjectCodec().encodeToWire(buffer, sample());
    byte[] proto = sample().toByteArray();
    assertEquals(proto.length, buffer.getInt(0));
    assertEquals(Buffer.buffer(proto), buffer.getBuffer(4, buffer.length()));
  }

  @Test
  void minusOneResponseCodeIsATenByteVarint() {
    // Field 1, varint: one tag byte plus the 10-byte two's complement encoding of -1, as Go sends it.
    assertEquals(11, ReturnOverrides.newBuilder().setResponseCode(-1).build().getSerializedSize());
  }

  @Test
  void localDeliveryHandsOverTheSameMessage() {
    dev.coproxy.proto.Object object = sample();
    assertSame(object, new ObjectCodec().transform(object));
    assertEquals(-1, new ObjectCodec().systemCodecID());
    assertEquals(ObjectCodec.NAME, new ObjectCodec().name());
  }

  @Test
  void junkOnTheWireIsRefused() {
    Buffer buffer = Buffer.buffer().appendInt(3).appendBytes(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
    assertThrows(IllegalArgumentException.class, () -> new ObjectCodec().decodeFromWire(0, buffer));
  }
}
