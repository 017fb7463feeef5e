package dev.coproxy.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.config.ConfigLoader;
import dev.coproxy.config.GatewayConfig;
import dev.coproxy.testing.Certs;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.impl.ConnectionBase;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's transport against a real HTTP/2 server on loopback: many requests started in one
 * pass of an event loop leave in a handful of writes to the socket (counted next to the socket),
 * each still gets its own answer; HTTP/1.1 connections are left as they were; the gateway's own
 * Vert.x ({@link Main#createVertx}) uses it (the test reaches the channel through Vert.x's impl
 * class, which only tests may do).
 */
class BatchedHttp2WritesIT {

  private static final int REQUESTS = 50;

  private final AtomicInteger socketFlushes = new AtomicInteger();
  private final List<Channel> batched = new CopyOnWriteArrayList<>();
  private Vertx gateway;
  private Vertx upstream;

  @BeforeEach
  void start() {
    BatchedHttp2Writes transport = BatchedHttp2Writes.overBestTransport(channel -> {
      channel.pipeline().addFirst("flush-counter", new FlushCounter(socketFlushes));
      batched.add(channel);
    });
    gateway = Vertx.builder().with(new VertxOptions().setEventLoopPoolSize(1)).withTransport(transport).build();
    upstream = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close().await(10, TimeUnit.SECONDS);
    upstream.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void clearTextHttp2RequestsOfOnePassLeaveInAFewWrites() throws Exception {
    HttpServer server = echo(new HttpServerOptions());
    HttpClient client = gateway.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false));

    assertEachAnswered(client, server.actualPort());
    assertEquals(1, batched.size(), "one HTTP/2 connection, batching");
    socketFlushes.set(0);
    assertEachAnswered(client, server.actualPort());
    assertTrue(socketFlushes.get() <= 5, REQUESTS + " requests reached the socket in " + socketFlushes.get() + " flushes");
  }

  @Test
  void tlsHttp2RequestsAreBatchedBeforeEncryption(@TempDir Path dir) throws Exception {
    Certs.Pair pair = Certs.make(dir, "localhost");
    HttpServer server = echo(new HttpServerOptions().setSsl(true).setUseAlpn(true)
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(pair.cert().toString()).setKeyPath(pair.key().toString())));
    HttpClient client = gateway.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setSsl(true).setUseAlpn(true).setTrustAll(true).setVerifyHost(false));

    assertEachAnswered(client, server.actualPort());
    socketFlushes.set(0);
    assertEachAnswered(client, server.actualPort());
    assertEquals(1, batched.size(), "one HTTP/2 connection, batching");
    assertTrue(socketFlushes.get() <= 5, REQUESTS + " requests reached the socket in " + socketFlushes.get() + " flushes");
  }

  @Test
  void http11ConnectionsAreLeftAlone() throws Exception {
    HttpServer server = echo(new HttpServerOptions());
    HttpClient client = gateway.createHttpClient(new HttpClientOptions());

    assertEachAnswered(client, server.actualPort());
    assertEquals(List.of(), batched, "no HTTP/1.1 connection batches");
  }

  @Test
  void theGatewaysOwnVertxBatchesItsHttp2Connections() throws Exception {
    GatewayConfig config = GatewayConfig.from(ConfigLoader.bundledDefaults(), false);
    Vertx own = Main.createVertx(config, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    try {
      HttpServer server = echo(new HttpServerOptions());
      List<Channel> channels = new CopyOnWriteArrayList<>();
      HttpClient client = own.httpClientBuilder()
          .with(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false))
          .withConnectHandler(connection -> channels.add(((ConnectionBase) connection).channel()))
          .build();
      String body = client.request(HttpMethod.POST, server.actualPort(), "localhost", "/")
          .compose(request -> request.send(Buffer.buffer("through the gateway's transport")))
          .compose(response -> response.body()).await(10, TimeUnit.SECONDS).toString();
      assertEquals("through the gateway's transport", body);
      assertEquals(1, channels.size());
      // The batching is added by a task queued on the connection's loop: look after one more task there.
      Channel channel = channels.get(0);
      Promise<Boolean> batching = Promise.promise();
      channel.eventLoop().execute(() -> batching.complete(channel.pipeline().get(FlushConsolidationHandler.class) != null));
      assertTrue(batching.future().await(10, TimeUnit.SECONDS), "pipeline: " + channel.pipeline().names());
    } finally {
      own.close().await(10, TimeUnit.SECONDS);
    }
  }

  private HttpServer echo(HttpServerOptions options) throws Exception {
    return upstream.createHttpServer(options)
        .requestHandler(request -> request.body().onSuccess(body -> request.response().end(body)))
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  /** Starts every request in one task on the gateway's only event loop; each must get its own body back. */
  private void assertEachAnswered(HttpClient client, int port) throws Exception {
    Context loop = gateway.getOrCreateContext();
    Promise<List<String>> answers = Promise.promise();
    loop.runOnContext(v -> {
      List<Future<String>> all = new ArrayList<>();
      for (int i = 0; i < REQUESTS; i++) {
        String body = "request " + i;
        all.add(client.request(HttpMethod.POST, port, "localhost", "/")
            .compose(request -> request.send(Buffer.buffer(body)))
            .compose(response -> response.body())
            .map(Buffer::toString));
      }
      Future.all(all).map(done -> all.stream().map(Future::result).toList()).onComplete(answers);
    });
    List<String> got = answers.future().await(20, TimeUnit.SECONDS);
    for (int i = 0; i < REQUESTS; i++) {
      assertEquals("request " + i, got.get(i));
    }
  }

  /** Counts the flushes that reach the socket: put next to it, after the batching. */
  @ChannelHandler.Sharable
  private static final class FlushCounter extends ChannelOutboundHandlerAdapter {
    private final AtomicInteger flushes;

    FlushCounter(AtomicInteger flushes) {
      this.flushes = flushes;
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
      flushes.incrementAndGet();
      ctx.flush();
    }
  }
}
