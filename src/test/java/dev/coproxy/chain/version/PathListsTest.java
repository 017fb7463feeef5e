package dev.coproxy.chain.version;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coproxy.api.ApiDefinition;
import dev.coproxy.api.VersionData;
import dev.coproxy.chain.version.PathLists.Status;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** Tyk's path-list decision ({@code URLAllowedAndIgnored}) for the cases its tests check. */
class PathListsTest {

  private static VersionData data(JsonObject extendedPaths) {
    return ApiDefinition.parse(new JsonObject().put("api_id", "p").put("org_id", "o")
        .put("proxy", new JsonObject().put("listen_path", "/api/").put("target_url", "http://127.0.0.1:9"))
        .put("version_data", new JsonObject().put("not_versioned", true).put("versions", new JsonObject()
            .put("Default", new JsonObject().put("use_extended_paths", true).put("extended_paths", extendedPaths))))).versions();
  }

  private static JsonObject entry(String path, String method) {
    return new JsonObject().put("path", path).put("method", method);
  }

  private static Status judge(VersionData data, String method, String path) {
    return PathLists.judge(data.unversioned(), method, data.candidates(path, "/api/")).status();
  }

  @Test
  void aWhiteListRefusesEverythingElse() {
    VersionData data = data(new JsonObject().put("white_list", new JsonArray().add(entry("/users/{id}", "GET")).add(entry("/open", ""))));
    assertEquals(Status.PASS, judge(data, "GET", "/api/users/7"));
    assertEquals(Status.FORBIDDEN, judge(data, "POST", "/api/users/7"), "another method is not listed");
    assertEquals(Status.PASS, judge(data, "DELETE", "/api/open"), "no method: every method");
    assertEquals(Status.FORBIDDEN, judge(data, "GET", "/api/other"));
    assertEquals(Status.PASS, judge(data, "GET", "/api/x/open/y"), "found anywhere in the path, as in Tyk");
  }

  @Test
  void blackListAndIgnoredDecideByMethodAndCase() {
    VersionData data = data(new JsonObject()
        .put("black_list", new JsonArray().add(entry("/admin", "GET")).add(entry("/Secret", "").put("ignore_case", true)))
        .put("ignored", new JsonArray().add(entry("/health", ""))));
    assertEquals(Status.FORBIDDEN, judge(data, "GET", "/api/admin"));
    assertEquals(Status.PASS, judge(data, "POST", "/api/admin"));
    assertEquals(Status.FORBIDDEN, judge(data, "GET", "/api/SECRET"));
    assertEquals(Status.IGNORE, judge(data, "PUT", "/api/health"));
    assertEquals(Status.PASS, judge(data, "GET", "/api/ADMIN"), "case matters without ignore_case");
  }

  @Test
  void methodActionsDecideForTheirMethodsOnly() {
    JsonObject actions = new JsonObject().put("GET", new JsonObject().put("action", "reply").put("code", 200).put("data", "mock"))
        .put("POST", new JsonObject().put("action", "no_action"));
    VersionData data = data(new JsonObject().put("white_list", new JsonArray().add(new JsonObject().put("path", "/mock").put("method_actions", actions))));
    PathLists.Verdict reply = PathLists.judge(data.unversioned(), "GET", data.candidates("/api/mock", "/api/"));
    assertEquals(Status.REPLY, reply.status());
    assertEquals("mock", reply.reply().data());
    assertEquals(Status.PASS, judge(data, "POST", "/api/mock"));
    assertEquals(Status.FORBIDDEN, judge(data, "PUT", "/api/mock"), "a method without an action is not listed");
  }

  @Test
  void anchoredPatternsMatchWithAndWithoutTheListenPath() {
    VersionData data = data(new JsonObject().put("black_list", new JsonArray().add(entry("^/users$", "GET")).add(entry("^/api/full$", "GET"))));
    assertEquals(Status.FORBIDDEN, judge(data, "GET", "/api/users"));
    assertEquals(Status.FORBIDDEN, judge(data, "GET", "/api/full"));
    assertEquals(Status.PASS, judge(data, "GET", "/api/users/1"));
  }
}
