package dev.coproxy.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.EvictionConfig;
import com.hazelcast.config.EvictionPolicy;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MaxSizePolicy;
import com.hazelcast.config.NearCacheConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.KubernetesConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.NetworkConfig;
import dev.coproxy.config.ConfigException;
import dev.coproxy.config.GatewayConfig.ClusterOptions;
import dev.coproxy.config.JsonReader;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns the gateway's {@code cluster} options into a Hazelcast configuration. It starts from
 * Vert.x's own defaults (which configure the {@code __vertx.*} maps the clustered event bus needs),
 * switches multicast and auto-detection off, and joins either by TCP-IP from {@code members} or
 * through Hazelcast's Kubernetes discovery when {@code cluster.kubernetes} is set.
 */
public final class HazelcastSetup {

  /** Maps of the cluster-wide store; all share one configuration (one synchronous backup). */
  public static final String MAP_PATTERN = "coproxy.*";
  private static final int NEAR_CACHE_ENTRIES = 50_000;

  /** {@code cluster.kubernetes} keys and the Hazelcast discovery properties they set. */
  private static final Map<String, String> KUBERNETES_KEYS = Map.of(
      "namespace", "namespace",
      "service_name", "service-name",
      "service_dns", "service-dns",
      "service_port", "service-port",
      "service_label_name", "service-label-name",
      "service_label_value", "service-label-value",
      "pod_label_name", "pod-label-name",
      "pod_label_value", "pod-label-value",
      "resolve_not_ready_addresses", "resolve-not-ready-addresses");

  private HazelcastSetup() {
  }

  /**
   * The Hazelcast configuration for these options.
   *
   * @throws ConfigException naming the {@code cluster.*} key that cannot work
   */
  public static Config build(ClusterOptions options) {
    Config hz = ConfigUtil.loadConfig();
    hz.setClusterName(options.name().isBlank() ? "coproxy" : options.name());
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.wait.seconds.before.join", "0");
    hz.setProperty("hazelcast.health.monitoring.level", "OFF");
    // The gateway's own shutdown hook drains requests first, then Vert.x leaves the cluster.
    hz.setProperty("hazelcast.shutdownhook.enabled", "false");
    hz.addMapConfig(new MapConfig(MAP_PATTERN).setBackupCount(1).setAsyncBackupCount(0));
    // Sessions are read on every authenticated call: each member keeps a near cache of them, which
    // the owner invalidates on every change (sent at once, not batched).
    hz.addMapConfig(new MapConfig(ClusterStore.SESSIONS).setBackupCount(1).setAsyncBackupCount(0)
        .setNearCacheConfig(new NearCacheConfig(ClusterStore.SESSIONS).setInMemoryFormat(InMemoryFormat.OBJECT)
            .setInvalidateOnChange(true).setCacheLocalEntries(true)
            .setEvictionConfig(new EvictionConfig().setEvictionPolicy(EvictionPolicy.LRU)
                .setMaxSizePolicy(MaxSizePolicy.ENTRY_COUNT).setSize(NEAR_CACHE_ENTRIES))));
    hz.setProperty("hazelcast.map.invalidation.batch.enabled", "false");

    NetworkConfig network = hz.getNetworkConfig();
    network.setPort(options.port() == 0 ? 5701 : options.port()).setPortAutoIncrement(true).setPortCount(20);
    String host = options.host().trim();
    if (host.isEmpty() || host.equals("0.0.0.0")) {
      hz.setProperty("hazelcast.socket.bind.any", "true");
    } else {
      hz.setProperty("hazelcast.socket.bind.any", "false");
      network.getInterfaces().setEnabled(true).setInterfaces(List.of(host));
    }
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    if (!options.kubernetes().isEmpty()) {
      kubernetes(join.getKubernetesConfig(), options.kubernetes());
      join.getTcpIpConfig().setEnabled(false);
    } else {
      join.getTcpIpConfig().setEnabled(true).setMembers(members(options, host));
    }
    return hz;
  }

  private static void kubernetes(KubernetesConfig k8s, io.vertx.core.json.JsonObject raw) {
    JsonReader reader = new JsonReader(raw, "cluster.kubernetes");
    for (String key : raw.fieldNames()) {
      if (!KUBERNETES_KEYS.containsKey(key) && !key.equals("enabled")) {
        throw new ConfigException(reader.path(key), "is not a known key (known: enabled, "
            + String.join(", ", KUBERNETES_KEYS.keySet().stream().sorted().toList()) + ")");
      }
    }
    k8s.setEnabled(reader.bool("enabled", true));
    if (raw.containsKey("service_name") && raw.containsKey("service_dns")) {
      throw new ConfigException("cluster.kubernetes", "set service_name (API lookup) or service_dns (DNS lookup), not both");
    }
    KUBERNETES_KEYS.forEach((key, property) -> {
      if (raw.containsKey(key)) {
        String value = reader.string(key, "");
        if (value.isBlank()) {
          throw new ConfigException(reader.path(key), "must not be empty");
        }
        k8s.setProperty(property, value);
      }
    });
  }

  // Each member is host or host:port; Hazelcast rejects port ranges, so they are refused here.
  private static List<String> members(ClusterOptions options, String host) {
    List<String> out = new ArrayList<>();
    for (String member : options.members()) {
      String m = member.trim();
      int colon = m.lastIndexOf(':');
      if (m.isEmpty() || colon == m.length() - 1 || (colon > 0 && !m.substring(colon + 1).chars().allMatch(Character::isDigit))) {
        throw new ConfigException("cluster.members", "\"" + member + "\" is not host or host:port");
      }
      out.add(m);
    }
    if (out.isEmpty()) {
      // Alone, or siblings on the same host found on the consecutive ports.
      out.add(host.isEmpty() || host.equals("0.0.0.0") ? "127.0.0.1" : host);
    }
    return out;
  }
}
