package dev.coproxy.session;

import at.favre.lib.crypto.bcrypt.BCrypt;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Basic-auth passwords in sessions, kept as Tyk keeps them: a stored session holds only a bcrypt
 * hash (cost 10, {@code $2a$}) in {@code basic_auth_data.password} with
 * {@code basic_auth_data.hash_type} {@code "bcrypt"}, and no Gateway API answer shows the password
 * field at all. A password whose {@code hash_type} is set is already hashed and stored as it is.
 *
 * <p>Sessions reach the store on every {@code auth_check} call, and a plugin may return the same
 * clear password each time: the last hash per storage id is remembered with a keyed digest of the
 * password it came from (the key is random per process), so a repeated password costs one HMAC,
 * not one bcrypt. bcrypt itself runs on a worker thread, never on an event loop.
 */
public final class BasicAuthPasswords {

  /** Tyk's {@code hash_type} for bcrypt. */
  public static final String BCRYPT = "bcrypt";
  private static final String FIELD = "basic_auth_data";
  private static final int COST = 10;
  private static final int MEMO_LIMIT = 10_000;

  private record Memo(byte[] digest, String hash) {
  }

  private final Map<String, Memo> memo = new ConcurrentHashMap<>();
  private final SecretKeySpec memoKey;

  public BasicAuthPasswords() {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    memoKey = new SecretKeySpec(key, "HmacSHA256");
  }

  /**
   * The session to store under {@code id}: the same object when it holds no clear password, else a
   * copy whose password is replaced by its bcrypt hash.
   */
  public Future<JsonObject> protect(String id, JsonObject session) {
    String password = clearPassword(session);
    if (password == null) {
      return Future.succeededFuture(session);
    }
    byte[] digest = digest(password);
    Memo known = memo.get(id);
    if (known != null && MessageDigest.isEqual(known.digest, digest)) {
      return Future.succeededFuture(withHash(session, known.hash));
    }
    Context context = Vertx.currentContext();
    Future<String> hashed = context == null
        ? Future.succeededFuture(bcrypt(password))
        : context.executeBlocking(() -> bcrypt(password), false);
    return hashed.map(hash -> {
      if (memo.size() >= MEMO_LIMIT) {
        memo.clear();
      }
      memo.put(id, new Memo(digest, hash));
      return withHash(session, hash);
    });
  }

  /** Forgets what was remembered for a deleted session. */
  public void forget(String id) {
    memo.remove(id);
  }

  /**
   * A copy of the session as the Gateway API shows it: {@code basic_auth_data.password} empty (it
   * holds the hash once stored), as Tyk answers; {@code hash_type} stays.
   */
  public static JsonObject hidden(JsonObject session) {
    JsonObject out = session.copy();
    if (out.getValue(FIELD) instanceof JsonObject basic && basic.containsKey("password")) {
      basic.put("password", "");
    }
    return out;
  }

  /** True when {@code password} is the one whose hash a stored session holds. */
  public static boolean verify(String password, JsonObject session) {
    JsonObject basic = session.getJsonObject(FIELD);
    String hash = basic == null ? "" : basic.getString("password", "");
    return !hash.isEmpty() && BCrypt.verifyer().verify(password.toCharArray(), hash).verified;
  }

  /** The clear password of a session (Tyk's {@code hash_type} empty means plain text), or null. */
  private static String clearPassword(JsonObject session) {
    if (!(session.getValue(FIELD) instanceof JsonObject basic)) {
      return null;
    }
    Object password = basic.getValue("password");
    Object hashType = basic.getValue("hash_type", basic.getValue("hash"));
    boolean plain = hashType == null || "".equals(hashType);
    return plain && password instanceof String text && !text.isEmpty() ? text : null;
  }

  private static JsonObject withHash(JsonObject session, String hash) {
    JsonObject out = session.copy();
    JsonObject basic = out.getJsonObject(FIELD);
    basic.remove("hash");
    basic.put("password", hash).put("hash_type", BCRYPT);
    return out;
  }

  private static String bcrypt(String password) {
    return BCrypt.with(BCrypt.Version.VERSION_2A).hashToString(COST, password.toCharArray());
  }

  private byte[] digest(String password) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(memoKey);
      return mac.doFinal(password.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
    }
  }
}
