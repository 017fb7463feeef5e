package dev.coproxy.coprocess.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The driver's calls: many started in one pass of a loop share its connection and each gets its own answer. */
class UnaryCallsIT {

  private Vertx server;
  private Vertx gateway;
  private TestPluginServer plugin;
  private UnaryCalls calls;

  @BeforeEach
  void start() throws Exception {
    server = Vertx.vertx();
    gateway = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    plugin = TestPluginServer.tcp(server);
    HttpClientOptions http = new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false);
    calls = new UnaryCalls(gateway, HostAndPort.create("127.0.0.1", plugin.port()), 4 * 1024 * 1024, http);
  }

  @AfterEach
  void stop() throws Exception {
    calls.close().await(10, TimeUnit.SECONDS);
    plugin.close();
    gateway.close().await(10, TimeUnit.SECONDS);
    server.close().await(10, TimeUnit.SECONDS);
  }

  private Context eventLoop() throws Exception {
    Context[] loop = new Context[1];
    gateway.deployVerticle(new io.vertx.core.VerticleBase() {
      @Override
      public Future<?> start() {
        loop[0] = context;
        return Future.succeededFuture();
      }
    }).await(10, TimeUnit.SECONDS);
    return loop[0];
  }

  // `count` calls started in one task of the loop, as a loop reading many requests at once starts them.
  private Future<List<dev.coproxy.proto.Object>> callsInOnePass(Context loop, int count) {
    Promise<List<dev.coproxy.proto.Object>> done = Promise.promise();
    SocketAddress address = SocketAddress.inetSocketAddress(plugin.port(), "127.0.0.1");
    loop.runOnContext(v -> {
      List<Future<dev.coproxy.proto.Object>> replies = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        dev.coproxy.proto.Object object = dev.coproxy.proto.Object.newBuilder().setHookName("testPreHook1")
            .putMetadata("call", Integer.toString(i)).build();
        replies.add(calls.open(address, "coprocess.Dispatcher/Dispatch")
            .compose(call -> call.send(object, 5000, java.util.Map.of()))
            .map(bytes -> {
              try {
                return dev.coproxy.proto.Object.parseFrom(bytes.getBytes());
              } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new IllegalStateException(e);
              }
            }));
      }
      Future.all(replies).map(all -> all.<dev.coproxy.proto.Object>list()).onComplete(done);
    });
    return done.future();
  }

  @Test
  void callsStartedInOnePassShareOneConnectionAndEachGetsItsOwnAnswer() throws Exception {
    Context loop = eventLoop();
    List<dev.coproxy.proto.Object> first = callsInOnePass(loop, 1).await(10, TimeUnit.SECONDS);
    List<dev.coproxy.proto.Object> replies = callsInOnePass(loop, 40).await(10, TimeUnit.SECONDS);
    assertEquals("testvalue", first.get(0).getRequest().getSetHeadersOrThrow("Testheader"));
    for (int i = 0; i < replies.size(); i++) {
      assertEquals("testvalue", replies.get(i).getRequest().getSetHeadersOrThrow("Testheader"));
      assertEquals(Integer.toString(i), replies.get(i).getMetadataOrThrow("call"), "answers are not mixed up");
    }
    assertEquals(41, plugin.calls.get());
    assertEquals(1, plugin.connections.get(), "one connection for the loop");
  }
}
