package dev.coproxy.coprocess.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.proto.DispatcherGrpcClient;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The driver's clients: a connection per event loop, calls answered on their loop. */
class LoopClientsIT {

  private Vertx server;
  private Vertx gateway;
  private TestPluginServer plugin;
  private LoopClients<GrpcClient> clients;

  @BeforeEach
  void start() throws Exception {
    server = Vertx.vertx();
    gateway = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    plugin = TestPluginServer.tcp(server);
    HttpClientOptions http = new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false);
    clients = new LoopClients<>(() -> GrpcClient.builder(gateway).with(new GrpcClientOptions()).with(http).build(), GrpcClient::close);
  }

  @AfterEach
  void stop() throws Exception {
    clients.close().await(10, TimeUnit.SECONDS);
    plugin.close();
    gateway.close().await(10, TimeUnit.SECONDS);
    server.close().await(10, TimeUnit.SECONDS);
  }

  // The contexts of `count` verticles, each on an event loop of its own (two loops at most).
  private List<Context> eventLoops(int count) throws Exception {
    List<Context> contexts = new java.util.concurrent.CopyOnWriteArrayList<>();
    gateway.deployVerticle(() -> new io.vertx.core.VerticleBase() {
      @Override
      public Future<?> start() {
        contexts.add(context);
        return Future.succeededFuture();
      }
    }, new io.vertx.core.DeploymentOptions().setInstances(count)).await(10, TimeUnit.SECONDS);
    return contexts;
  }

  private Future<dev.coproxy.proto.Object> call(GrpcClient client, String hook) {
    return client.request(SocketAddress.inetSocketAddress(plugin.port(), "127.0.0.1"), DispatcherGrpcClient.Dispatch)
        .compose(req -> req.send(dev.coproxy.proto.Object.newBuilder().setHookName(hook).build()))
        .compose(resp -> resp.last());
  }

  // Runs `calls` calls from one turn of `loop`; completes with the names of the threads that saw the answers.
  private Future<List<String>> callsFrom(Context loop, int calls) {
    Promise<List<String>> done = Promise.promise();
    loop.runOnContext(v -> {
      GrpcClient client = clients.current();
      List<Future<String>> answers = new ArrayList<>();
      for (int i = 0; i < calls; i++) {
        answers.add(call(client, "testPreHook1").map(reply -> {
          assertEquals("testvalue", reply.getRequest().getSetHeadersOrThrow("Testheader"));
          return Thread.currentThread().getName();
        }));
      }
      Future.all(answers).map(all -> all.<String>list()).onComplete(done);
    });
    return done.future();
  }

  @Test
  void eachEventLoopHasItsOwnConnectionAndGetsItsAnswersOnItsOwnThread() throws Exception {
    List<Context> loops = eventLoops(2);
    Context first = loops.get(0);
    Context second = loops.get(1);
    List<String> one = callsFrom(first, 3).await(10, TimeUnit.SECONDS);
    List<String> two = callsFrom(second, 3).await(10, TimeUnit.SECONDS);
    List<String> again = callsFrom(first, 3).await(10, TimeUnit.SECONDS);
    assertTrue(one.stream().allMatch(t -> t.equals(one.get(0))) && one.get(0).contains("eventloop"), one.toString());
    assertTrue(two.stream().allMatch(t -> t.equals(two.get(0))) && !two.get(0).equals(one.get(0)), two.toString());
    assertEquals(one, again);
    assertEquals(2, plugin.connections.get(), "one connection per event loop, kept between calls");
    assertEquals(9, plugin.calls.get());
  }
}
