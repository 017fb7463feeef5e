package dev.coproxy.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.session.AccessDefinition.AccessSpec;
import dev.coproxy.session.ApiLimit;
import dev.coproxy.session.Session;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Tyk's policy merge tests ({@code internal/policy/apply_test.go}, {@code TestService_Apply}) as far
 * as they test what Coproxy implements (GraphQL types, field limits and endpoint rate limits are
 * left out), on the same policies ({@code src/test/resources/policy/merge-policies.json}).
 *
 * <p>One difference comes from Tyk's test data, not from its rules: many of its test policies have
 * no id, so APIs that several such policies give are not counted apart there. Coproxy's policies
 * always have an id (the file or map key when the JSON has none), so here they are, as they are in
 * a Tyk gateway whose policies have ids.
 */
class PolicyMergeTest {

  private static final Policies POLICIES = load();
  private final PolicyMerge merge = new PolicyMerge(POLICIES);

  private static Policies load() {
    try (InputStream in = PolicyMergeTest.class.getResourceAsStream("/policy/merge-policies.json")) {
      JsonObject all = new JsonObject(new String(in.readAllBytes()));
      Map<String, Policy> byName = new LinkedHashMap<>();
      all.fieldNames().forEach(name -> byName.put(name, Policy.parse(all.getJsonObject(name), name)));
      return Policies.of(byName);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  // Tyk's test sessions are Go zero values: quota_max 0, where Coproxy reads an absent quota_max as -1.
  private Session apply(JsonObject session, String... policies) {
    if (!session.containsKey("quota_max")) {
      session.put("quota_max", 0);
    }
    return merge.apply(Session.parse(session.put("apply_policies", new JsonArray(List.of(policies)))), "");
  }

  private Session apply(String... policies) {
    return apply(new JsonObject(), policies);
  }

  private String fails(String... policies) {
    return assertThrows(PolicyMergeException.class, () -> apply(policies)).getMessage();
  }

  private static ApiLimit limit(double rate, double per, long quotaMax, long renewal) {
    return new ApiLimit(rate, per, quotaMax, renewal, 0, 0, 0);
  }

  private static ApiLimit limitOn(Session s, String api) {
    return s.rightOn(api).limit();
  }

  @Test
  void noPoliciesLeaveTheSessionAsItIs() {
    Session s = apply(new JsonObject().put("rate", 5).put("per", 1).put("is_inactive", true));
    assertEquals(5, s.rate());
    assertTrue(s.inactive(), "a key without policies keeps its own is_inactive");
  }

  @Test
  void aMissingPolicyIsAnErrorWhenItIsTheOnlyOne() {
    assertEquals("policy not found: \"nonexistent\"", fails("nonexistent"));
    assertEquals(Set.of("a"), apply("nonpart1").accessRights());
  }

  @Test
  void aPolicyOfAnotherOrganisationIsNotFoundUnderTheKeysOrgAndRefusedOnAnApiOfAnother() {
    assertEquals("policy not found: \"difforg\"", fails("difforg"));
    Session other = Session.parse(new JsonObject().put("org_id", "different").put("apply_policies", new JsonArray().add("difforg")));
    assertEquals(PolicyMerge.OTHER_ORG, assertThrows(PolicyMergeException.class, () -> merge.apply(other, "")).getMessage());
    assertEquals(Set.of("a"), merge.apply(other, "different").accessRights());
    assertEquals(Set.of("a"), merge.apply(other, null).accessRights(), "no API to check against (the Gateway API)");
  }

  @Test
  void keyWithoutOrgLooksPoliciesUpUnderTheApisOrg() {
    Session s = Session.parse(new JsonObject().put("apply_policies", new JsonArray().add("difforg")));
    assertEquals(Set.of("a"), merge.apply(s, "different").accessRights());
  }

  @Test
  void severalNonPartitionedPoliciesCountTheirApisApartAndSkipAMissingOne() {
    Session s = apply("nonpart1", "nonpart2", "nonexistent");
    assertEquals(Set.of("a", "b"), s.accessRights());
    assertEquals("p1", s.rightOn("a").allowanceScope());
    assertEquals("p2", s.rightOn("b").allowanceScope());
    assertNull(limitOn(s, "a"));
  }

  @Test
  void onePolicyForTwoApisCountsThemTogether() {
    Session s = apply("nonpart3");
    assertEquals(Set.of("a", "b"), s.accessRights());
    assertEquals("", s.rightOn("a").allowanceScope());
    assertEquals("", s.rightOn("b").allowanceScope());
  }

  @Test
  void quotaPartitions() {
    assertEquals(-1, apply("unlimited-quota").quotaMax());
    assertEquals(2, apply("quota1").quotaMax());
    assertEquals(3, apply("quota1", "quota2").quotaMax(), "the bigger quota wins");
    assertEquals(4, apply("quota5", "quota4").quotaMax());
    assertEquals(3, apply("quota3").quotaMax());
    Session multi = apply("quota4", "nonpart1");
    assertEquals(3, multi.quotaMax());
    assertEquals(Set.of("a"), multi.accessRights(), "quota4 gives no access (no acl part): b is not granted");
  }

  @Test
  void rateLimitPartitions() {
    assertTrue(apply("unlimited-rate").rate() <= 0);
    assertEquals(3, apply("rate1").rate());
    assertEquals(4, apply("rate1", "rate2").rate(), "the higher rate wins");
    assertEquals(10, apply("rate5", "rate4").rate());
    assertEquals(10, apply(new JsonObject().put("rate", 20), "rate4", "rate5").rate(), "the key's own rate is replaced");
    assertEquals(12, apply(new JsonObject().put("rate", 20), "rate-no-partition").rate());
  }

  @Test
  void complexityPartitions() {
    assertEquals(2, apply("complexity1").maxQueryDepth());
    assertEquals(3, apply("complexity1", "complexity2").maxQueryDepth());
  }

  @Test
  void aclPartitions() {
    Session one = apply("acl1");
    assertEquals(Set.of("a"), one.accessRights());
    assertNull(limitOn(one, "a"));
    Session two = apply("acl1", "acl2");
    assertEquals(Set.of("a", "b"), two.accessRights());
    // Tyk's test policies acl1 and acl2 have no id, so Tyk's test expects no scope; with ids, as here, each API is counted apart.
    assertEquals("acl1", two.rightOn("a").allowanceScope());
    assertEquals("acl2", two.rightOn("b").allowanceScope());
  }

  @Test
  void aclFromOnePolicyAndRateFromAnother() {
    Session s = apply("acl1", "rate-for-a-b");
    assertEquals(Set.of("a"), s.accessRights(), "rate-for-a-b gives no access to b");
    assertEquals(limit(4, 1, 0, 0), limitOn(s, "a"));
    Session each = apply("acl-for-a-b", "rate-for-a", "rate-for-b");
    assertEquals(limit(4, 1, 0, 0), limitOn(each, "a"));
    assertEquals(limit(2, 1, 0, 0), limitOn(each, "b"));
  }

  @Test
  void policiesReplaceTheKeysOwnAccessRights() {
    JsonObject own = new JsonObject().put("access_rights", new JsonObject().put("c", new JsonObject()));
    assertEquals(Set.of("a", "b"), apply(own, "acl-for-a-b").accessRights());
  }

  @Test
  void inactivePolicies() {
    assertTrue(apply("tags1", "inactive1").inactive());
    assertTrue(apply("inactive1", "inactive2").inactive());
    assertFalse(apply(new JsonObject().put("is_inactive", true), "tags1", "tags2").inactive(),
        "with policies, only the policies decide");
  }

  @Test
  void perApiMayNotBeCombinedWithPartitions() {
    assertEquals("cannot apply policy per_api_and_partitions which has per_api and any of partitions set",
        fails("per_api_and_partitions"));
    assertEquals("cannot apply policy per_api_and_some_partitions which has per_api and any of partitions set",
        fails("per_api_and_some_partitions"));
    assertEquals(MergeDraft.MIXED, fails("per_api_with_api_d", "quota1"));
    assertEquals(MergeDraft.MIXED, fails("rate1", "per_api_with_api_d"));
  }

  @Test
  void perApiGivesEachApiItsLimitAndCounters() {
    Session s = apply("per_api_and_no_other_partitions");
    assertEquals(limit(2000, 60, -1, 0), limitOn(s, "c"));
    assertEquals("c", s.rightOn("c").allowanceScope());
    assertEquals(limit(20, 1, 1000, 3600), limitOn(s, "d"));
    assertEquals("d", s.rightOn("d").allowanceScope());
  }

  @Test
  void perApiPoliciesOnTheSameApiKeepTheHigherRateAndQuota() {
    Session two = apply("per_api_and_no_other_partitions", "per_api_with_api_d");
    assertEquals(limit(2000, 60, -1, 0), limitOn(two, "c"));
    assertEquals(limit(200, 10, 5000, 3600), limitOn(two, "d"));
    Session three = apply("per_api_and_no_other_partitions", "per_api_with_api_d", "per_api_with_api_c");
    assertEquals(limit(3000, 10, -1, 0), limitOn(three, "c"), "rate of the later, unlimited quota of the earlier");
    assertEquals("c", three.rightOn("c").allowanceScope());
    assertEquals(limit(200, 10, 5000, 3600), limitOn(three, "d"));
  }

  @Test
  void perApiWithoutAnApiLimitUsesThePolicysLimitAndId() {
    Session s = apply("per_api_with_limit_set_from_policy");
    assertEquals(limit(300, 1, -1, 0), limitOn(s, "e"));
    assertEquals("per_api_with_limit_set_from_policy", s.rightOn("e").allowanceScope());
    assertEquals(limit(200, 10, 5000, 3600), limitOn(s, "d"));
    assertEquals("d", s.rightOn("d").allowanceScope());
    Session over = apply("per_api_with_limit_set_from_policy", "per_api_with_api_d", "per_api_with_higher_rate_on_api_d");
    assertEquals(limit(200, 10, 5000, 3600), limitOn(over, "d"), "400 per 25 is slower than 200 per 10");
    assertEquals("d", over.rightOn("d").allowanceScope());
  }

  @Test
  void allowedUrlsAndVersionsAreUnions() {
    Session s = apply("per-path2", "per-path1");
    assertEquals(List.of(new AccessSpec("/user", List.of("GET", "POST")), new AccessSpec("/companies", List.of("GET", "POST"))),
        s.rightOn("a").allowedUrls());
    assertEquals(List.of(new AccessSpec("/", List.of("PUT"))), s.rightOn("b").allowedUrls());
    assertEquals(List.of("v1"), s.rightOn("a").versions());
    assertEquals(List.of("GET"), POLICIES.find("per-path2").rights().get("a").allowedUrls().get(0).methods(),
        "the policy itself is not changed");
  }

  @Test
  void throttleFromPolicy() {
    Session s = apply("throttle1");
    assertEquals(9, s.throttleInterval());
    assertEquals(99, s.throttleRetryLimit());
  }

  @Test
  void tagsAreUnitedAndMetadataLaidOver() {
    Session s = apply(new JsonObject().put("tags", new JsonArray().add("key-tag")).put("meta_data", new JsonObject().put("own", "x")),
        "tags1", "tags2");
    assertEquals(Set.of("key-tag", "tagA", "tagX", "tagY"), Set.copyOf(s.tags()));
    assertEquals(new JsonObject().put("own", "x").put("from", "tags2").put("one", 1), s.metaData());
    assertEquals(4, s.json().getJsonArray("tags").size(), "the JSON plugins and the Gateway API see is the merged one");
  }

  @Test
  void partitionedPoliciesCombine() {
    apply("nonpart1", "quota1");
    for (String[] order : List.of(new String[] {"quota1", "rate3"}, new String[] {"rate3", "quota1"})) {
      Session s = apply(order);
      assertEquals(2, s.quotaMax(), List.of(order).toString());
      assertEquals(4, s.rate());
      assertEquals(4, s.per());
    }
  }

  @Test
  void aSinglePolicyForOneApiSetsTheKeysOwnLimits() {
    Session s = apply(new JsonObject().put("quota_max", 100).put("rate", 1).put("per", 1),
        "per_api_with_api_d");
    assertEquals(200, s.rate(), "Tyk's legacy root values: the one API's limits");
    assertEquals(5000, s.quotaMax());
  }

  @Test
  void aPolicyForNoApiAloneGivesNoValidRights() {
    assertEquals(PolicyMerge.NONE_VALID, fails("master"));
  }

  @Test
  void withoutPoliciesAnApiLimitIsCountedUnderTheApisId() {
    JsonObject own = new JsonObject().put("access_rights", new JsonObject()
        .put("x", new JsonObject().put("limit", new JsonObject().put("quota_max", 5)))
        .put("y", new JsonObject()));
    Session s = merge.apply(Session.parse(own), "");
    assertEquals("x", s.rightOn("x").allowanceScope());
    assertEquals("", s.rightOn("y").allowanceScope());
    assertEquals("x", s.json().getJsonObject("access_rights").getJsonObject("x").getString("allowance_scope"));
  }

  @Test
  void theLegacyPolicyIdIsUsedOnlyWithoutApplyPolicies() {
    Session legacy = Session.parse(new JsonObject().put("apply_policy_id", "quota1"));
    assertEquals(List.of("quota1"), legacy.policyIds());
    assertEquals(2, merge.apply(legacy, "").quotaMax());
    Session both = Session.parse(new JsonObject().put("apply_policy_id", "quota1").put("apply_policies", new JsonArray().add("quota2")));
    assertEquals(List.of("quota2"), both.policyIds());
  }

  @Test
  void mergedAccessRightsAreWrittenToTheJson() {
    Session s = apply("per_api_with_api_d");
    JsonObject d = s.json().getJsonObject("access_rights").getJsonObject("d");
    assertEquals(5000, d.getJsonObject("limit").getLong("quota_max"));
    assertEquals("d", d.getString("allowance_scope"));
    assertEquals(new ArrayList<>(List.of("per_api_with_api_d")), s.json().getJsonArray("apply_policies").getList(),
        "the key still names its policies");
  }

  @Test
  void mergedSessionsAreCachedPerStoredSessionAndGeneration() {
    MergedSessions cache = new MergedSessions(POLICIES);
    Session plain = Session.parse(new JsonObject().put("rate", 1).put("per", 1));
    assertSame(plain, cache.effective("k0", plain, ""), "a plain key is handed back as it is");
    Session stored = Session.parse(new JsonObject().put("apply_policies", new JsonArray().add("quota1")));
    Session first = cache.effective("k1", stored, "");
    assertSame(first, cache.effective("k1", stored, ""));
    Session changed = Session.parse(stored.json().copy().put("quota_max", 7));
    Session again = cache.effective("k1", changed, "");
    assertFalse(first == again, "a changed stored session is merged again");
    assertEquals(2, again.quotaMax());
    assertThrows(PolicyMergeException.class, () -> cache.effective("k1", changed, "other-org"),
        "on an API of another organisation the key's policies (looked up under that organisation) are not found");
    assertSame(again, cache.effective("k1", changed, ""), "a failed merge leaves the cached one");
  }

  @Test
  void aNewGenerationOfPoliciesIsMergedAgain() {
    long[] generation = {0};
    Policies changing = new Policies() {
      @Override
      public Policy find(String id) {
        return POLICIES.find(generation[0] == 0 ? "quota1" : "quota2");
      }

      @Override
      public long generation() {
        return generation[0];
      }
    };
    MergedSessions cache = new MergedSessions(changing);
    Session stored = Session.parse(new JsonObject().put("apply_policies", new JsonArray().add("q")));
    assertEquals(2, cache.effective("k", stored, "").quotaMax());
    generation[0] = 1;
    assertEquals(3, cache.effective("k", stored, "").quotaMax());
  }
}
