package dev.coproxy.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.api.PathRule.Kind;
import dev.coproxy.config.ConfigException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code version_data} and {@code definition} parsed as Tyk reads them, and the keys their errors name. */
class VersionDataTest {

  private static JsonObject api(JsonObject versionData) {
    return new JsonObject().put("api_id", "v1").put("org_id", "o1").put("version_data", versionData)
        .put("proxy", new JsonObject().put("listen_path", "/v/").put("target_url", "http://127.0.0.1:9"));
  }

  private static JsonObject versioned(JsonObject versions) {
    return new JsonObject().put("not_versioned", false).put("versions", versions);
  }

  private static JsonObject extended(JsonObject paths) {
    return new JsonObject().put("use_extended_paths", true).put("extended_paths", paths);
  }

  private static VersionData parse(JsonObject versionData) {
    return ApiDefinition.parse(api(versionData)).versions();
  }

  private static String keyOf(JsonObject json) {
    return assertThrows(ConfigException.class, () -> ApiDefinition.parse(json)).key();
  }

  @Test
  void aDefinitionWithoutVersionDataIsNotVersionedAndHasNoVersion() {
    VersionData data = ApiDefinition.parse(api(null).copy().put("version_data", new JsonObject())).versions();
    assertFalse(data.versioned());
    assertNull(data.unversioned());
    assertNull(data.unversionedFailure());
  }

  @Test
  void listsKeepTykOrderAndLeaveDisabledEntriesOut() {
    JsonObject paths = new JsonObject()
        .put("white_list", new JsonArray().add(new JsonObject().put("path", "/w").put("method", "GET")))
        .put("black_list", new JsonArray().add(new JsonObject().put("path", "/b").put("disabled", true))
            .add(new JsonObject().put("path", "/users/{id}").put("ignore_case", true)))
        .put("ignored", new JsonArray().add(new JsonObject().put("path", "/i").put("method_actions",
            new JsonObject().put("GET", new JsonObject().put("action", "reply").put("code", 201).put("data", "hi")
                .put("headers", new JsonObject().put("x-a", "1"))))));
    ApiVersion v = parse(new JsonObject().put("versions", new JsonObject().put("Default", extended(paths)))).unversioned();
    assertEquals(List.of(Kind.IGNORED, Kind.BLACK_LIST, Kind.WHITE_LIST), v.rules().stream().map(PathRule::kind).toList());
    assertTrue(v.whiteListed());
    assertEquals("/users/([^/]+)", v.rules().get(1).pattern().regex().pattern());
    assertTrue(v.rules().get(1).pattern().foundIn("/USERS/7"), "ignore_case");
    assertEquals(new PathRule.MethodAction(true, 201, "hi", Map.of("x-a", "1")), v.rules().get(0).methodActions().get("GET"));
    assertNull(v.rules().get(2).methodActions());
    assertEquals("GET", v.rules().get(2).method());
  }

  @Test
  void legacyPathsApplyWithoutUseExtendedPathsAndExtendedOnesDoNot() {
    JsonObject version = new JsonObject().put("paths", new JsonObject().put("black_list", new JsonArray().add("/old")))
        .put("extended_paths", new JsonObject().put("white_list", new JsonArray().add(new JsonObject().put("path", "/new")))
            .put("size_limits", new JsonArray().add(new JsonObject().put("path", "/u").put("method", "POST").put("size_limit", 5))));
    ApiVersion legacy = parse(new JsonObject().put("versions", new JsonObject().put("Default", version))).unversioned();
    assertEquals(1, legacy.rules().size());
    assertEquals(Kind.BLACK_LIST, legacy.rules().get(0).kind());
    assertFalse(legacy.whiteListed());
    assertEquals(List.of(), legacy.sizeLimits());
    ApiVersion ext = parse(new JsonObject().put("versions", new JsonObject().put("Default", version.copy().put("use_extended_paths", true))))
        .unversioned();
    assertTrue(ext.whiteListed());
    assertEquals(5, ext.sizeLimits().get(0).value());
  }

