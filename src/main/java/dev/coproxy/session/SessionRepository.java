package dev.coproxy.session;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sessions by key, on top of the {@link KeyValueStore}: applies {@code hash_keys}, Tyk's
 * {@code apikey-} prefix, and keeps parsed sessions so that the hot path does not parse JSON on
 * every request (a stored value is re-parsed only when it changed).
 */
public final class SessionRepository {

  /** Prefix of stored sessions, as in Tyk. */
  public static final String KEY_PREFIX = "apikey-";
  private static final String QUOTA_PREFIX = "quota-";
  private static final int PARSED_CACHE_LIMIT = 50_000;

  private record Parsed(String raw, Session session) {
  }

  private final KeyValueStore store;
  private final boolean hashKeys;
  private final Map<String, Parsed> parsed = new ConcurrentHashMap<>();
  private final BasicAuthPasswords passwords = new BasicAuthPasswords();

  public SessionRepository(KeyValueStore store, boolean hashKeys) {
    this.store = store;
    this.hashKeys = hashKeys;
  }

  public KeyValueStore store() {
    return store;
  }

  public boolean hashKeys() {
    return hashKeys;
  }

  /** The id a key is stored under: the key itself, or its hash with {@code hash_keys}. */
  public String storageId(String key) {
    return hashKeys ? KeyHasher.hash(key) : key;
  }

  /** The session of a key, or null. */
  public Future<Session> find(String key) {
    return findByStorageId(storageId(key));
  }

  /** The session stored under an id (a hash when keys are hashed), or null. */
  public Future<Session> findByStorageId(String id) {
    return store.get(KEY_PREFIX + id).map(raw -> {
      if (raw == null) {
        return null;
      }
      Parsed cached = parsed.get(id);
      // The local store hands back the very string it holds, so identity means "unchanged".
      if (cached != null && (cached.raw == raw || cached.raw.equals(raw))) {
        return cached.session;
      }
      Session session = Session.parse(new JsonObject(raw));
      if (parsed.size() >= PARSED_CACHE_LIMIT) {
        parsed.clear();
      }
      parsed.put(id, new Parsed(raw, session));
      return session;
    });
  }

  /** Stores a session under a key (hashed when configured), with its session_lifetime as TTL. */
  public Future<Void> save(String key, Session session) {
    return saveByStorageId(storageId(key), session);
  }

  public Future<Void> saveByStorageId(String id, Session session) {
    return saveByStorageId(id, session, session.sessionLifetime());
  }

  /**
   * Stores a session with an explicit time to live in seconds (0 = none). A basic-auth password in
   * clear is stored as its bcrypt hash ({@link BasicAuthPasswords}), whoever made the session.
   */
  public Future<Void> saveByStorageId(String id, Session session, long ttlSeconds) {
    return passwords.protect(id, session.json())
        .compose(json -> store.put(KEY_PREFIX + id, json.encode(), ttlSeconds > 0 ? ttlSeconds * 1000 : 0));
  }

  public Future<Boolean> deleteByStorageId(String id) {
    parsed.remove(id);
    passwords.forget(id);
    return store.remove(KEY_PREFIX + id).compose(removed -> resetQuota(id).map(removed));
  }

  /** Every stored id (hashes when keys are hashed). */
  public Future<List<String>> ids() {
    return store.keys(KEY_PREFIX).map(keys -> keys.stream().map(k -> k.substring(KEY_PREFIX.length())).sorted().toList());
  }

  /** The counter name of a key's quota. */
  public static String quotaCounter(String id) {
    return QUOTA_PREFIX + id;
  }

  /**
   * The counter name of a key's quota in an allowance scope (Tyk's {@code quota-<scope>-<key>}); the
   * key's own counter for the empty scope.
   */
  public static String quotaCounter(String scope, String id) {
    return scope.isEmpty() ? QUOTA_PREFIX + id : QUOTA_PREFIX + scope + "-" + id;
  }

  public Future<Void> resetQuota(String id) {
    return store.resetCounter(quotaCounter(id));
  }

  /**
   * Resets the key's own quota and the quotas it keeps apart per API (the allowance scopes of
   * {@code session}'s access rights; give the session with its policies applied, which decide them).
   */
  public Future<Void> resetQuotas(String id, Session session) {
    List<Future<Void>> resets = new java.util.ArrayList<>();
    resets.add(resetQuota(id));
    session.rights().values().stream().map(AccessDefinition::allowanceScope).filter(scope -> !scope.isEmpty()).distinct()
        .forEach(scope -> resets.add(store.resetCounter(quotaCounter(scope, id))));
    return Future.all(resets).mapEmpty();
  }

  /**
   * The session JSON as the Gateway API shows it: quota_remaining and quota_renews reflect the live
   * quota counter, and so does {@code access_rights.<api>.limit.quota_remaining} for an API with a
   * quota of its own (counted in the API's allowance scope); a basic-auth password (its hash) is
   * never shown. Given a session with its policies applied, it shows what the key really has.
   */
  public Future<JsonObject> describe(String id, Session session) {
    JsonObject out = BasicAuthPasswords.hidden(session.json());
    Future<Void> own = !session.quotaLimited() ? Future.succeededFuture()
        : store.counter(quotaCounter(id)).map(counter -> {
          out.put("quota_remaining", Math.max(0, session.quotaMax() - counter.value()));
          if (counter.expiresAtMillis() > 0) {
            out.put("quota_renews", counter.expiresAtMillis() / 1000);
          }
          return null;
        });
    List<Future<Void>> perApi = new java.util.ArrayList<>();
    perApi.add(own);
    session.rights().forEach((api, right) -> {
      if (right.limit() != null && right.limit().quotaLimited() && out.getValue("access_rights") instanceof JsonObject rights
          && rights.getValue(api) instanceof JsonObject entry && entry.getValue("limit") instanceof JsonObject limit) {
        perApi.add(store.counter(quotaCounter(right.allowanceScope(), id)).map(counter -> {
          limit.put("quota_remaining", Math.max(0, right.limit().quotaMax() - counter.value()));
          return null;
        }));
      }
    });
    return Future.all(perApi).map(out);
  }
}
