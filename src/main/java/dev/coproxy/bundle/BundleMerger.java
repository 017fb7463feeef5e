package dev.coproxy.bundle;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Merges the {@code custom_middleware} of several bundles named by one API
 * ({@code "a.zip, b.zip"}), as Tyk 5.15 does: {@code pre}, {@code post}, {@code post_key_auth}
 * and {@code response} hooks are appended in bundle order, at most one bundle may define
 * {@code auth_check}, every bundle naming a driver names the same one, and the first non-empty
 * {@code id_extractor} wins. Hook {@code path} values are prefixed with the bundle's subdirectory.
 */
final class BundleMerger {

  private static final List<String> LISTS = List.of("pre", "post", "post_key_auth", "response");

  private BundleMerger() {
  }

  /** One loaded bundle: its name, subdirectory and manifest. */
  record Part(String name, String subdir, Manifest manifest) {
  }

  static JsonObject merge(List<Part> parts) throws BundleException {
    if (parts.size() == 1) {
      return parts.get(0).manifest().customMiddleware().copy();
    }
    JsonObject merged = new JsonObject();
    LISTS.forEach(key -> merged.put(key, new JsonArray()));
    String authFrom = null;
    for (Part part : parts) {
      JsonObject cm = part.manifest().customMiddleware();
      for (String key : LISTS) {
        JsonArray hooks = cm.getJsonArray(key, new JsonArray());
        for (int i = 0; i < hooks.size(); i++) {
          merged.getJsonArray(key).add(prefixed(hooks.getJsonObject(i), part.subdir()));
        }
      }
      JsonObject auth = cm.getJsonObject("auth_check");
      if (auth != null && !auth.getString("name", "").isEmpty()) {
        if (authFrom != null) {
          throw new BundleException("bundles " + authFrom + " and " + part.name() + " both define auth_check; only one may");
        }
        authFrom = part.name();
        merged.put("auth_check", prefixed(auth, part.subdir()));
      }
      String driver = cm.getString("driver", "");
      String chosen = merged.getString("driver", "");
      if (!driver.isEmpty() && !chosen.isEmpty() && !driver.equals(chosen)) {
        throw new BundleException("bundle " + part.name() + " uses driver " + driver + " but an earlier bundle uses " + chosen);
      }
      if (chosen.isEmpty() && !driver.isEmpty()) {
        merged.put("driver", driver);
      }
      JsonObject extractor = cm.getJsonObject("id_extractor");
      if (!merged.containsKey("id_extractor") && extractor != null && !extractor.isEmpty()) {
        merged.put("id_extractor", extractor.copy());
      }
    }
    return merged;
  }

  private static JsonObject prefixed(JsonObject hook, String subdir) {
    JsonObject copy = hook.copy();
    String path = copy.getString("path", "");
    if (!path.isEmpty()) {
      copy.put("path", subdir + "/" + path);
    }
    return copy;
  }

  /** Tyk's subdirectory of one bundle in a list: its name without extension, '/' as "__". */
  static String subdir(String name) {
    int slash = name.lastIndexOf('/');
    int dot = name.lastIndexOf('.');
    String stem = dot > slash + 1 ? name.substring(0, dot) : name;
    return stem.replaceAll("/+", "/").replace("/", "__");
  }
}
