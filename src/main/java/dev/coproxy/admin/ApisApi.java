package dev.coproxy.admin;

import dev.coproxy.api.ApiDefinition;
import dev.coproxy.config.ConfigException;
import dev.coproxy.routing.ApiRegistry;
import dev.coproxy.routing.ListenPaths;
import dev.coproxy.routing.LoadedApi;
import dev.coproxy.routing.ReloadBus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.CopyOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Path;
import java.util.UUID;

/**
 * {@code /tyk/apis} and {@code /tyk/reload}: API definitions are read from the live table and
 * written to {@code app_path} as {@code <api_id>.json} (atomically, through a temporary file); as in
 * Tyk, a change goes live with the next reload. A reload swaps the whole API set at once;
 * {@code /tyk/reload?refresh_bundles=true} also fetches plugin bundles again.
 */
final class ApisApi {

  private final Vertx vertx;
  private final ApiRegistry registry;
  private final ReloadBus reloadBus;

  ApisApi(Vertx vertx, ApiRegistry registry, ReloadBus reloadBus) {
    this.vertx = vertx;
    this.registry = registry;
    this.reloadBus = reloadBus;
  }

  void mount(Router router) {
    router.get("/tyk/apis").handler(this::list);
    router.get("/tyk/apis/").handler(this::list);
    router.post("/tyk/apis").handler(this::create);
    router.post("/tyk/apis/").handler(this::create);
    router.get("/tyk/apis/:id").handler(this::read);
    router.put("/tyk/apis/:id").handler(this::update);
    router.delete("/tyk/apis/:id").handler(this::delete);
    router.get("/tyk/reload").handler(rc -> reload(rc, registry.reload(refreshBundles(rc))));
    router.get("/tyk/reload/").handler(rc -> reload(rc, registry.reload(refreshBundles(rc))));
    router.get("/tyk/reload/group").handler(rc -> reload(rc, reloadBus.reloadGroup(refreshBundles(rc))));
  }

  // ?refresh_bundles=true (Coproxy's): fetch plugin bundles again even when they are on disk.
  private static boolean refreshBundles(RoutingContext rc) {
    String value = rc.request().getParam(ReloadBus.REFRESH_BUNDLES);
    return value != null && (value.equalsIgnoreCase("true") || value.equals("1"));
  }

  private void list(RoutingContext rc) {
    JsonArray apis = new JsonArray();
    registry.current().all().forEach(api -> apis.add(api.definition().raw()));
    AdminReply.json(rc, 200, apis);
  }

  private void read(RoutingContext rc) {
    LoadedApi api = registry.current().byId(rc.pathParam("id"));
    if (api == null) {
      AdminReply.error(rc, 404, "API not found");
    } else {
      AdminReply.json(rc, 200, api.definition().raw());
    }
  }

  private void create(RoutingContext rc) {
    JsonObject body = AdminReply.body(rc);
    if (body == null) {
      return;
    }
    if (body.getValue("api_id") == null || "".equals(body.getValue("api_id"))) {
      body.put("api_id", UUID.randomUUID().toString().replace("-", ""));
    }
    ApiDefinition def = validate(rc, body);
    if (def == null) {
      return;
    }
    Path file = registry.appPath().resolve(def.apiId() + ".json");
    if (registry.current().byId(def.apiId()) != null) {
      AdminReply.error(rc, 409, "API " + def.apiId() + " already exists; use PUT /tyk/apis/" + def.apiId());
      return;
    }
    vertx.fileSystem().exists(file.toString())
        .compose(exists -> exists ? Future.failedFuture(new IllegalStateException("exists")) : write(file, body))
        .onComplete(ar -> {
          if (ar.failed() && "exists".equals(ar.cause().getMessage())) {
            AdminReply.error(rc, 409, "API file " + file.getFileName() + " already exists; use PUT /tyk/apis/" + def.apiId());
          } else if (ar.failed()) {
            AdminReply.fail(rc, "write " + file, ar.cause());
          } else {
            AdminReply.json(rc, 200, AdminReply.ok(def.apiId(), "added"));
          }
        });
  }

