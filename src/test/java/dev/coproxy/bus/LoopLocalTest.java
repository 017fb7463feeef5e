package dev.coproxy.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LoopLocalTest {

  private static final String ADDRESS = "test.loop-local";

  @Test
  void aTargetPicksTheLoopLocalAddressOnTheConsumersLoopAndTheSharedOneElsewhere() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Context[] loop = new Context[1];
      vertx.deployVerticle(new VerticleBase() {
        @Override
        public Future<?> start() {
          loop[0] = context;
          return LoopLocal.consume(vertx, context, ADDRESS, message -> message.reply("local"));
        }
      }).await(10, TimeUnit.SECONDS);
      LoopLocal.Target target = LoopLocal.target(vertx, ADDRESS);
      CompletableFuture<String[]> onLoop = new CompletableFuture<>();
      loop[0].runOnContext(v -> onLoop.complete(new String[] {target.pick(), target.pick(), Thread.currentThread().getName()}));
      String[] picked = onLoop.get(10, TimeUnit.SECONDS);
      assertEquals(ADDRESS + "@" + picked[2], picked[0]);
      assertSame(picked[0], picked[1], "the second pick on a thread is the remembered address");
      assertEquals(ADDRESS, target.pick(), "a thread without a consumer of its own sends to the shared address");
      assertEquals(LoopLocal.pick(vertx, ADDRESS), target.pick());
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
