package dev.coproxy.coprocess.grpc;

import dev.coproxy.proto.DispatcherGrpcClient;
import dev.coproxy.proto.HookType;
import dev.coproxy.proto.MiniRequestObject;
import dev.coproxy.proto.ReturnOverrides;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cost of a gRPC Dispatch call with nothing around it, for {@code bench/grpcfloor.py}: the
 * driver's own clients ({@link LoopClients}: one per event loop) keep a fixed
 * number of calls in flight on each loop against a plugin server in another JVM, with no gateway,
 * event bus or HTTP traffic. Each round prints the calls per second and the CPU time per call of
 * this JVM and of the server, read from {@code /proc}. Not a test.
 *
 * <p>Usage: {@code GrpcFloor <plugin_port> <plugin_pid> <event_loops> <in_flight_per_loop>
 * <warmup_seconds> <round_seconds> <rounds>}
 */
public final class GrpcFloor {

  private GrpcFloor() {
  }

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    long serverPid = Long.parseLong(args[1]);
    int loops = Integer.parseInt(args[2]);
    int inFlight = Integer.parseInt(args[3]);
    long warmup = Long.parseLong(args[4]);
    long seconds = Long.parseLong(args[5]);
    int rounds = Integer.parseInt(args[6]);
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(loops));
    GrpcClientOptions grpc = new GrpcClientOptions().setScheduleDeadlineAutomatically(true);
    HttpClientOptions http = new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false);
    LoopClients<GrpcClient> clients = new LoopClients<>(() -> GrpcClient.builder(vertx).with(grpc).with(http).build(), GrpcClient::close);
    SocketAddress server = SocketAddress.inetSocketAddress(port, "127.0.0.1");
    dev.coproxy.proto.Object object = sample();
    AtomicLong done = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    // Each instance gets the next event loop, so every loop runs its own share of the calls.
    vertx.deployVerticle(() -> new VerticleBase() {
      @Override
      public Future<?> start() {
        for (int call = 0; call < inFlight; call++) {
          callAgainAndAgain(clients, server, object, done, failed);
        }
        return Future.succeededFuture();
      }
    }, new DeploymentOptions().setInstances(loops)).await(10, TimeUnit.SECONDS);
    Thread.sleep(warmup * 1000);
    long self = ProcessHandle.current().pid();
    System.out.println("object of " + object.getSerializedSize() + " bytes, " + loops + " event loops, "
        + inFlight + " calls in flight on each");
    for (int round = 0; round < rounds; round++) {
      long calls = done.get();
      double client = cpuSeconds(self);
      double plugin = cpuSeconds(serverPid);
      Thread.sleep(seconds * 1000);
      calls = done.get() - calls;
      System.out.printf("round %d: %d calls/s, CPU per call: client %.1f us, plugin server %.1f us, failed %d%n",
          round + 1, calls / seconds, 1e6 * (cpuSeconds(self) - client) / calls,
          1e6 * (cpuSeconds(serverPid) - plugin) / calls, failed.get());
    }
    System.exit(0);
  }

  // One call, and when it succeeds the next one, on the calling event loop. A failed call is counted
  // and not replaced: against a server that is gone, the probe must not spin on failing connects.
  private static void callAgainAndAgain(LoopClients<GrpcClient> clients, SocketAddress server, dev.coproxy.proto.Object object,
      AtomicLong done, AtomicLong failed) {
    clients.current().request(server, DispatcherGrpcClient.Dispatch)
        .compose(request -> request.timeout(1000, TimeUnit.MILLISECONDS).send(object).compose(response -> response.last()))
        .onComplete(ar -> {
          if (ar.failed()) {
            failed.incrementAndGet();
            return;
          }
          done.incrementAndGet();
          callAgainAndAgain(clients, server, object, done, failed);
        });
  }

  // A pre hook's object for a GET with a Host header, as bench/grpc.py's hooked API sends it.
  private static dev.coproxy.proto.Object sample() {
    return dev.coproxy.proto.Object.newBuilder()
        .setHookType(HookType.Pre)
        .setHookName("noop")
        .setRequest(MiniRequestObject.newBuilder()
            .putHeaders("Host", "127.0.0.1:40000")
            .setUrl("/hooked/data.json")
            .setRequestUri("/hooked/data.json")
            .setMethod("GET")
            .setScheme("http")
            .setReturnOverrides(ReturnOverrides.newBuilder().setResponseCode(-1)))
        .putSpec("OrgID", "bench")
        .putSpec("APIID", "hooked")
        .putSpec("bundle_hash", "d41d8cd98f00b204e9800998ecf8427e")
        .build();
  }

  // utime + stime (fields 14 and 15 of /proc/<pid>/stat), in Linux's clock ticks of 1/100 s.
  private static double cpuSeconds(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
  }
}
