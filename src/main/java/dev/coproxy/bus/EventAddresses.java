package dev.coproxy.bus;

/** Event-bus addresses of the events module. */
public final class EventAddresses {

  /**
   * Local address where the gateway hands fired events to the fan-out, as JSON
   * {@code {"event", "api_id", "org_id", "meta", "timestamp"}}.
   */
  public static final String FIRE = "coproxy.events.fire";
  /** Cluster-wide address where every event is published as JSON. */
  public static final String EVENTS = "coproxy.events";
  /** Address where other cluster members fire a system event: {@code {"event": NAME, "payload": ...}}. */
  public static final String TRIGGER = "coproxy.events.trigger";

  private EventAddresses() {
  }
}
