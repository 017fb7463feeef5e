package dev.coproxy.admin;

import dev.coproxy.config.ConfigException;
import dev.coproxy.config.GatewayConfig;
import dev.coproxy.config.KeyTable;
import dev.coproxy.events.EventMeta;
import dev.coproxy.events.EventSink;
import dev.coproxy.policy.Policies;
import dev.coproxy.policy.PolicyMergeException;
import dev.coproxy.session.BasicAuthPasswords;
import dev.coproxy.session.KeyHasher;
import dev.coproxy.session.Session;
import dev.coproxy.session.SessionRepository;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.List;

/**
 * {@code /tyk/keys}: create (generated or named), read, update, delete and list keys, with Tyk's
 * paths and answers. With {@code hash_keys}, keys are stored under their hash, listed as hashes,
 * and {@code ?hashed=true} addresses a key by its hash. A key without {@code access_rights} (a
 * master key, for every API) is refused unless {@code allow_master_keys} is set, as in Tyk; a key
 * whose {@code apply_policies} (or {@code apply_policy_id}) cannot be applied (none loaded, another
 * organisation's, per_api mixed with partitions, no access right) is refused with Tyk's 500; a
 * policy's {@code key_expires_in} sets a new key's expiry.
 */
final class KeysApi {

  private static final System.Logger LOG = System.getLogger(KeysApi.class.getName());
  private static final String MASTER_KEY = "master key";

  private final SessionRepository sessions;
  private final GatewayConfig config;
  private final EventSink events;
  private final KeyPolicies keyPolicies;

  KeysApi(SessionRepository sessions, GatewayConfig config, EventSink events, Policies policies) {
    this.sessions = sessions;
    this.config = config;
    this.events = events;
    this.keyPolicies = new KeyPolicies(policies);
  }

  void mount(Router router) {
    router.get("/tyk/keys").handler(this::list);
    router.get("/tyk/keys/").handler(this::list);
    router.post("/tyk/keys").handler(rc -> create(rc, null));
    router.post("/tyk/keys/").handler(rc -> create(rc, null));
    router.post("/tyk/keys/create").handler(rc -> create(rc, null));
    router.post("/tyk/keys/preview").handler(this::preview);
    router.post("/tyk/keys/:key").handler(rc -> create(rc, rc.pathParam("key")));
    router.put("/tyk/keys/:key").handler(this::update);
    router.get("/tyk/keys/:key").handler(this::read);
    router.delete("/tyk/keys/:key").handler(this::delete);
  }

  private void list(RoutingContext rc) {
    if (sessions.hashKeys() && !config.exposure().hashedKeysListing()) {
      AdminReply.error(rc, 404, "Hashed key listing is disabled in config (enable_hashed_keys_listing)");
      return;
    }
    sessions.ids().onComplete(ar -> {
      if (ar.failed()) {
        AdminReply.fail(rc, "list keys", ar.cause());
      } else {
        AdminReply.json(rc, 200, new JsonObject().put("keys", new JsonArray(ar.result())));
      }
    });
  }

  private void create(RoutingContext rc, String named) {
    Session session = session(rc);
    if (session == null) {
      return;
    }
    if (refusedAsMasterKey(rc, session)) {
      return;
    }
    if (named != null && named.length() < config.minTokenLength()) {
      AdminReply.error(rc, 400, "Key must be at least " + config.minTokenLength() + " characters long (min_token_length)");
      return;
    }
    String key = named != null ? named : KeyHasher.generate(session.orgId(), config.hashKeyFunction());
    String id = sessions.storageId(key);
    Session created = keyPolicies.withTrialPeriod(session, System.currentTimeMillis() / 1000);
    sessions.findByStorageId(id)
        .compose(existing -> existing != null && named != null
            ? Future.failedFuture(new IllegalStateException("exists"))
            : sessions.saveByStorageId(id, created))
        .compose(v -> sessions.resetQuotas(id, keyPolicies.effective(session)))
        .onComplete(ar -> {
          if (ar.failed() && "exists".equals(ar.cause().getMessage())) {
            AdminReply.error(rc, 409, "Key already exists; use PUT to change it");
          } else if (ar.failed()) {
            AdminReply.fail(rc, "create key", ar.cause());
          } else {
            events.fire("TokenCreated", "", session.orgId(), EventMeta.token("Key created", session.orgId(), key));
            JsonObject reply = AdminReply.ok(key, "added");
            if (sessions.hashKeys()) {
              reply.put("key_hash", id);
            }
            AdminReply.json(rc, 200, reply);
          }
        });
  }

  private void update(RoutingContext rc) {
    Session session = session(rc);
    if (session == null) {
      return;
    }
    String key = rc.pathParam("key");
    String id = storageId(rc, key);
    boolean keepQuota = "1".equals(rc.queryParams().get("suppress_reset"));
    sessions.findByStorageId(id).compose(existing -> {
      if (existing == null) {
        return Future.succeededFuture(false);
      }
      if (!masterKeyAllowed(session)) {
        return Future.failedFuture(new IllegalStateException(MASTER_KEY));
      }
      Future<Void> saved = sessions.saveByStorageId(id, withBasicAuth(session, existing));
      return (keepQuota ? saved : saved.compose(v -> sessions.resetQuotas(id, keyPolicies.effective(session)))).map(true);
    }).onComplete(ar -> {
      if (ar.failed() && MASTER_KEY.equals(ar.cause().getMessage())) {
        refuseMasterKey(rc, false);
      } else if (ar.failed()) {
        AdminReply.fail(rc, "update key", ar.cause());
      } else if (!ar.result()) {
        AdminReply.error(rc, 404, "Key not found");
      } else {
        events.fire("TokenUpdated", "", session.orgId(), EventMeta.token("Key updated", session.orgId(), key));
        AdminReply.json(rc, 200, AdminReply.ok(key, "modified"));
      }
    });
  }

