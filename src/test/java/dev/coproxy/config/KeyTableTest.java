package dev.coproxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.config.KeyTable.Finding;
import dev.coproxy.config.KeyTable.Scope;
import dev.coproxy.config.KeyTable.Verdict;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The walker's rules, on a small table written here. */
class KeyTableTest {

  private static final KeyTable TABLE = KeyTableFile.parse(List.of(
      "scope\tpath\tclass\taccept\tnote",
      "api\tapi_id\timplemented\t\tid",
      "api\tenable_jwt\trefused\t\tJWT auth",
      "api\tdo_not_track\tinert\t\tanalytics",
      "api\tproxy\tsection\t\t",
      "api\tproxy.listen_path\timplemented\t\tpath",
      "api\tproxy.transport\trefused\t\ttransport",
      "api\tversion_data\tsection\t\t",
      "api\tversion_data.not_versioned\trefused\ttrue\tversioning",
      "api\tversion_data.versions.*.name\tinert\t\tname",
      "api\tversion_data.versions.*.extended_paths.black_list\trefused\t\tblack list",
      "api\tcustom_middleware.driver\timplemented\tnot \"otto\"|\"goplugin\"\tdriver",
      "api\tcustom_middleware.pre.*.name\timplemented\t\thook",
      "session\tallowed_urls\trefused\t\turls",
      "conf\tstorage\twarned\t\tkeys are kept in the built-in store",
      "conf\tstorage.type\twarned\t\tignored"));

  private static List<Finding> check(JsonObject json) {
    return TABLE.check(Scope.API, json);
  }

  @Test
  void implementedKeysAndInertDefaultsAreSilent() {
    JsonObject def = new JsonObject().put("api_id", "a").put("enable_jwt", false).put("do_not_track", false)
        .put("proxy", new JsonObject().put("listen_path", "/a/").put("transport", new JsonObject().put("ssl_ciphers", new JsonArray())))
        .put("version_data", new JsonObject().put("not_versioned", true)
            .put("versions", new JsonObject().put("Default", new JsonObject().put("extended_paths", new JsonObject()
                .put("black_list", new JsonArray())))))
        .put("custom_middleware", new JsonObject().put("driver", "Python")
            .put("pre", new JsonArray().add(new JsonObject().put("name", "MyPre"))));
    assertEquals(List.of(), check(def));
  }

  @Test
  void aRefusedKeySetIsNamedWithItsConcretePath() {
    JsonObject def = new JsonObject().put("enable_jwt", true)
        .put("version_data", new JsonObject().put("not_versioned", true)
            .put("versions", new JsonObject().put("v1", new JsonObject().put("extended_paths", new JsonObject()
                .put("black_list", new JsonArray().add(new JsonObject().put("path", "/admin")))))));
    List<Finding> found = check(def);
    assertEquals(List.of("enable_jwt", "version_data.versions.v1.extended_paths.black_list"), found.stream().map(Finding::key).toList());
    assertTrue(found.stream().allMatch(f -> f.verdict() == Verdict.REFUSED));
    assertEquals("enable_jwt is set to true, which Coproxy does not implement (JWT auth); accepted: unset / zero",
        found.get(0).describe());
  }

  @Test
  void acceptedValuesAreTheOnlyOnesLetThrough() {
    assertEquals(List.of(), check(new JsonObject().put("version_data", new JsonObject().put("not_versioned", true))));
    Finding versioned = check(new JsonObject().put("version_data", new JsonObject().put("not_versioned", false))).get(0);
    assertEquals(Verdict.REFUSED, versioned.verdict());
    Finding otto = check(new JsonObject().put("custom_middleware", new JsonObject().put("driver", "otto"))).get(0);
    assertEquals("custom_middleware.driver", otto.key());
    assertEquals(Verdict.REFUSED, otto.verdict());
  }

  @Test
  void inertUnknownAndListElementsAreReported() {
    JsonObject def = new JsonObject().put("do_not_track", true).put("listen_prot", 1)
        .put("custom_middleware", new JsonObject().put("pre", new JsonArray().add(new JsonObject().put("nmae", "x"))));
    List<Finding> found = check(def);
    assertEquals(List.of("do_not_track", "listen_prot", "custom_middleware.pre[0].nmae"), found.stream().map(Finding::key).toList());
    assertEquals(List.of(Verdict.INERT, Verdict.UNKNOWN, Verdict.UNKNOWN), found.stream().map(Finding::verdict).toList());
  }

  @Test
  void keysAreMatchedWhateverTheirCaseAsGoDoes() {
    Finding jwt = check(new JsonObject().put("Enable_JWT", true)).get(0);
    assertEquals(Verdict.REFUSED, jwt.verdict());
    assertEquals("Enable_JWT", jwt.key());
    Finding path = check(new JsonObject().put("Proxy", new JsonObject().put("listen_path", "/a/"))).get(0);
    assertEquals(Verdict.REFUSED, path.verdict(), "an implemented key Coproxy would not read is refused");
    assertTrue(path.describe().contains("proxy.listen_path"), path.describe());
    assertEquals(List.of(), check(new JsonObject().put("Proxy", new JsonObject().put("listen_path", ""))));
    assertEquals(List.of(), check(new JsonObject().put("version_data", new JsonObject()
        .put("versions", new JsonObject().put("DEFAULT", new JsonObject().put("name", ""))))), "map keys are data, not keys");
  }

  @Test
  void aDeepZeroObjectIsInert() {
    assertTrue(KeyTable.isZero(new JsonObject().put("rate", 0).put("per", 0.0).put("nested", new JsonObject().put("on", false))));
    assertTrue(!KeyTable.isZero(new JsonObject().put("rate", 0).put("per", 1)));
    assertEquals(Verdict.REFUSED, check(new JsonObject().put("proxy", new JsonObject()
        .put("transport", new JsonObject().put("ssl_min_version", 771)))).get(0).verdict());
  }

  @Test
  void scopesAreApart() {
    assertEquals(Verdict.REFUSED, TABLE.check(Scope.SESSION, new JsonObject().put("allowed_urls", new JsonArray().add("x"))).get(0).verdict());
    assertEquals(Verdict.UNKNOWN, TABLE.check(Scope.SESSION, new JsonObject().put("enable_jwt", true)).get(0).verdict());
    Finding storage = TABLE.check(Scope.CONF, new JsonObject().put("storage", new JsonObject().put("type", "redis"))).get(0);
    assertEquals(Verdict.WARNED, storage.verdict());
    assertEquals("storage is not implemented: keys are kept in the built-in store", storage.describe());
  }

  @Test
  void aMalformedTableIsRefusedAtLoad() {
    assertThrows(IllegalStateException.class, () -> KeyTableFile.parse(List.of("h", "api\tx\timplemented")));
    assertThrows(IllegalStateException.class, () -> KeyTableFile.parse(List.of("h", "api\tx\timplemented\t\ta", "api\tx\tinert\t\tb")));
    assertThrows(IllegalArgumentException.class, () -> KeyTableFile.parse(List.of("h", "api\tx\tmaybe\t\ta")));
  }
}
