import dev.coproxy.bus.CoprocessAddresses;
import dev.coproxy.bus.LoopLocal;
import dev.coproxy.coprocess.DriverCalls;
import dev.coproxy.coprocess.ObjectCodec;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * What the event-bus hop of a hook call costs by itself (issue 21): the CPU time per call of
 * Coproxy's own DriverCalls.send (loop-local address, the ObjectCodec, a send timeout and the
 * headers HookRunner puts on every call) to a consumer on the same event loop that replies with the
 * object it got, against the same call made as a plain method call returning a Future. One event
 * loop, 50 calls in flight (as wrk -c50), interleaved rounds; CPU is the process's own
 * (OperatingSystemMXBean.getProcessCpuTime), so it includes the timer wheel and GC.
 *
 *   mvn -q -DskipTests package dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 *   java -cp target/classes:$(cat target/cp.txt) bench/EventBusHop.java [calls per round, 2000000] [rounds, 5]
 */
public class EventBusHop {

  static final int IN_FLIGHT = 50;
  static final String DRIVER = "bench";

  public static void main(String[] args) throws Exception {
    int calls = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    vertx.eventBus().registerDefaultCodec(dev.coproxy.proto.Object.class, new ObjectCodec());
    Bench bench = new Bench();
    vertx.deployVerticle(bench, new DeploymentOptions()).await();
    dev.coproxy.proto.Object object = dev.coproxy.proto.Object.newBuilder().setHookName("Bench")
        .setRequest(dev.coproxy.proto.MiniRequestObject.newBuilder().setMethod("GET").setUrl("/bench/data.json")
            .putHeaders("Host", "127.0.0.1:8080").putHeaders("User-Agent", "wrk"))
        .build();

    Function<dev.coproxy.proto.Object, Future<dev.coproxy.proto.Object>> direct = o -> {
      Promise<dev.coproxy.proto.Object> reply = Promise.promise();
      reply.complete(o);
      return reply.future();
    };
    LoopLocal.Target address = DriverCalls.address(vertx, DRIVER);
    Function<dev.coproxy.proto.Object, Future<dev.coproxy.proto.Object>> bus = o -> {
      long deadline = System.currentTimeMillis() + 5000;
      DeliveryOptions options = new DeliveryOptions().setSendTimeout(5000)
          .addHeader(CoprocessAddresses.HEADER_API_ID, "bench")
          .addHeader(CoprocessAddresses.HEADER_DEADLINE, Long.toString(deadline))
          .addHeader(CoprocessAddresses.HEADER_CALL_ID, "call-1");
      return DriverCalls.send(vertx, address, DRIVER, o, options);
    };

    run(bench, direct, object, calls); // warm-up
    run(bench, bus, object, calls);
    List<Double> directUs = new ArrayList<>();
    List<Double> busUs = new ArrayList<>();
    for (int round = 1; round <= rounds; round++) {
      double d = run(bench, direct, object, calls);
      double b = run(bench, bus, object, calls);
      directUs.add(d);
      busUs.add(b);
      System.out.printf("round %d: direct %.2f us/call, event bus %.2f us/call, hop %.2f us%n", round, d, b, b - d);
    }
    directUs.sort(null);
    busUs.sort(null);
    double d = directUs.get(rounds / 2);
    double b = busUs.get(rounds / 2);
    System.out.printf("median: direct %.2f us/call, event bus %.2f us/call: the hop costs %.2f us of CPU per call%n", d, b, b - d);
    vertx.close().await();
  }

  // Runs `calls` calls, IN_FLIGHT at a time, on the verticle's event loop; process CPU us per call.
  static double run(Bench bench, Function<dev.coproxy.proto.Object, Future<dev.coproxy.proto.Object>> call,
      dev.coproxy.proto.Object object, int calls) throws Exception {
    System.gc();
    CompletableFuture<Void> done = new CompletableFuture<>();
    long before = cpuNanos();
    bench.context.runOnContext(v -> new Pump(call, object, calls, done).pump());
    done.get();
    return (cpuNanos() - before) / 1000.0 / calls;
  }

  // Keeps IN_FLIGHT calls going; a call that completes at once (the direct one) does not recurse.
  static final class Pump {
    final Function<dev.coproxy.proto.Object, Future<dev.coproxy.proto.Object>> call;
    final dev.coproxy.proto.Object object;
    final int calls;
    final CompletableFuture<Void> done;
    int started;
    int finished;
    int inFlight;
    boolean pumping;

    Pump(Function<dev.coproxy.proto.Object, Future<dev.coproxy.proto.Object>> call, dev.coproxy.proto.Object object,
        int calls, CompletableFuture<Void> done) {
      this.call = call;
      this.object = object;
      this.calls = calls;
      this.done = done;
    }

    void pump() {
      if (pumping) {
        return;
      }
      pumping = true;
      while (inFlight < IN_FLIGHT && started < calls) {
        started++;
        inFlight++;
        call.apply(object).onComplete(ar -> {
          inFlight--;
          if (ar.failed()) {
            done.completeExceptionally(ar.cause());
          } else if (++finished == calls) {
            done.complete(null);
          } else {
            pump();
          }
        });
      }
      pumping = false;
    }
  }

  static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  // The driver's side: a loop-local consumer that replies with what it got, as a no-op hook does.
  static final class Bench extends AbstractVerticle {
    io.vertx.core.Context context;

    @Override
    public void start(Promise<Void> started) {
      this.context = vertx.getOrCreateContext();
      LoopLocal.<dev.coproxy.proto.Object>consumeOwn(vertx, context, CoprocessAddresses.driver(DRIVER),
          message -> message.reply(message.body())).onComplete(ar -> {
            if (ar.failed()) {
              started.fail(ar.cause());
            } else {
              started.complete();
            }
          });
    }
  }
}