  private void read(RoutingContext rc) {
    String id = storageId(rc, rc.pathParam("key"));
    sessions.findByStorageId(id)
        .compose(session -> session == null ? Future.succeededFuture(null) : sessions.describe(id, keyPolicies.effective(session)))
        .onComplete(ar -> {
          if (ar.failed()) {
            AdminReply.fail(rc, "read key", ar.cause());
          } else if (ar.result() == null) {
            AdminReply.error(rc, 404, "Key not found");
          } else {
            AdminReply.json(rc, 200, ar.result());
          }
        });
  }

  private void delete(RoutingContext rc) {
    String key = rc.pathParam("key");
    String id = storageId(rc, key);
    // The counters the key kept apart per API go with it, so that a key made again under this name
    // starts afresh there too.
    sessions.findByStorageId(id).compose(session -> sessions.deleteByStorageId(id).compose(removed ->
        session == null ? Future.succeededFuture(removed) : sessions.resetQuotas(id, keyPolicies.effective(session)).map(removed)))
        .onComplete(ar -> {
          if (ar.failed()) {
            AdminReply.fail(rc, "delete key", ar.cause());
          } else if (!ar.result()) {
            AdminReply.error(rc, 404, "Key not found");
          } else {
            events.fire("TokenDeleted", "", "", EventMeta.token("Key deleted", "", key));
            AdminReply.json(rc, 200, AdminReply.ok(key, "deleted"));
          }
        });
  }

  /**
   * Tyk's {@code POST /tyk/keys/preview}: the session as it would be stored, with
   * {@code last_updated} and {@code date_created} set; nothing is stored and no key is made.
   */
  private void preview(RoutingContext rc) {
    Session session;
    try {
      session = Session.parse(new JsonObject(rc.body() == null ? "" : rc.body().asString()));
    } catch (RuntimeException e) {
      AdminReply.error(rc, 500, "Unmarshalling failed");
      return;
    }
    Instant now = Instant.now();
    JsonObject shown = BasicAuthPasswords.hidden(session.json())
        .put("last_updated", String.valueOf(now.getEpochSecond()))
        .put("date_created", now.toString());
    AdminReply.json(rc, 200, shown);
  }

  // A key whose policies grant access rights gets them from its policies: it is no master key.
  private boolean masterKeyAllowed(Session session) {
    return !session.accessRights().isEmpty() || config.exposure().allowMasterKeys()
        || keyPolicies.grantAccess(session);
  }

  /** True after answering, as Tyk does, for a key without access rights when master keys are off. */
  private boolean refusedAsMasterKey(RoutingContext rc, Session session) {
    if (masterKeyAllowed(session)) {
      return false;
    }
    refuseMasterKey(rc, rc.request().path().endsWith("/keys/create"));
    return true;
  }

  // Tyk answers /tyk/keys/create with 400 and the other key routes with 500, each its own message.
  private static void refuseMasterKey(RoutingContext rc, boolean createRoute) {
    LOG.log(System.Logger.Level.WARNING, "Master keys disallowed in configuration (allow_master_keys), key not added");
    if (createRoute) {
      AdminReply.error(rc, 400, "Failed to create key, keys must have at least one Access Rights record set.");
    } else {
      AdminReply.error(rc, 500, "Failed to create key, ensure security settings are correct.");
    }
  }

  /**
   * Basic-auth data on the Gateway API: a new password is refused with the other fields Coproxy does
   * not enforce ({@code basic_auth_data} accepts only its blank form, the one {@code GET} shows), so
   * an update that sends that blank form back keeps the stored hash, as Tyk keeps it.
   *
   * @param stored the session stored before
   */
  private static Session withBasicAuth(Session given, Session stored) {
    JsonObject storedBasic = stored == null ? null : stored.json().getJsonObject("basic_auth_data");
    if (storedBasic == null || storedBasic.getString("password", "").isEmpty()) {
      return given;
    }
    return Session.parse(given.json().copy().put("basic_auth_data", storedBasic.copy()));
  }

  private String storageId(RoutingContext rc, String key) {
    boolean hashed = "true".equalsIgnoreCase(rc.queryParams().get("hashed"));
    return hashed && sessions.hashKeys() ? key : sessions.storageId(key);
  }

  private Session session(RoutingContext rc) {
    JsonObject body = AdminReply.body(rc);
    if (body == null) {
      return null;
    }
    Session session;
    try {
      session = Session.parse(body);
    } catch (ConfigException e) {
      AdminReply.error(rc, 400, "Invalid session: " + e.getMessage());
      return null;
    }
    try {
      keyPolicies.check(session);
    } catch (PolicyMergeException e) {
      // Tyk applies the policies before it saves a key and fails it when they cannot be applied.
      LOG.log(System.Logger.Level.WARNING, "key not saved: its policies " + session.policyIds() + " cannot be applied: "
          + e.getMessage());
      AdminReply.error(rc, 500, "Failed to create key, ensure security settings are correct.");
      return null;
    }
    List<KeyTable.Finding> refused = KeyTable.refusals(KeyTable.bundled().check(KeyTable.Scope.SESSION, body));
    if (!refused.isEmpty()) {
      // A session field Coproxy does not enforce would grant what its owner meant to restrict.
      AdminReply.error(rc, 400, "Invalid session: " + refused.get(0).describe() + "; the key is not saved");
      return null;
    }
    return session;
  }
}
