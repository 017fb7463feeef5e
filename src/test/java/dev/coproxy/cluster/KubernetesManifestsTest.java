package dev.coproxy.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.config.GatewayConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Parses every manifest in {@code k8s/} and checks that they agree with each other and with the
 * gateway: ports, probe and metrics paths, names, labels, mounts and the shutdown budget.
 */
class KubernetesManifestsTest {

  private static final List<JsonObject> documents = new ArrayList<>();
  private static JsonObject defaults;

  @BeforeAll
  static void load() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("k8s"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        for (Object doc : new Yaml().loadAll(Files.readString(file))) {
          assertTrue(doc instanceof Map, file + " holds a document that is not an object");
          documents.add(new JsonObject(castMap(doc)).put("_file", file.toString()));
        }
      }
    }
    try (InputStream in = KubernetesManifestsTest.class.getResourceAsStream("/conf/coproxy.json")) {
      defaults = new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Object doc) {
    return (Map<String, Object>) doc;
  }

  private static JsonObject one(String kind, String name) {
    List<JsonObject> found = documents.stream().filter(d -> kind.equals(d.getString("kind"))
        && name.equals(d.getJsonObject("metadata").getString("name"))).toList();
    assertEquals(1, found.size(), kind + " " + name);
    return found.get(0);
  }

  private static JsonObject container() {
    return one("Deployment", "coproxy").getJsonObject("spec").getJsonObject("template").getJsonObject("spec")
        .getJsonArray("containers").getJsonObject(0);
  }

  private static GatewayConfig gatewayConfig() {
    String json = one("ConfigMap", "coproxy-config").getJsonObject("data").getString("coproxy.json");
    return GatewayConfig.from(new JsonObject(json), false);
  }

  private static int containerPort(String name) {
    for (Object port : container().getJsonArray("ports")) {
      JsonObject p = (JsonObject) port;
      if (name.equals(p.getString("name"))) {
        return p.getInteger("containerPort");
      }
    }
    throw new AssertionError("no container port " + name);
  }

  @Test
  void everyDocumentIsInTheNamespaceTheDiscoveryLooksIn() {
    GatewayConfig config = gatewayConfig();
    String namespace = config.cluster().kubernetes().getString("namespace");
    one("Namespace", namespace);
    for (JsonObject doc : documents) {
      if (!"Namespace".equals(doc.getString("kind"))) {
        assertEquals(namespace, doc.getJsonObject("metadata").getString("namespace"), doc.getString("_file"));
      }
    }
    for (String kind : List.of("Deployment", "Service", "ServiceAccount", "Role", "RoleBinding", "ConfigMap", "PodDisruptionBudget")) {
      assertTrue(documents.stream().anyMatch(d -> kind.equals(d.getString("kind"))), "a " + kind);
    }
  }

  @Test
  void portsAndPathsMatchTheGatewayConfig() {
    GatewayConfig config = gatewayConfig();
    assertEquals(defaults.getInteger("listen_port"), config.listenPort(), "the bundled default port");
    assertEquals(config.listenPort(), containerPort("http"));
    assertEquals(config.cluster().port(), containerPort("hazelcast"));
    assertEquals(config.cluster().busPort(), containerPort("eventbus"));
    assertFalse(config.controlOnTrafficPort(), "the Gateway API and /metrics stay off the traffic port");
    assertEquals(config.controlApiPort(), containerPort("control"));
    assertEquals(defaults.getJsonObject("metrics").getString("path"), config.metrics().path());
    JsonObject annotations = one("Deployment", "coproxy").getJsonObject("spec").getJsonObject("template")
        .getJsonObject("metadata").getJsonObject("annotations");
    assertEquals("true", annotations.getString("prometheus.io/scrape"));
    assertEquals(config.metrics().path(), annotations.getString("prometheus.io/path"));
    assertEquals(String.valueOf(config.controlApiPort()), annotations.getString("prometheus.io/port"), "scraped on the control port");
    assertFalse(config.metrics().requireSecret(), "annotation-driven scrapes send no secret");
    for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
      JsonObject get = container().getJsonObject(probe).getJsonObject("httpGet");
      assertEquals("/hello", get.getString("path"), probe);
      assertEquals("http", get.getString("port"), probe);
    }
    JsonArray servicePorts = one("Service", "coproxy").getJsonObject("spec").getJsonArray("ports");
    assertEquals(1, servicePorts.size(), "the traffic Service exposes the traffic port only");
    assertEquals("http", servicePorts.getJsonObject(0).getString("targetPort"));
  }

  @Test
  void discoveryFindsThePodsThroughTheHeadlessService() {
    GatewayConfig config = gatewayConfig();
    assertTrue(config.cluster().enabled());
    assertEquals("", config.cluster().host(), "Hazelcast binds the pod's own address");
    JsonObject headless = one("Service", config.cluster().kubernetes().getString("service_name")).getJsonObject("spec");
    assertEquals("None", headless.getString("clusterIP"));
    assertTrue(headless.getBoolean("publishNotReadyAddresses"), "pods join before they are ready");
    assertEquals(config.cluster().port(), headless.getJsonArray("ports").getJsonObject(0).getInteger("port"));
    // The generated Hazelcast config uses Kubernetes discovery.
    assertTrue(HazelcastSetup.build(config.cluster()).getNetworkConfig().getJoin().getKubernetesConfig().isEnabled());
    JsonObject pod = one("Deployment", "coproxy").getJsonObject("spec").getJsonObject("template").getJsonObject("spec");
    String account = pod.getString("serviceAccountName");
    one("ServiceAccount", account);
    JsonObject binding = one("RoleBinding", "coproxy-hazelcast-discovery");
    assertEquals(account, binding.getJsonArray("subjects").getJsonObject(0).getString("name"));
    JsonObject role = one("Role", binding.getJsonObject("roleRef").getString("name"));
    JsonObject core = role.getJsonArray("rules").getJsonObject(0);
    assertTrue(core.getJsonArray("resources").getList().containsAll(List.of("endpoints", "pods")), core.encode());
    assertTrue(core.getJsonArray("verbs").getList().containsAll(List.of("get", "list")), core.encode());
  }

  @Test
  void labelsSelectThePods() {
    JsonObject deployment = one("Deployment", "coproxy").getJsonObject("spec");
    assertEquals(3, deployment.getInteger("replicas"));
    JsonObject labels = deployment.getJsonObject("template").getJsonObject("metadata").getJsonObject("labels");
    assertEquals(labels, deployment.getJsonObject("selector").getJsonObject("matchLabels"));
    for (JsonObject doc : documents) {
      if ("Service".equals(doc.getString("kind"))) {
        assertEquals(labels, doc.getJsonObject("spec").getJsonObject("selector"), doc.getString("_file"));
      }
    }
    assertEquals(labels, one("PodDisruptionBudget", "coproxy").getJsonObject("spec").getJsonObject("selector").getJsonObject("matchLabels"));
  }

  @Test
  void configAndApisAndPluginsAreMountedWhereTheConfigLooks() {
    GatewayConfig config = gatewayConfig();
    JsonArray command = container().getJsonArray("command");
    String confPath = command.getString(command.getList().indexOf("--conf") + 1);
    assertTrue(command.getList().contains("--cluster"));
    JsonObject pod = one("Deployment", "coproxy").getJsonObject("spec").getJsonObject("template").getJsonObject("spec");
    assertEquals("coproxy-config", configMapMountedAt(pod, Path.of(confPath).getParent().toString()));
    assertNotNull(one("ConfigMap", "coproxy-config").getJsonObject("data").getString(Path.of(confPath).getFileName().toString()));
    assertEquals("coproxy-apis", configMapMountedAt(pod, config.appPath().toString()));
    assertEquals("coproxy-plugins", configMapMountedAt(pod, Path.of(config.middlewarePath().toString(), "lua").toString()));
    for (String api : one("ConfigMap", "coproxy-apis").getJsonObject("data").fieldNames()) {
      assertTrue(api.endsWith(".json"), api);
      assertFalse(new JsonObject(one("ConfigMap", "coproxy-apis").getJsonObject("data").getString(api)).getString("api_id").isBlank());
    }
  }

  private static String configMapMountedAt(JsonObject pod, String path) {
    for (Object m : container().getJsonArray("volumeMounts")) {
      JsonObject mount = (JsonObject) m;
      if (path.equals(mount.getString("mountPath"))) {
        for (Object v : pod.getJsonArray("volumes")) {
          JsonObject volume = (JsonObject) v;
          if (volume.getString("name").equals(mount.getString("name"))) {
            return volume.getJsonObject("configMap").getString("name");
          }
        }
      }
    }
    throw new AssertionError("nothing is mounted at " + path);
  }

  @Test
  void memoryFitsTheHeapAndShutdownFitsTheDrain() {
    GatewayConfig config = gatewayConfig();
    JsonObject resources = container().getJsonObject("resources");
    assertEquals(resources.getJsonObject("requests").getString("memory"), resources.getJsonObject("limits").getString("memory"),
        "memory request = limit");
    String percentage = container().getJsonArray("command").stream().map(String::valueOf)
        .filter(a -> a.startsWith("-XX:MaxRAMPercentage=")).findFirst().orElseThrow();
    double heapShare = Double.parseDouble(percentage.substring(percentage.indexOf('=') + 1));
    assertTrue(heapShare >= 50 && heapShare <= 75, "room outside the heap for metaspace, threads and direct buffers: " + heapShare);
    JsonObject pod = one("Deployment", "coproxy").getJsonObject("spec").getJsonObject("template").getJsonObject("spec");
    JsonArray preStop = container().getJsonObject("lifecycle").getJsonObject("preStop").getJsonObject("exec").getJsonArray("command");
    long preStopSeconds = Long.parseLong(preStop.getString(preStop.size() - 1));
    long grace = pod.getLong("terminationGracePeriodSeconds");
    assertTrue(grace > preStopSeconds + config.shutdownTimeoutMillis() / 1000,
        "grace " + grace + " s covers preStop " + preStopSeconds + " s and the drain " + config.shutdownTimeoutMillis() + " ms");
  }
}
