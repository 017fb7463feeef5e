package dev.coproxy.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.KubernetesConfig;
import dev.coproxy.config.ConfigException;
import dev.coproxy.config.GatewayConfig;
import dev.coproxy.config.GatewayConfig.ClusterOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Hazelcast configuration generated from {@code cluster}: TCP-IP on loopback, Kubernetes discovery, refusals. */
class HazelcastSetupTest {

  private static ClusterOptions options(JsonObject cluster) {
    return GatewayConfig.from(new JsonObject().put("cluster", cluster), false).cluster();
  }

  @Test
  void tcpIpOnLoopbackKeepsVertxMapsAndJoinsFast() {
    Config hz = HazelcastSetup.build(options(new JsonObject().put("port", 5801)
        .put("members", new JsonArray().add("127.0.0.1:5801").add("127.0.0.1:5802"))));
    assertEquals("coproxy", hz.getClusterName());
    assertEquals("0", hz.getProperty("hazelcast.wait.seconds.before.join"));
    assertEquals("false", hz.getProperty("hazelcast.socket.bind.any"));
    assertEquals(5801, hz.getNetworkConfig().getPort());
    assertTrue(hz.getNetworkConfig().getInterfaces().isEnabled());
    assertEquals(List.of("127.0.0.1"), List.copyOf(hz.getNetworkConfig().getInterfaces().getInterfaces()));
    JoinConfig join = hz.getNetworkConfig().getJoin();
    assertFalse(join.getMulticastConfig().isEnabled());
    assertFalse(join.getAutoDetectionConfig().isEnabled());
    assertFalse(join.getKubernetesConfig().isEnabled());
    assertTrue(join.getTcpIpConfig().isEnabled());
    assertEquals(List.of("127.0.0.1:5801", "127.0.0.1:5802"), join.getTcpIpConfig().getMembers());
    // Vert.x's own structures are still configured, and the store's maps keep one backup.
    assertNotNull(hz.getMultiMapConfigs().get("__vertx.subs"));
    assertNotNull(hz.getMapConfigs().get("__vertx.nodeInfo"));
    assertEquals(1, hz.getMapConfig(ClusterStore.VALUES).getBackupCount());
    assertEquals(1, hz.getMapConfig(ClusterStore.COUNTERS).getBackupCount());
    assertEquals(1, hz.getMapConfig(ClusterStore.SESSIONS).getBackupCount());
    assertTrue(hz.getMapConfig(ClusterStore.SESSIONS).getNearCacheConfig().isInvalidateOnChange());
    assertEquals(null, hz.getMapConfig(ClusterStore.VALUES).getNearCacheConfig(), "plugin data is never read stale");
  }

  @Test
  void withoutMembersTheHostItselfIsProbed() {
    Config hz = HazelcastSetup.build(options(new JsonObject().put("name", "blue")));
    assertEquals("blue", hz.getClusterName());
    assertEquals(List.of("127.0.0.1"), hz.getNetworkConfig().getJoin().getTcpIpConfig().getMembers());
  }

  @Test
  void kubernetesDiscoveryFromServiceName() {
    Config hz = HazelcastSetup.build(options(new JsonObject().put("host", "")
        .put("kubernetes", new JsonObject().put("namespace", "gw").put("service_name", "coproxy-hazelcast").put("service_port", "5701"))));
    JoinConfig join = hz.getNetworkConfig().getJoin();
    KubernetesConfig k8s = join.getKubernetesConfig();
    assertTrue(k8s.isEnabled());
    assertEquals("gw", k8s.getProperty("namespace"));
    assertEquals("coproxy-hazelcast", k8s.getProperty("service-name"));
    assertEquals("5701", k8s.getProperty("service-port"));
    assertFalse(join.getTcpIpConfig().isEnabled());
    assertFalse(join.getMulticastConfig().isEnabled());
    assertEquals("true", hz.getProperty("hazelcast.socket.bind.any"));
    assertFalse(hz.getNetworkConfig().getInterfaces().isEnabled());
  }

  @Test
  void badSettingsNameTheirKey() {
    ConfigException unknown = assertThrows(ConfigException.class, () -> HazelcastSetup.build(options(
        new JsonObject().put("kubernetes", new JsonObject().put("servicename", "x")))));
    assertEquals("cluster.kubernetes.servicename", unknown.key());
    ConfigException both = assertThrows(ConfigException.class, () -> HazelcastSetup.build(options(
        new JsonObject().put("kubernetes", new JsonObject().put("service_name", "x").put("service_dns", "y")))));
    assertEquals("cluster.kubernetes", both.key());
    ConfigException range = assertThrows(ConfigException.class, () -> HazelcastSetup.build(options(
        new JsonObject().put("members", new JsonArray().add("127.0.0.1:5701-5710")))));
    assertEquals("cluster.members", range.key());
    ConfigException busPort = assertThrows(ConfigException.class, () -> options(new JsonObject().put("bus_port", -1)));
    assertEquals("cluster.bus_port", busPort.key());
  }

  @Test
  void eventBusAddress() {
    EventBusOptions bus = ClusterMembership.configureBus(new EventBusOptions(),
        options(new JsonObject().put("host", "127.0.0.1").put("bus_port", 17001)));
    assertEquals("127.0.0.1", bus.getHost());
    assertEquals("127.0.0.1", bus.getClusterPublicHost());
    assertEquals(17001, bus.getPort());
    EventBusOptions own = ClusterMembership.configureBus(new EventBusOptions(),
        options(new JsonObject().put("host", "127.0.0.1").put("bus_host", "127.0.0.2")));
    assertEquals("127.0.0.2", own.getHost());
    assertEquals(0, own.getPort());
  }
}
