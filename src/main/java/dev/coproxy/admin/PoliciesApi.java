package dev.coproxy.admin;

import dev.coproxy.config.ConfigException;
import dev.coproxy.policy.LoadedPolicies;
import dev.coproxy.policy.Policy;
import dev.coproxy.policy.PolicyWrites;
import io.vertx.core.Future;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.lang.System.Logger.Level;
import java.util.regex.Pattern;

/**
 * {@code /tyk/policies}, with Tyk's paths, statuses and messages: the list and a policy are read
 * from the live set; a created, changed or deleted policy is written ({@link PolicyWrites}) and, as
 * in Tyk, goes live with the next reload ({@code /tyk/reload/group} for every node).
 */
final class PoliciesApi {

  private static final System.Logger LOG = System.getLogger(PoliciesApi.class.getName());
  /** Tyk's safe policy id characters, enforced unless {@code allow_unsafe_policy_ids}. */
  private static final Pattern SAFE_ID = Pattern.compile("[a-zA-Z0-9.\\-_~]+");
  private static final String INVALID_ID = "Invalid Policy ID: Allowed characters: a-z, A-Z, 0-9, ., _, -, ~";

  private final LoadedPolicies policies;
  private final PolicyWrites writes;
  private final boolean allowUnsafeIds;

  PoliciesApi(LoadedPolicies policies, PolicyWrites writes, boolean allowUnsafeIds) {
    this.policies = policies;
    this.writes = writes;
    this.allowUnsafeIds = allowUnsafeIds;
  }

  void mount(Router router) {
    for (String path : new String[] {"/tyk/policies", "/tyk/policies/"}) {
      router.get(path).handler(this::list);
      router.post(path).handler(rc -> save(rc, null, "added"));
      router.put(path).handler(rc -> AdminReply.error(rc, 400, "Must specify an apiID to update"));
      router.delete(path).handler(rc -> AdminReply.error(rc, 400, "Must specify an apiID to delete"));
    }
    router.get("/tyk/policies/:id").handler(this::read);
    // Tyk takes a POST's id from the body, whatever the path says.
    router.post("/tyk/policies/:id").handler(rc -> save(rc, null, "added"));
    router.put("/tyk/policies/:id").handler(rc -> save(rc, rc.pathParam("id"), "modified"));
    router.delete("/tyk/policies/:id").handler(this::delete);
  }

  private void list(RoutingContext rc) {
    JsonArray all = new JsonArray();
    policies.all().forEach(policy -> all.add(policy.json()));
    AdminReply.json(rc, 200, all);
  }

  private void read(RoutingContext rc) {
    Policy policy = policies.find(rc.pathParam("id"));
    if (policy == null) {
      AdminReply.error(rc, 404, "Policy not found");
    } else {
      AdminReply.json(rc, 200, policy.json());
    }
  }

  /** @param pathId the id a PUT names, which the body must match; null for a POST */
  private void save(RoutingContext rc, String pathId, String action) {
    Policy policy = parse(rc, pathId);
    if (policy == null) {
      return;
    }
    writes.save(policy).onComplete(ar -> {
      if (ar.succeeded()) {
        AdminReply.json(rc, 200, AdminReply.ok(policy.id(), action));
      } else {
        refused(rc, ar.cause(), "Failed to create file!");
      }
    });
  }

  private void delete(RoutingContext rc) {
    String id = rc.pathParam("id");
    writes.delete(id).onComplete(ar -> {
      if (ar.succeeded()) {
        AdminReply.json(rc, 200, AdminReply.ok(id, "deleted"));
      } else {
        refused(rc, ar.cause(), "Delete failed");
      }
    });
  }

  // Tyk answers 500 for each of these, a policy unknown to a delete included.
  private static void refused(RoutingContext rc, Throwable cause, String message) {
    LOG.log(Level.WARNING, "Gateway API: policy change refused: " + cause.getMessage());
    if (cause instanceof PolicyWrites.RefusedChange refused && refused.refusal() == PolicyWrites.Refusal.NO_STORAGE) {
      AdminReply.error(rc, 500, "Unable to access policy storage.");
    } else {
      AdminReply.error(rc, 500, message);
    }
  }

  // Tyk's checks, in its order: the body, the id's characters, the PUT's id, an id at all.
  private Policy parse(RoutingContext rc, String pathId) {
    JsonObject body;
    try {
      body = rc.body() == null ? null : Json.decodeValue(rc.body().buffer()) instanceof JsonObject o ? o : null;
    } catch (RuntimeException e) {
      body = null;
    }
    if (body == null) {
      AdminReply.error(rc, 400, "Request malformed");
      return null;
    }
    Object id = body.getValue("id", "");
    if (!(id instanceof String text) || (!allowUnsafeIds && !text.isEmpty() && !SAFE_ID.matcher(text).matches())) {
      AdminReply.error(rc, 400, id instanceof String ? INVALID_ID : "Request malformed");
      return null;
    }
    if (pathId != null && !pathId.equals(id)) {
      AdminReply.error(rc, 400, "Request ID does not match that in policy! For Update operations these must match.");
      return null;
    }
    if (((String) id).isEmpty() && body.getValue("_id", "") instanceof String mid && mid.isEmpty()) {
      AdminReply.error(rc, 400, "Unable to create policy without id.");
      return null;
    }
    try {
      Policy policy = Policy.load(body, null);
      if (!allowUnsafeIds && !SAFE_ID.matcher(policy.id()).matches()) {
        // The id came from _id, which Tyk's check does not see; it still names a file here.
        AdminReply.error(rc, 400, INVALID_ID);
        return null;
      }
      return policy;
    } catch (ConfigException e) {
      AdminReply.error(rc, 400, "Request malformed: " + e.getMessage());
      return null;
    }
  }
}
