package dev.coproxy.coprocess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coproxy.coprocess.CoprocessDriver.HookCall;
import dev.coproxy.proto.HookType;
import dev.coproxy.proto.MiniRequestObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HookCallTest {

  private static final dev.coproxy.proto.Object OBJECT = dev.coproxy.proto.Object.newBuilder()
      .setHookType(HookType.Pre)
      .setHookName("MyPre")
      .setRequest(MiniRequestObject.newBuilder().setMethod("GET").setUrl("/x").putHeaders("Accept", "*/*"))
      .putMetadata("token", "abc")
      .putSpec("APIID", "api-1")
      .build();

  private static final String PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  @Test
  void anUntracedCallIsTheObjectsOwnBytes() {
    assertArrayEquals(OBJECT.toByteArray(), new HookCall(OBJECT, "api-1", 0).objectBytesWithTrace());
  }

  @Test
  void aTracedCallParsesAsTheObjectWithTheContextInItsMetadata() throws Exception {
    HookCall call = new HookCall(OBJECT, "api-1", 0, List.of(), null, PARENT, "vendor=1");
    dev.coproxy.proto.Object parsed = dev.coproxy.proto.Object.parseFrom(call.objectBytesWithTrace());
    assertEquals(OBJECT.toBuilder().putMetadata("traceparent", PARENT).putMetadata("tracestate", "vendor=1").build(), parsed);
    assertEquals(Map.of("token", "abc", "traceparent", PARENT, "tracestate", "vendor=1"), parsed.getMetadataMap());
  }

  @Test
  void theCallsContextWinsOverAnEntryOfTheSameName() throws Exception {
    dev.coproxy.proto.Object stale = OBJECT.toBuilder().putMetadata("traceparent", "stale").build();
    HookCall call = new HookCall(stale, "api-1", 0, List.of(), null, PARENT, null);
    dev.coproxy.proto.Object parsed = dev.coproxy.proto.Object.parseFrom(call.objectBytesWithTrace());
    assertEquals(PARENT, parsed.getMetadataOrThrow("traceparent"));
    assertEquals(false, parsed.containsMetadata("tracestate"));
  }
}
