package dev.coproxy.cluster;

import com.hazelcast.config.Config;
import dev.coproxy.config.GatewayConfig.ClusterOptions;
import dev.coproxy.session.KeyValueStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/**
 * A node's membership: a clustered Vert.x on Hazelcast (configured by {@link HazelcastSetup}) and the
 * cluster-wide store on the same Hazelcast member. The event bus is clustered, so publishes reach
 * every node and other Vert.x applications that join with the same settings.
 */
public final class ClusterMembership {

  private final Vertx vertx;
  private final HazelcastClusterManager manager;

  private ClusterMembership(Vertx vertx, HazelcastClusterManager manager) {
    this.vertx = vertx;
    this.manager = manager;
  }

  /**
   * The clustered event bus's address: {@code bus_host} (else {@code host}; empty = the address
   * Hazelcast chose) and {@code bus_port} (0 = any free port).
   */
  public static EventBusOptions configureBus(EventBusOptions busOptions, ClusterOptions options) {
    String busHost = options.busHost().isBlank() ? options.host().trim() : options.busHost().trim();
    if (!busHost.isEmpty() && !busHost.equals("0.0.0.0")) {
      busOptions.setHost(busHost).setClusterPublicHost(busHost);
    }
    return busOptions.setPort(options.busPort());
  }

  /**
   * Starts the Hazelcast member and the clustered Vert.x; the builder's options should have had
   * {@link #configureBus} applied.
   *
   * @throws dev.coproxy.config.ConfigException for {@code cluster.*} settings that cannot work
   */
  public static Future<ClusterMembership> join(VertxBuilder builder, ClusterOptions options) {
    Config hazelcast = HazelcastSetup.build(options);
    HazelcastClusterManager manager = new HazelcastClusterManager(hazelcast);
    return builder.withClusterManager(manager).buildClustered().map(vertx -> new ClusterMembership(vertx, manager));
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The cluster-wide store on this node's Hazelcast member. */
  public KeyValueStore store() {
    return new ClusterStore(vertx, manager.getHazelcastInstance());
  }

  /** How many members the cluster has, as this node sees it. */
  public int members() {
    return manager.getHazelcastInstance().getCluster().getMembers().size();
  }
}
