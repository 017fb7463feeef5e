package dev.coproxy.admin;

import dev.coproxy.config.ConfigException;
import dev.coproxy.config.GatewayConfig;
import dev.coproxy.config.KeyTable;
import dev.coproxy.events.EventMeta;
import dev.coproxy.events.EventSink;
import dev.coproxy.session.KeyHasher;
import dev.coproxy.session.Session;
import dev.coproxy.session.SessionRepository;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * {@code /tyk/keys}: create (generated or named), read, update, delete and list keys, with Tyk's
 * paths and answers. With {@code hash_keys}, keys are stored under their hash, listed as hashes,
 * and {@code ?hashed=true} addresses a key by its hash.
 */
final class KeysApi {

  private final SessionRepository sessions;
  private final GatewayConfig config;
  private final EventSink events;

  KeysApi(SessionRepository sessions, GatewayConfig config, EventSink events) {
    this.sessions = sessions;
    this.config = config;
    this.events = events;
  }

  void mount(Router router) {
    router.get("/tyk/keys").handler(this::list);
    router.get("/tyk/keys/").handler(this::list);
    router.post("/tyk/keys").handler(rc -> create(rc, null));
    router.post("/tyk/keys/").handler(rc -> create(rc, null));
    router.post("/tyk/keys/create").handler(rc -> create(rc, null));
    router.post("/tyk/keys/:key").handler(rc -> create(rc, rc.pathParam("key")));
    router.put("/tyk/keys/:key").handler(this::update);
    router.get("/tyk/keys/:key").handler(this::read);
    router.delete("/tyk/keys/:key").handler(this::delete);
  }

  private void list(RoutingContext rc) {
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
    if (named != null && named.length() < config.minTokenLength()) {
      AdminReply.error(rc, 400, "Key must be at least " + config.minTokenLength() + " characters long (min_token_length)");
      return;
    }
    String key = named != null ? named : KeyHasher.generate(session.orgId(), config.hashKeyFunction());
    String id = sessions.storageId(key);
    sessions.findByStorageId(id)
        .compose(existing -> existing != null && named != null
            ? Future.failedFuture(new IllegalStateException("exists"))
            : sessions.saveByStorageId(id, session))
        .compose(v -> sessions.resetQuota(id))
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
      Future<Void> saved = sessions.saveByStorageId(id, session);
      return (keepQuota ? saved : saved.compose(v -> sessions.resetQuota(id))).map(true);
    }).onComplete(ar -> {
      if (ar.failed()) {
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
        .compose(session -> session == null ? Future.succeededFuture(null) : sessions.describe(id, session))
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
    sessions.deleteByStorageId(storageId(rc, key)).onComplete(ar -> {
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

  private String storageId(RoutingContext rc, String key) {
    boolean hashed = "true".equalsIgnoreCase(rc.queryParams().get("hashed"));
    return hashed && sessions.hashKeys() ? key : sessions.storageId(key);
  }

  private static Session session(RoutingContext rc) {
    JsonObject body = AdminReply.body(rc);
    if (body == null) {
      return null;
    }
    List<KeyTable.Finding> refused = KeyTable.refusals(KeyTable.bundled().check(KeyTable.Scope.SESSION, body));
    if (!refused.isEmpty()) {
      // A session field Coproxy does not enforce would grant what its owner meant to restrict.
      AdminReply.error(rc, 400, "Invalid session: " + refused.get(0).describe() + "; the key is not saved");
      return null;
    }
    try {
      return Session.parse(body);
    } catch (ConfigException e) {
      AdminReply.error(rc, 400, "Invalid session: " + e.getMessage());
      return null;
    }
  }
}
