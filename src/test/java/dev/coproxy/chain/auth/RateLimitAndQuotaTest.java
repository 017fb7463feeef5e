package dev.coproxy.chain.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.api.ApiDefinition;
import dev.coproxy.chain.ChainInterruption;
import dev.coproxy.chain.RequestContext;
import dev.coproxy.metrics.GatewayMetrics;
import dev.coproxy.routing.LoadedApi;
import dev.coproxy.session.LocalStore;
import dev.coproxy.session.Session;
import dev.coproxy.session.SessionRepository;
import dev.coproxy.testing.Apis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Rate limit (sliding window: the current window's count plus the overlapping part of the
 * previous window's) and quota, driven by a fake clock. Windows are aligned to multiples of
 * {@code per}; the clock starts at the beginning of a window.
 */
class RateLimitAndQuotaTest {

  private static final long T0 = 1_000_000_000L; // a multiple of every window used here

  private final AtomicLong now = new AtomicLong(T0);
  private final LocalStore store = new LocalStore(now::get);
  private static final LoadedApi API = new LoadedApi(
      ApiDefinition.parse(Apis.protectedApi("rl", "/rl/", "http://127.0.0.1:1/")), List.of(), Path.of("rl.json"),
      new GatewayMetrics(new SimpleMeterRegistry()).forApi("rl"));

  private final List<String> fired = new CopyOnWriteArrayList<>();
  private final RateLimitAndQuota check = new RateLimitAndQuota(store, now::get, (type, api, org, meta) -> fired.add(type));

  @Test
  void allowsRateCallsPerWindowThenAnswers429() {
    Session s = session("{\"rate\": 3, \"per\": 1}");
    for (int i = 0; i < 3; i++) {
      assertEquals(200, call("k", s), "call " + (i + 1));
    }
    assertRefused(429, "Rate limit exceeded", "k", s);
    assertEquals(List.of("RatelimitExceeded"), fired);
  }

  @Test
  void previousWindowStillCountsForTheFractionThatOverlaps() {
    Session s = session("{\"rate\": 3, \"per\": 1}");
    now.set(T0 + 900);
    for (int i = 0; i < 3; i++) {
      assertEquals(200, call("k", s));
    }
    // 200 ms later a fixed window would start afresh; here 0.9 of the previous window still counts:
    // 2.7 is under 3, so one more call passes, and the next (3.7) is refused.
    now.set(T0 + 1100);
    assertEquals(200, call("k", s));
    assertEquals(429, call("k", s));
    // 0.3 of the previous window overlaps: 3 * 0.3 + 1 < 3 (the refused call was not counted).
    now.set(T0 + 1700);
    assertEquals(200, call("k", s));
  }

  @Test
  void refusedCallsAreNotCountedSoAFastClientStillGetsItsRate() {
    Session s = session("{\"rate\": 2, \"per\": 1}");
    int allowed = 0;
    for (long t = 0; t < 10_000; t += 50) { // 20 calls a second against a rate of 2 a second
      now.set(T0 + t);
      if (call("k", s) == 200) {
        allowed++;
      }
    }
    assertTrue(allowed >= 18 && allowed <= 22, "allowed " + allowed + " calls in 10 s at rate 2/s");
  }

  @Test
  void aRateBelowOnePerWindowIsNotAlwaysRefused() {
    Session s = session("{\"rate\": 0.5, \"per\": 1}");
    assertEquals(200, call("k", s));
    assertEquals(429, call("k", s));
    now.set(T0 + 1400); // 0.6 of the first window still counts: 0.6 >= 0.5
    assertEquals(429, call("k", s));
    now.set(T0 + 1600); // 0.4 < 0.5
    assertEquals(200, call("k", s));
  }

  @Test
  void exactlyAtTheWindowBoundaryThePreviousWindowCountsWhole() {
    Session s = session("{\"rate\": 2, \"per\": 1}");
    assertEquals(200, call("k", s));
    assertEquals(200, call("k", s));
    now.set(T0 + 1000);
    assertEquals(429, call("k", s));
  }

  @Test
  void aQuietWindowLetsTheFullRateThroughAgain() {
    Session s = session("{\"rate\": 2, \"per\": 1}");
    assertEquals(200, call("k", s));
    assertEquals(200, call("k", s));
    assertEquals(429, call("k", s));
    now.set(T0 + 2000);
    assertEquals(200, call("k", s));
    assertEquals(200, call("k", s));
    assertEquals(429, call("k", s));
  }

  @Test
  void keysAreLimitedSeparately() {
    Session s = session("{\"rate\": 1, \"per\": 60}");
    assertEquals(200, call("a", s));
    assertEquals(429, call("a", s));
    assertEquals(200, call("b", s));
  }

  @Test
  void noRateOrNoPerMeansNoRateLimit() {
    for (String json : new String[] {"{}", "{\"rate\": 0, \"per\": 1}", "{\"rate\": 1, \"per\": 0}", "{\"rate\": -1, \"per\": -1}"}) {
      Session s = session(json);
      for (int i = 0; i < 50; i++) {
        assertEquals(200, call("k" + json, s), json);
      }
    }
  }

  @Test
  void quotaAllowsQuotaMaxCallsThenAnswers403() {
    Session s = session("{\"quota_max\": 2, \"quota_renewal_rate\": 3600}");
    assertEquals(200, call("k", s));
    assertEquals(200, call("k", s));
    assertRefused(403, "Quota exceeded", "k", s);
    assertEquals(403, call("k", s));
    assertEquals(List.of("QuotaExceeded", "QuotaExceeded"), fired);
  }

  @Test
  void quotaRenewsAfterTheRenewalRate() {
    Session s = session("{\"quota_max\": 1, \"quota_renewal_rate\": 2}");
    now.set(T0 + 300);
    assertEquals(200, call("k", s));
    now.set(T0 + 2299);
    assertEquals(403, call("k", s));
    now.set(T0 + 2300);
    assertEquals(200, call("k", s));
    assertEquals(403, call("k", s));
  }

  @Test
  void quotaWithoutRenewalRateNeverRenews() {
    Session s = session("{\"quota_max\": 1}");
    assertEquals(200, call("k", s));
    now.addAndGet(365L * 24 * 3600 * 1000);
    assertEquals(403, call("k", s));
  }

  @Test
  void unlimitedQuota() {
    for (String json : new String[] {"{\"quota_max\": -1}", "{\"quota_max\": 0}"}) {
      Session s = session(json);
      for (int i = 0; i < 20; i++) {
        assertEquals(200, call("k" + json, s), json);
      }
    }
  }

  @Test
  void aRateLimitedCallDoesNotUseQuota() {
    Session s = session("{\"rate\": 1, \"per\": 60, \"quota_max\": 5, \"quota_renewal_rate\": 3600}");
    assertEquals(200, call("k", s));
    for (int i = 0; i < 4; i++) {
      assertEquals(429, call("k", s));
    }
    assertEquals(1, store.counter(SessionRepository.quotaCounter("k")).result().value());
  }

  @Test
  void rateLimitIsCheckedBeforeQuota() {
    Session s = session("{\"rate\": 1, \"per\": 60, \"quota_max\": 1, \"quota_renewal_rate\": 3600}");
    assertEquals(200, call("k", s));
    // Both are used up: the rate limit answers.
    assertEquals(429, call("k", s));
  }

  @Test
  void anApiLimitReplacesTheKeysOwnAndItsScopeKeepsItsCountersApart() {
    Session s = session("{\"rate\": 100, \"per\": 1, \"quota_max\": 100, \"access_rights\": {\"rl\": {\"allowance_scope\": \"rl\","
        + " \"limit\": {\"rate\": 100, \"per\": 1, \"quota_max\": 2, \"quota_renewal_rate\": 3600}}}}");
    assertEquals(200, call("k", s));
    assertEquals(200, call("k", s));
    assertRefused(403, "Quota exceeded", "k", s);
    assertEquals(3, store.counter(SessionRepository.quotaCounter("rl", "k")).result().value());
    assertEquals(0, store.counter(SessionRepository.quotaCounter("k")).result().value(), "the key's own quota is untouched");
  }

  @Test
  void aScopeWithoutAnApiLimitCountsTheKeysOwnLimitsApart() {
    // The APIs of two policies: each is counted under its policy's id, with the key's own limits.
    Session s = session("{\"rate\": 1, \"per\": 60, \"access_rights\": {\"rl\": {\"allowance_scope\": \"p1\"}}}");
    assertEquals(200, call("k", s));
    assertEquals(429, call("k", s));
    Session plain = session("{\"rate\": 1, \"per\": 60}");
    assertEquals(200, call("k", plain), "the key's own counter was not used");
  }

  @Test
  void anApiLimitWithoutScopeUsesTheKeysCounters() {
    Session s = session("{\"access_rights\": {\"rl\": {\"limit\": {\"rate\": 1, \"per\": 60}}}}");
    assertEquals(200, call("k", s));
    assertEquals(429, call("k", session("{\"rate\": 1, \"per\": 60}")));
  }

  @Test
  void aRightOnAnotherApiDoesNotChangeTheLimits() {
    Session s = session("{\"rate\": 1, \"per\": 60, \"access_rights\": {\"other\": {\"allowance_scope\": \"other\","
        + " \"limit\": {\"rate\": 100, \"per\": 1}}}}");
    assertEquals(200, call("k", s));
    assertEquals(429, call("k", s));
  }

  @Test
  void disableRateLimitAndDisableQuotaSwitchEachCheckOff() {
    Session s = session("{\"rate\": 1, \"per\": 60, \"quota_max\": 1, \"quota_renewal_rate\": 3600}");
    RateLimitAndQuota noRate = new RateLimitAndQuota(store, now::get, (type, api, org, meta) -> fired.add(type), false, true);
    assertEquals(200, call(noRate, "a", s));
    assertEquals(403, call(noRate, "a", s), "the quota still counts");
    RateLimitAndQuota noQuota = new RateLimitAndQuota(store, now::get, (type, api, org, meta) -> fired.add(type), true, false);
    assertEquals(200, call(noQuota, "b", s));
    assertEquals(429, call(noQuota, "b", s), "the rate still counts");
    now.addAndGet(120_000);
    assertEquals(200, call(noQuota, "b", s), "no quota: a second call in a new window passes");
    assertEquals(0, store.counter(SessionRepository.quotaCounter("b")).result().value());
  }

  @Test
  void noSessionPassesThrough() {
    RequestContext ctx = new RequestContext(null, API.definition(), 0);
    assertTrue(check.onRequest(ctx).succeeded());
  }

  private int call(String key, Session session) {
    return call(check, key, session);
  }

  private static int call(RateLimitAndQuota check, String key, Session session) {
    RequestContext ctx = new RequestContext(null, API.definition(), 0);
    ctx.attachSession(key, key, session);
    Future<Void> result = check.onRequest(ctx);
    assertTrue(result.isComplete(), "the local store answers at once");
    if (result.succeeded()) {
      return 200;
    }
    return assertInstanceOf(ChainInterruption.class, result.cause()).status();
  }

  private void assertRefused(int status, String message, String key, Session session) {
    RequestContext ctx = new RequestContext(null, API.definition(), 0);
    ctx.attachSession(key, key, session);
    ChainInterruption stop = assertInstanceOf(ChainInterruption.class, check.onRequest(ctx).cause());
    assertEquals(status, stop.status());
    assertEquals(message, stop.getMessage());
  }

  private static Session session(String json) {
    return Session.parse(new JsonObject(json));
  }
}
