package dev.coproxy.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.testing.Apis;
import dev.coproxy.testing.TestGateway;
import dev.coproxy.testing.Upstream;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Loading API definitions from app_path through {@code /tyk/reload}: bad files are skipped with an
 * error naming them while the others load; a file that turns bad keeps its previous version live;
 * duplicates are refused; a deleted file's API goes away.
 */
class ApiRegistryIT {

  private static TestGateway gw;
  private static Upstream upstream;

  @BeforeAll
  static void start() throws Exception {
    gw = TestGateway.start(new JsonObject(), Map.of());
    upstream = Upstream.start(gw.vertx);
  }

  @AfterAll
  static void stop() throws Exception {
    if (upstream != null) {
      upstream.close();
    }
    if (gw != null) {
      gw.close();
    }
  }

  @AfterEach
  void emptyAppPath() throws Exception {
    try (Stream<Path> files = Files.list(gw.appPath)) {
      for (Path file : files.toList()) {
        Files.delete(file);
      }
    }
    assertEquals(0, gw.reload().getInteger("loaded"));
  }

  @Test
  void badFilesAreSkippedAndTheOthersLoad() throws Exception {
    gw.writeApi("good.json", api("good", "/good/", "/v1"));
    write("broken.json", "{ \"api_id\": \"broken\", ");
    gw.writeApi("invalid.json", api("invalid", "/invalid/", "/v1").put("proxy", new JsonObject().put("listen_path", "/invalid/")));
    write("list.json", "[1, 2, 3]");
    write("empty.json", "");
    write("null.json", "null");
    write("notes.txt", "not an API definition");

    JsonObject reload = gw.reload();
    assertEquals("ok", reload.getString("status"), reload.encode());
    assertEquals(1, reload.getInteger("loaded"), reload.encode());
    List<String> errors = errors(reload);
    assertEquals(5, errors.size(), reload.encodePrettily());
    assertError(errors, "broken.json", "not valid JSON");
    assertError(errors, "invalid.json", "proxy.target_url");
    assertError(errors, "list.json", "");
    assertError(errors, "empty.json", "");
    assertError(errors, "null.json", "");

    assertRoutedTo("/good/x", "/v1/x");
    assertNotRouted("/invalid/x");
  }

  @Test
  void badFilesAtStartUpDoNotStopTheGateway() throws Exception {
    try (TestGateway other = TestGateway.start(new JsonObject(), Map.of(
        "good.json", api("good", "/good/", "/v1"),
        "invalid.json", new JsonObject().put("api_id", "invalid")))) {
      Files.writeString(other.appPath.resolve("broken.json"), "{{");
      Files.writeString(other.appPath.resolve("null.json"), "null");
      JsonObject reload = other.reload();
      assertEquals(1, reload.getInteger("loaded"), reload.encode());
      TestGateway.Reply reply = other.call(HttpMethod.GET, "/good/x", Map.of(), null);
      assertEquals(200, reply.status(), reply.text());
    }
  }

  @Test
  void fileThatTurnsBadKeepsItsPreviousVersionLive() throws Exception {
    gw.writeApi("api.json", api("api", "/api/", "/v1"));
    assertEquals(1, gw.reload().getInteger("loaded"));
    assertRoutedTo("/api/x", "/v1/x");

    write("api.json", "{ this is not json");
    JsonObject reload = gw.reload();
    assertEquals(1, reload.getInteger("loaded"), reload.encode());
    assertError(errors(reload), "api.json", "previous version");
    assertRoutedTo("/api/x", "/v1/x");

    gw.writeApi("api.json", api("api", "/api/", "/v2").put("active", "not a boolean"));
    reload = gw.reload();
    assertError(errors(reload), "api.json", "active");
    assertRoutedTo("/api/x", "/v1/x");

    gw.writeApi("api.json", api("api", "/api/", "/v2"));
    reload = gw.reload();
    assertEquals(List.of(), errors(reload));
    assertRoutedTo("/api/x", "/v2/x");
  }

  @Test
  void duplicateApiIdIsRefused() throws Exception {
    gw.writeApi("a.json", api("same", "/first/", "/v1"));
    gw.writeApi("b.json", api("same", "/second/", "/v2"));
    JsonObject reload = gw.reload();
    assertEquals(1, reload.getInteger("loaded"), reload.encode());
    assertError(errors(reload), "b.json", "api_id same");
    assertRoutedTo("/first/x", "/v1/x");
    assertNotRouted("/second/x");
  }

  @Test
  void duplicateListenPathIsRefused() throws Exception {
    gw.writeApi("a.json", api("one", "/shared/", "/v1"));
    gw.writeApi("b.json", api("two", "/shared/", "/v2"));
    JsonObject reload = gw.reload();
    assertEquals(1, reload.getInteger("loaded"), reload.encode());
    assertError(errors(reload), "b.json", "listen_path /shared/");
    assertRoutedTo("/shared/x", "/v1/x");
  }

  @Test
  void deletedFileRemovesItsApi() throws Exception {
    gw.writeApi("keep.json", api("keep", "/keep/", "/v1"));
    gw.writeApi("gone.json", api("gone", "/gone/", "/v1"));
    assertEquals(2, gw.reload().getInteger("loaded"));
    assertRoutedTo("/gone/x", "/v1/x");

    Files.delete(gw.appPath.resolve("gone.json"));
    JsonObject reload = gw.reload();
    assertEquals(1, reload.getInteger("loaded"), reload.encode());
    assertNotRouted("/gone/x");
    assertRoutedTo("/keep/x", "/v1/x");
  }

  @Test
  void fileThatBecomesInactiveIsRemoved() throws Exception {
    gw.writeApi("api.json", api("api", "/api/", "/v1"));
    assertEquals(1, gw.reload().getInteger("loaded"));
    gw.writeApi("api.json", api("api", "/api/", "/v1").put("active", false));
    JsonObject reload = gw.reload();
    assertEquals(0, reload.getInteger("loaded"), reload.encode());
    assertEquals(List.of(), errors(reload));
    assertNotRouted("/api/x");
  }

  private static JsonObject api(String id, String listenPath, String basePath) {
    return Apis.keyless(id, listenPath, upstream.url(basePath));
  }

  private static void write(String file, String text) throws Exception {
    Files.writeString(gw.appPath.resolve(file), text);
  }

  private static List<String> errors(JsonObject reload) {
    JsonArray errors = reload.getJsonArray("errors");
    return errors == null ? List.of() : errors.stream().map(String::valueOf).toList();
  }

  private static void assertError(List<String> errors, String file, String reason) {
    assertTrue(errors.stream().anyMatch(e -> e.contains(file) && e.contains(reason)),
        "no error naming " + file + " with \"" + reason + "\" in " + errors);
  }

  private static void assertRoutedTo(String uri, String upstreamUri) throws Exception {
    TestGateway.Reply reply = gw.call(HttpMethod.GET, uri, Map.of(), null);
    assertEquals(200, reply.status(), uri + " -> " + reply.text());
    assertEquals(upstreamUri, reply.json().getString("uri"));
  }

  private static void assertNotRouted(String uri) throws Exception {
    TestGateway.Reply reply = gw.call(HttpMethod.GET, uri, Map.of(), null);
    assertEquals(404, reply.status(), uri + " -> " + reply.text());
  }
}
