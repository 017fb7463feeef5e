package dev.coproxy.coprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.ScriptedDriver;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HookSmokeIT {

  @Test
  void preHookAddsHeaderAndResponseHookRewritesBody() throws Exception {
    try (TestGateway gw = TestGateway.start(new JsonObject().put("coprocess_options", new JsonObject().put("enable_coprocess", true)), Map.of());
        Upstream upstream = Upstream.start(gw.vertx)) {
      ScriptedDriver driver = ScriptedDriver.deploy(gw.vertx, "test");
      driver.on("add", o -> o.toBuilder().setRequest(o.getRequest().toBuilder().putSetHeaders("X-From-Hook", "yes")).build());
      driver.on("rewrite", o -> o.toBuilder().setResponse(o.getResponse().toBuilder()
          .setRawBody(com.google.protobuf.ByteString.copyFromUtf8("rewritten")).putHeaders("X-Resp", "1")).build());
      JsonObject api = Apis.keyless("h", "/h/", upstream.url("/"))
          .put("custom_middleware", new JsonObject().put("driver", "test")
              .put("pre", new JsonArray().add(new JsonObject().put("name", "add")))
              .put("response", new JsonArray().add(new JsonObject().put("name", "rewrite"))));
      gw.writeApi("h.json", api);
      gw.reload();
      TestGateway.Reply reply = gw.call(HttpMethod.POST, "/h/x?a=1", Map.of(), "{\"k\":1}");
      assertEquals(200, reply.status(), reply.text());
      assertEquals("rewritten", reply.text());
      assertEquals("9", reply.headers().get("content-length"));
      assertEquals("1", reply.headers().get("x-resp"));
      assertEquals("yes", upstream.received.get(0).getJsonObject("headers").getString("x-from-hook"));
      assertEquals("{\"k\":1}", upstream.received.get(0).getString("body"));
      assertEquals("/x?a=1", upstream.received.get(0).getString("uri"));
    }
  }
}
