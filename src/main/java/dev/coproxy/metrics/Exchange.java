package dev.coproxy.metrics;

/**
 * One request and its response as the HTTP metrics follow them: the method's meters, the start
 * time, and which ends were seen. The active-requests gauge goes down once, when both the request
 * and the response have ended, or at a reset (never both), as in vertx-micrometer-metrics.
 * Vert.x calls an exchange's methods from one event loop.
 */
final class Exchange {

  final MethodMeters meters;
  final long start = System.nanoTime();
  /** The response's status, once its head has been seen (client side); -1 before. */
  int status = -1;
  private boolean requestEnded;
  private boolean responseEnded;
  private boolean reset;

  private Exchange(MethodMeters meters) {
    this.meters = meters;
  }

  static Exchange begin(MethodMeters meters) {
    meters.active.get().increment();
    return new Exchange(meters);
  }

  void requestEnded() {
    requestEnded = true;
    if (!reset && responseEnded) {
      meters.active.get().decrement();
    }
  }

  void responseEnded() {
    responseEnded = true;
    if (!reset && requestEnded) {
      meters.active.get().decrement();
    }
  }

  void reset() {
    meters.active.get().decrement();
    reset = true;
  }
}