  private void update(RoutingContext rc) {
    String id = rc.pathParam("id");
    JsonObject body = AdminReply.body(rc);
    if (body == null) {
      return;
    }
    Object bodyId = body.getValue("api_id");
    if (bodyId == null || "".equals(bodyId)) {
      body.put("api_id", id);
    } else if (!id.equals(bodyId)) {
      AdminReply.error(rc, 400, "api_id in the body (" + bodyId + ") does not match the path (" + id + ")");
      return;
    }
    if (validate(rc, body) == null) {
      return;
    }
    Path file = fileOf(id);
    if (file == null) {
      AdminReply.error(rc, 404, "API not found");
      return;
    }
    vertx.fileSystem().exists(file.toString())
        .compose(exists -> exists || registry.current().byId(id) != null
            ? write(file, body).map(true) : Future.succeededFuture(false))
        .onComplete(ar -> {
          if (ar.failed()) {
            AdminReply.fail(rc, "write " + file, ar.cause());
          } else if (!ar.result()) {
            AdminReply.error(rc, 404, "API not found");
          } else {
            AdminReply.json(rc, 200, AdminReply.ok(id, "modified"));
          }
        });
  }

  private void delete(RoutingContext rc) {
    String id = rc.pathParam("id");
    Path file = fileOf(id);
    if (file == null) {
      AdminReply.error(rc, 404, "API not found");
      return;
    }
    vertx.fileSystem().exists(file.toString())
        .compose(exists -> exists ? vertx.fileSystem().delete(file.toString()).map(true) : Future.succeededFuture(false))
        .onComplete(ar -> {
          if (ar.failed()) {
            AdminReply.fail(rc, "delete " + file, ar.cause());
          } else if (!ar.result()) {
            AdminReply.error(rc, 404, "API not found");
          } else {
            AdminReply.json(rc, 200, AdminReply.ok(id, "deleted"));
          }
        });
  }

  private void reload(RoutingContext rc, Future<ApiRegistry.ReloadReport> reload) {
    reload.onComplete(ar -> {
      if (ar.failed()) {
        AdminReply.fail(rc, "reload", ar.cause());
      } else {
        AdminReply.json(rc, 200, new JsonObject().put("status", "ok").put("message", "")
            .put("loaded", ar.result().loaded()).put("errors", new JsonArray(ar.result().errors())));
      }
    });
  }

  /**
   * The file an API lives in: where it was loaded from, else {@code <api_id>.json}; null when the
   * id would name a file outside app_path (an id from the URL may hold "../" once decoded).
   */
  private Path fileOf(String id) {
    LoadedApi loaded = registry.current().byId(id);
    if (loaded != null) {
      return loaded.source();
    }
    Path dir = registry.appPath().toAbsolutePath().normalize();
    Path file = dir.resolve(id + ".json").normalize();
    return dir.equals(file.getParent()) ? file : null;
  }

  private Future<Void> write(Path file, JsonObject body) {
    String temp = file.resolveSibling("." + file.getFileName() + "." + UUID.randomUUID() + ".tmp").toString();
    return vertx.fileSystem().writeFile(temp, Buffer.buffer(body.encodePrettily()))
        .compose(v -> vertx.fileSystem().move(temp, file.toString(), new CopyOptions().setReplaceExisting(true).setAtomicMove(true)));
  }

  // A listen path that a live API serves stays that API's: the reload would refuse the newcomer.
  private ApiDefinition validate(RoutingContext rc, JsonObject body) {
    try {
      ApiDefinition def = ApiDefinition.parse(body);
      LoadedApi holder = ListenPaths.holder(def, registry.current());
      if (holder != null) {
        throw new ConfigException("proxy.listen_path", def.listenPath() + " is already served by api " + holder.definition().apiId());
      }
      registry.keyPolicy().check(def.apiId(), body);
      return def;
    } catch (ConfigException e) {
      AdminReply.error(rc, 400, "Invalid API definition: " + e.getMessage());
      return null;
    }
  }
}
