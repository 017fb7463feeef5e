package dev.coproxy.policy;

import dev.coproxy.session.Session;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The merged sessions of the keys in use, so that a key bound to policies costs about what a plain
 * key costs: a session is merged again only when its stored value, the policies or the API's
 * organisation changed. Runs on the request path, once per authenticated request; a key that names
 * no policy and has no per-API limit is handed back as it is, without a lookup.
 */
public final class MergedSessions {

  private static final int LIMIT = 50_000;

  /** One merged session and what it was merged from. */
  private record Entry(Session stored, long generation, String apiOrgId, Session merged) {
  }

  private final PolicyMerge merge;
  private final Map<String, Entry> byId = new ConcurrentHashMap<>();

  public MergedSessions(Policies policies) {
    this.merge = new PolicyMerge(policies);
  }

  /**
   * The session a stored key really has on an API of this organisation.
   *
   * @param storageId what the session is stored under (the cache key)
   * @param stored the stored session, as {@link dev.coproxy.session.SessionRepository} hands it out
   *     (the same instance while the stored value is unchanged)
   * @throws PolicyMergeException when its policies cannot be applied
   */
  public Session effective(String storageId, Session stored, String apiOrgId) {
    if (!stored.needsMerge()) {
      return stored;
    }
    long generation = merge.policies().generation();
    Entry entry = byId.get(storageId);
    if (entry != null && entry.stored == stored && entry.generation == generation && entry.apiOrgId.equals(apiOrgId)) {
      return entry.merged;
    }
    Session merged = merge.apply(stored, apiOrgId);
    if (byId.size() >= LIMIT) {
      byId.clear();
    }
    byId.put(storageId, new Entry(stored, generation, apiOrgId, merged));
    return merged;
  }

  /** A session that is not stored yet (a plugin's, on every call): merged without caching. */
  public Session merge(Session session, String apiOrgId) {
    return session.needsMerge() ? merge.apply(session, apiOrgId) : session;
  }
}