  @Test
  void versionSettingsAreRead() {
    JsonObject v1 = new JsonObject().put("name", "v1").put("expires", "2030-01-02 15:04").put("override_target", "http://127.0.0.1:7/base")
        .put("global_headers", new JsonObject().put("x-v", "1")).put("global_headers_remove", new JsonArray().add("x-gone"))
        .put("global_size_limit", 100).put("global_enforce_timeout", "1m30s")
        .put("use_extended_paths", true).put("extended_paths", new JsonObject().put("hard_timeouts", new JsonArray()
            .add(new JsonObject().put("path", "/slow").put("method", "GET").put("timeout", 2))
            .add(new JsonObject().put("path", "/fast").put("method", "GET").put("timeout", 9).put("duration", "250ms"))
            .add(new JsonObject().put("path", "/none").put("method", "GET"))));
    JsonObject off = new JsonObject().put("global_headers", new JsonObject().put("x-v", "1")).put("global_headers_disabled", true)
        .put("global_size_limit", 100).put("global_size_limit_disabled", true).put("expires", "-1");
    VersionData data = parse(versioned(new JsonObject().put("v1", v1).put("off", off)).put("default_version", "v1"));
    ApiVersion one = data.versions().get("v1");
    assertEquals(Instant.parse("2030-01-02T15:04:00Z"), one.expires());
    assertTrue(one.expiredAt(Instant.parse("2030-01-02T15:04:00Z")));
    assertFalse(one.expiredAt(Instant.parse("2030-01-02T15:03:59Z")));
    assertEquals(7, one.overrideTarget().port());
    assertEquals(Map.of("x-v", "1"), one.globalHeaders());
    assertEquals(List.of("x-gone"), one.globalHeadersRemove());
    assertEquals(100, one.globalSizeLimit());
    assertEquals(90_000, one.globalTimeoutMillis());
    assertEquals(List.of(2000L, 250L), one.hardTimeouts().stream().map(EndpointLimit::value).toList());
    ApiVersion two = data.versions().get("off");
    assertEquals(Map.of(), two.globalHeaders());
    assertEquals(0, two.globalSizeLimit());
    assertNull(two.expires());
  }

  @Test
  void theDefinitionBlockSaysWhereTheVersionIs() {
    JsonObject json = api(versioned(new JsonObject().put("v1", new JsonObject())))
        .put("definition", new JsonObject().put("location", "url").put("strip_path", true).put("url_versioning_pattern", "^v\\d+$"));
    VersionLookup lookup = ApiDefinition.parse(json).versions().lookup();
    assertEquals(VersionLookup.Location.URL, lookup.location());
    assertTrue(lookup.strips("v2"));
    assertFalse(lookup.strips("users"));
    assertEquals("/users/", lookup.withoutVersion("/v2/users/"));
    assertEquals("/users/1", lookup.withoutVersion("/users/1"));
    VersionData data = ApiDefinition.parse(json).versions();
    assertArrayEquals(new String[] {"/x", "/v1/x", "/v/v1/x"}, data.candidates("/v/v1/x", "/v/"));
  }

  @Test
  void patternsKnowTheTextEveryMatchContains() {
    assertEquals("/users/", PathPatterns.compile("/users/{id}", false, "k").required());
    assertEquals("/users", PathPatterns.compile("^/users$", false, "k").required());
    assertEquals("/ab", PathPatterns.compile("/abc?", false, "k").required(), "an optional character is not required");
    assertEquals("", PathPatterns.compile("/a|/b", false, "k").required());
    assertEquals("", PathPatterns.compile("/Users", true, "k").required());
    assertEquals("/x/", PathPatterns.compile("/x/*", false, "k").required());
    assertTrue(PathPatterns.compile("/abc?", false, "k").foundIn("/ab/"));
    assertTrue(PathPatterns.compile("/a|/b", false, "k").foundIn("/b"));
    assertFalse(PathPatterns.compile("/users/{id}", false, "k").foundIn("/users/"));
  }

  @Test
  void aNotVersionedApiPicksItsVersionAsTyk() {
    JsonObject one = new JsonObject().put("versions", new JsonObject().put("anything", new JsonObject()));
    assertEquals("anything", parse(one).unversioned().name());
    JsonObject named = new JsonObject().put("versions", new JsonObject().put("x", new JsonObject()).put("default", new JsonObject()));
    assertEquals("default", parse(named).unversioned().name());
    JsonObject none = new JsonObject().put("versions", new JsonObject().put("x", new JsonObject()).put("y", new JsonObject()));
    assertEquals(VersionData.NO_DEFAULT, parse(none).unversionedFailure());
    JsonObject two = new JsonObject().put("versions", new JsonObject().put("Default", new JsonObject()).put("default", new JsonObject()));
    assertEquals(VersionData.AMBIGUOUS_DEFAULT, parse(two).unversionedFailure());
  }

