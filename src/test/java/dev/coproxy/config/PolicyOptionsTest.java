package dev.coproxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code policies} section: Tyk's file sources, and the sources Coproxy cannot serve. */
class PolicyOptionsTest {

  private static PolicyOptions read(JsonObject policies) {
    return GatewayConfig.from(new JsonObject().put("policies", policies), false).policies();
  }

  @Test
  void noSectionMeansNoPolicies() {
    PolicyOptions options = GatewayConfig.from(new JsonObject(), false).policies();
    assertNull(options.path());
    assertNull(options.recordFile());
    assertFalse(options.allowUnsafeIds());
  }

  @Test
  void policyPathWinsOverPolicyRecordName() {
    PolicyOptions options = read(new JsonObject().put("policy_source", "file")
        .put("policy_path", "policies").put("policy_record_name", "policies.json"));
    assertEquals(Path.of("policies"), options.path());
    assertNull(options.recordFile());
  }

  @Test
  void anySourceButServiceOrRpcReadsFiles() {
    // Tyk's default branch: "", "file" or anything else.
    for (String source : List.of("", "file", "whatever")) {
      assertEquals(Path.of("p.json"), read(new JsonObject().put("policy_source", source).put("policy_record_name", "p.json")).recordFile());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"service", "rpc"})
  void dashboardAndMdcbSourcesStopTheStart(String source) {
    ConfigException e = assertThrows(ConfigException.class, () -> read(new JsonObject().put("policy_source", source)
        .put("policy_connection_string", "http://dashboard:3000")));
    assertEquals("policies.policy_source", e.key());
    assertTrue(e.getMessage().contains("\"file\""), e.getMessage());
    // Not even allow_unimplemented_keys lets such a node start without its policies.
    assertThrows(ConfigException.class, () -> GatewayConfig.from(new JsonObject().put("allow_unimplemented_keys", true)
        .put("policies", new JsonObject().put("policy_source", source)), false));
  }

  @Test
  void theSectionsKeysAreKnownAndNotWarnedAbout() {
    GatewayConfig config = GatewayConfig.from(new JsonObject().put("allow_unsafe_policy_ids", true)
        .put("policies", new JsonObject().put("policy_source", "file").put("policy_path", "/etc/tyk/policies")
            .put("policy_record_name", "x.json").put("allow_explicit_policy_id", true)), false);
    assertTrue(config.policies().allowUnsafeIds());
    assertEquals(List.of(), config.unknownKeys());
    assertEquals(List.of(), config.keyWarnings());
  }

  @Test
  void aPathThatIsNotTextNamesItsKey() {
    ConfigException e = assertThrows(ConfigException.class, () -> read(new JsonObject().put("policy_path", new JsonObject())));
    assertEquals("policies.policy_path", e.key());
  }
}
