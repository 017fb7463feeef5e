package dev.coproxy.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.proto.BasicAuthData;
import dev.coproxy.proto.SessionState;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Basic-auth passwords at the session layer: stored as bcrypt, whoever made the session; never shown. */
class BasicAuthPasswordsTest {

  private final LocalStore store = new LocalStore();
  private final SessionRepository sessions = new SessionRepository(store, false);

  @Test
  void aPluginSessionWithAClearPasswordIsStoredHashed() throws Exception {
    // What an auth_check plugin returns: the proto session, mapped to Tyk's JSON.
    SessionState fromPlugin = SessionState.newBuilder().setRate(10).setPer(1)
        .setBasicAuthData(BasicAuthData.newBuilder().setPassword("plugin-pass")).build();
    sessions.saveByStorageId("user1", Session.parse(SessionMapper.toJson(fromPlugin)), 0).await(20, TimeUnit.SECONDS);
    String raw = store.get("apikey-user1").await(5, TimeUnit.SECONDS);
    assertFalse(raw.contains("plugin-pass"), raw);
    JsonObject stored = new JsonObject(raw);
    assertEquals("bcrypt", stored.getJsonObject("basic_auth_data").getString("hash_type"));
    assertTrue(BasicAuthPasswords.verify("plugin-pass", stored));
    assertFalse(BasicAuthPasswords.verify("other", stored));
    // Plugins get what Tyk gives them: the hash and its type.
    SessionState back = SessionMapper.toProto(stored);
    assertEquals("bcrypt", back.getBasicAuthData().getHash());
    assertTrue(back.getBasicAuthData().getPassword().startsWith("$2a$10$"));
  }

  @Test
  void theSamePasswordSavedAgainReusesItsHash() throws Exception {
    JsonObject json = new JsonObject().put("basic_auth_data", new JsonObject().put("password", "again"));
    sessions.saveByStorageId("user2", Session.parse(json), 0).await(20, TimeUnit.SECONDS);
    String first = store.get("apikey-user2").await(5, TimeUnit.SECONDS);
    sessions.saveByStorageId("user2", Session.parse(json), 0).await(20, TimeUnit.SECONDS);
    assertEquals(first, store.get("apikey-user2").await(5, TimeUnit.SECONDS), "no new salt: bcrypt did not run again");
    json.getJsonObject("basic_auth_data").put("password", "changed");
    sessions.saveByStorageId("user2", Session.parse(json), 0).await(20, TimeUnit.SECONDS);
    assertTrue(BasicAuthPasswords.verify("changed", new JsonObject(store.get("apikey-user2").await(5, TimeUnit.SECONDS))));
  }

  @Test
  void aHashedPasswordIsStoredAsItIsAndNeverDescribed() throws Exception {
    String hash = "$2a$10$abcdefghijklmnopqrstuuJ6V1vJ8mD7Xr6T5r0uQ2zPpG2lHqKxG";
    JsonObject json = new JsonObject().put("basic_auth_data", new JsonObject().put("password", hash).put("hash_type", "bcrypt"));
    Session session = Session.parse(json);
    sessions.saveByStorageId("user3", session, 0).await(5, TimeUnit.SECONDS);
    assertTrue(store.get("apikey-user3").await(5, TimeUnit.SECONDS).contains(hash));
    JsonObject described = sessions.describe("user3", sessions.findByStorageId("user3").await(5, TimeUnit.SECONDS)).await(5, TimeUnit.SECONDS);
    assertEquals("", described.getJsonObject("basic_auth_data").getString("password"));
    assertEquals("bcrypt", described.getJsonObject("basic_auth_data").getString("hash_type"));
  }

  @Test
  void aSessionWithoutPasswordIsStoredUnchanged() {
    JsonObject json = new JsonObject().put("rate", 1);
    assertSame(json, new BasicAuthPasswords().protect("id", json).result());
  }
}
