package dev.coproxy.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.app.GatewayProcess;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node that cannot start its cluster member says why in one line and exits with a non-zero status. */
class ClusterStartIT {

  @TempDir
  Path workDir;

  private GatewayProcess start(JsonObject cluster) throws Exception {
    Files.createDirectories(workDir.resolve("apps"));
    Path conf = workDir.resolve("conf.json");
    Files.writeString(conf, new JsonObject().put("listen_port", 0).put("app_path", workDir.resolve("apps").toString())
        .put("cluster", cluster).encode());
    return GatewayProcess.start(workDir, Map.of(), "--conf", conf.toString(), "--cluster");
  }

  @Test
  void anInterfaceThisMachineDoesNotHaveEndsStartUp() throws Exception {
    // 192.0.2.0/24 is reserved for documentation: no machine has it.
    try (GatewayProcess node = start(new JsonObject().put("host", "192.0.2.77").put("port", ClusterNodes.freePort()))) {
      assertEquals(1, node.awaitExit(Duration.ofSeconds(90)), node.output());
      List<String> errors = node.stderrLines().stream().filter(l -> l.startsWith("coproxy:")).toList();
      assertEquals(1, errors.size(), node.output());
      assertTrue(errors.get(0).startsWith("coproxy: cannot join the cluster: "), errors.get(0));
      assertTrue(errors.get(0).contains("interface"), errors.get(0));
    }
  }

  @Test
  void anUnknownKubernetesKeyIsNamed() throws Exception {
    try (GatewayProcess node = start(new JsonObject().put("kubernetes", new JsonObject().put("service", "x")))) {
      assertEquals(2, node.awaitExit(Duration.ofSeconds(60)), node.output());
      assertTrue(node.logged("coproxy: invalid configuration: cluster.kubernetes.service: is not a known key"), node.output());
    }
  }
}