  @Test
  void errorsNameTheKey() {
    String v = "version_data.versions.v1.";
    JsonObject bad = new JsonObject().put("path", "/a(").put("method", "GET");
    assertEquals(v + "extended_paths.white_list[0].path",
        keyOf(api(versioned(new JsonObject().put("v1", extended(new JsonObject().put("white_list", new JsonArray().add(bad))))))));
    assertEquals(v + "paths.ignored[1]",
        keyOf(api(versioned(new JsonObject().put("v1", new JsonObject().put("paths", new JsonObject().put("ignored", new JsonArray().add("/ok").add("["))))))));
    assertEquals(v + "extended_paths.black_list[0].method_actions.GET.action", keyOf(api(versioned(new JsonObject().put("v1", extended(
        new JsonObject().put("black_list", new JsonArray().add(new JsonObject().put("path", "/a").put("method_actions",
            new JsonObject().put("GET", new JsonObject().put("action", "redirect")))))))))));
    assertEquals(v + "extended_paths.white_list[0].method_actions.GET.code", keyOf(api(versioned(new JsonObject().put("v1", extended(
        new JsonObject().put("white_list", new JsonArray().add(new JsonObject().put("path", "/a").put("method_actions",
            new JsonObject().put("GET", new JsonObject().put("action", "reply")))))))))));
    assertEquals(v + "expires", keyOf(api(versioned(new JsonObject().put("v1", new JsonObject().put("expires", "2030-01-02T15:04:00Z"))))));
    assertEquals(v + "override_target", keyOf(api(versioned(new JsonObject().put("v1", new JsonObject().put("override_target", "ftp://x"))))));
    assertEquals(v + "global_headers.x-id", keyOf(api(versioned(new JsonObject().put("v1",
        new JsonObject().put("global_headers", new JsonObject().put("x-id", "$tyk_context.request_id")))))));
    assertEquals(v + "extended_paths.hard_timeouts[0].duration", keyOf(api(versioned(new JsonObject().put("v1", extended(
        new JsonObject().put("hard_timeouts", new JsonArray().add(new JsonObject().put("path", "/a").put("duration", "soon")))))))));
    assertEquals(v + "extended_paths.size_limits[0].size_limit", keyOf(api(versioned(new JsonObject().put("v1", extended(
        new JsonObject().put("size_limits", new JsonArray().add(new JsonObject().put("path", "/a").put("method", "POST")
            .put("size_limit", "big")))))))));
    assertEquals(v + "extended_paths.size_limits[0].method", keyOf(api(versioned(new JsonObject().put("v1", extended(
        new JsonObject().put("size_limits", new JsonArray().add(new JsonObject().put("path", "/a").put("size_limit", 10)))))))),
        "a size limit without a method would never apply");
    assertEquals(v + "extended_paths.ignored[0].path", keyOf(api(versioned(new JsonObject().put("v1", extended(
        new JsonObject().put("ignored", new JsonArray().add(new JsonObject().put("method", "GET")))))))),
        "an ignored entry without a path would switch auth off for every request");
    assertEquals(v + "paths.ignored[0]", keyOf(api(versioned(new JsonObject().put("v1",
        new JsonObject().put("paths", new JsonObject().put("ignored", new JsonArray().add(""))))))));
    assertEquals(v + "extended_paths.black_list[0].method", keyOf(api(versioned(new JsonObject().put("v1", extended(
        new JsonObject().put("black_list", new JsonArray().add(new JsonObject().put("path", "/admin").put("method", "get")))))))),
        "a lower-case method would never match and leave the path open");
    assertEquals(v + "extended_paths.black_list[0].method_actions.Get", keyOf(api(versioned(new JsonObject().put("v1", extended(
        new JsonObject().put("black_list", new JsonArray().add(new JsonObject().put("path", "/admin").put("method_actions",
            new JsonObject().put("Get", new JsonObject().put("action", "no_action")))))))))));
    assertEquals("version_data.default_version",
        keyOf(api(versioned(new JsonObject().put("v1", new JsonObject())).put("default_version", "v9"))));
    assertEquals("version_data.versions", keyOf(api(versioned(new JsonObject()))));
    assertEquals("definition.location", keyOf(api(versioned(new JsonObject().put("v1", new JsonObject())))
        .put("definition", new JsonObject().put("location", "cookie"))));
    assertEquals("definition.url_versioning_pattern", keyOf(api(versioned(new JsonObject().put("v1", new JsonObject())))
        .put("definition", new JsonObject().put("location", "url").put("url_versioning_pattern", "(v"))));
  }
}
