package dev.coproxy.app;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.net.ClientOptionsBase;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.transport.Transport;
import java.net.SocketAddress;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;

/**
 * Vert.x's transport (the native one when the machine has it, else NIO) whose HTTP/2 client
 * connections batch their writes: the calls an event loop starts in one pass, to a gRPC plugin
 * server for instance, reach the socket in one system call instead of one each. Netty's
 * {@link FlushConsolidationHandler} does the batching; it sits just before the connection's
 * HTTP/2 handler, so TLS, when there is some, encrypts the batch once.
 *
 * <p>Vert.x gives no public hook into an HTTP connection's pipeline, and it clears the pipeline of
 * a new client channel before it sets up HTTP. So every client channel carries a marker handler
 * from its construction; when Vert.x removes it, the channel's set-up is under way on its event
 * loop, and a task queued behind it adds the batching where the channel turned out to speak
 * HTTP/2. HTTP/1.1 connections (one request at a time, nothing to batch) and plain TCP ones are
 * left as they are, and so is a connection that turns HTTP/2 later through an HTTP/1.1 upgrade
 * (the gRPC driver's use prior knowledge or TLS with ALPN).
 */
public final class BatchedHttp2Writes implements Transport {

  /** Flushes held back at most before one goes through anyway, as Netty's handler counts them. */
  private static final int MAX_HELD_FLUSHES = 256;

  private final Transport base;
  private final io.vertx.core.spi.transport.Transport implementation;

  /** Over the native transport when it is available, else over NIO. */
  public static BatchedHttp2Writes overBestTransport() {
    return overBestTransport(channel -> { });
  }

  /** As {@link #overBestTransport()}, telling {@code batched} of each channel that batches. */
  static BatchedHttp2Writes overBestTransport(Consumer<Channel> batched) {
    Transport nativeTransport = Transport.nativeTransport();
    return new BatchedHttp2Writes(nativeTransport != null && nativeTransport.available() ? nativeTransport : Transport.NIO,
        batched);
  }

  /**
   * @param base the transport whose channels and event loops are used
   * @param batched told of each channel that now batches its writes, on its event loop (tests count
   *     what reaches the socket)
   */
  private BatchedHttp2Writes(Transport base, Consumer<Channel> batched) {
    this.base = base;
    this.implementation = new Channels(base.implementation(), new Marker(batched));
  }

  @Override
  public String name() {
    return base.name();
  }

  @Override
  public boolean available() {
    return base.available();
  }

  @Override
  public Throwable unavailabilityCause() {
    return base.unavailabilityCause();
  }

  @Override
  public io.vertx.core.spi.transport.Transport implementation() {
    return implementation;
  }

  /** Put on every client channel at construction; its removal by Vert.x starts the check. */
  @ChannelHandler.Sharable
  private static final class Marker extends ChannelHandlerAdapter {
    private final Consumer<Channel> batched;

    Marker(Consumer<Channel> batched) {
      this.batched = batched;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
      Channel channel = ctx.channel();
      // Removed also when a channel is torn down (never connected, closed, or not HTTP at all):
      // it is no longer active then. A loop that is shutting down would refuse the task, and the
      // refusal would break Vert.x's connection set-up: nothing to batch then either.
      if (!channel.isActive() || channel.eventLoop().isShuttingDown()) {
        return;
      }
      channel.eventLoop().execute(() -> {
        ChannelPipeline pipeline = channel.pipeline();
        ChannelHandlerContext http2 = pipeline.context(Http2ConnectionHandler.class);
        if (http2 != null && channel.isActive() && pipeline.get(FlushConsolidationHandler.class) == null) {
          pipeline.addBefore(http2.name(), "coproxy-batched-writes", new FlushConsolidationHandler(MAX_HELD_FLUSHES, true));
          batched.accept(channel);
        }
      });
    }
  }

  /** The base transport's implementation, with the marker on the client channels it makes. */
  private record Channels(io.vertx.core.spi.transport.Transport base, Marker marker)
      implements io.vertx.core.spi.transport.Transport {

    @Override
    public ChannelFactory<? extends Channel> channelFactory(boolean domainSocket) {
      ChannelFactory<? extends Channel> channels = base.channelFactory(domainSocket);
      return () -> {
        Channel channel = channels.newChannel();
        channel.pipeline().addLast("coproxy-http2-marker", marker);
        return channel;
      };
    }

    @Override
    public boolean supportsDomainSockets() {
      return base.supportsDomainSockets();
    }

    @Override
    public boolean supportFileRegion() {
      return base.supportFileRegion();
    }

    @Override
    public boolean isAvailable() {
      return base.isAvailable();
    }

    @Override
    public Throwable unavailabilityCause() {
      return base.unavailabilityCause();
    }

    @Override
    public SocketAddress convert(io.vertx.core.net.SocketAddress address) {
      return base.convert(address);
    }

    @Override
    public io.vertx.core.net.SocketAddress convert(SocketAddress address) {
      return base.convert(address);
    }

    @Override
    public IoHandlerFactory ioHandlerFactory() {
      return base.ioHandlerFactory();
    }

    @Override
    public EventLoopGroup eventLoopGroup(int type, int threads, ThreadFactory threadFactory, int ioRatio) {
      return base.eventLoopGroup(type, threads, threadFactory, ioRatio);
    }

    @Override
    public DatagramChannel datagramChannel() {
      return base.datagramChannel();
    }

    @Override
    public DatagramChannel datagramChannel(InternetProtocolFamily family) {
      return base.datagramChannel(family);
    }

    @Override
    public ChannelFactory<? extends ServerChannel> serverChannelFactory(boolean domainSocket) {
      return base.serverChannelFactory(domainSocket);
    }

    @Override
    public void configure(DatagramChannel channel, DatagramSocketOptions options) {
      base.configure(channel, options);
    }

    @Override
    public void configure(ClientOptionsBase options, int connectTimeout, boolean domainSocket, Bootstrap bootstrap) {
      base.configure(options, connectTimeout, domainSocket, bootstrap);
    }

    @Override
    public void configure(NetServerOptions options, boolean domainSocket, ServerBootstrap bootstrap) {
      base.configure(options, domainSocket, bootstrap);
    }
  }
}
