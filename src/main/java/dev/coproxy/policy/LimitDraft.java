package dev.coproxy.policy;

import dev.coproxy.session.ApiLimit;

/**
 * A rate, quota, throttle and depth limit while policies are merged into it (the session's own, or
 * one API's): mutable, used by one merge on one thread, then turned back into an {@link ApiLimit}.
 * {@code setBy} is the policy that last gave the API its access (Tyk's {@code SetBy}).
 */
final class LimitDraft {

  double rate;
  double per;
  long quotaMax;
  long quotaRenewalRate;
  double throttleInterval;
  long throttleRetryLimit;
  long maxQueryDepth;
  String setBy = "";

  static LimitDraft of(ApiLimit limit) {
    LimitDraft d = new LimitDraft();
    if (limit != null) {
      d.rate = limit.rate();
      d.per = limit.per();
      d.quotaMax = limit.quotaMax();
      d.quotaRenewalRate = limit.quotaRenewalRate();
      d.throttleInterval = limit.throttleInterval();
      d.throttleRetryLimit = limit.throttleRetryLimit();
      d.maxQueryDepth = limit.maxQueryDepth();
    }
    return d;
  }

  ApiLimit toLimit() {
    return new ApiLimit(rate, per, quotaMax, quotaRenewalRate, throttleInterval, throttleRetryLimit, maxQueryDepth);
  }

  /** Tyk's {@code IsEmpty}: nothing set, not even by which policy. */
  boolean isEmpty() {
    return ApiLimit.isEmpty(toLimit()) && setBy.isEmpty();
  }

  /** No rate limit: rate or per is 0. */
  boolean noRate() {
    return rate == 0 || per == 0;
  }

  /**
   * The time between two allowed requests in nanoseconds (0 without a rate limit), as Tyk compares
   * rates: the smaller, the more generous. Whole nanoseconds, so that 20 per 1 and 200 per 10 tie.
   */
  long intervalNanos() {
    return per <= 0 || rate <= 0 ? 0 : (long) (1e9 * per / rate);
  }

  void takeRate(LimitDraft from) {
    rate = from.rate;
    per = from.per;
  }

  /** Tyk's comparison of quotas and depths: -1 (unlimited) is above everything. */
  static boolean greater(long first, long second) {
    if (first == -1) {
      return true;
    }
    if (second == -1) {
      return false;
    }
    return first > second;
  }
}
