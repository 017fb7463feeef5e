package dev.coproxy.testing;

import io.vertx.core.json.JsonObject;

/** API definitions for tests, in classic Tyk JSON. */
public final class Apis {

  private Apis() {
  }

  public static JsonObject keyless(String apiId, String listenPath, String targetUrl) {
    return new JsonObject()
        .put("api_id", apiId)
        .put("org_id", "test-org")
        .put("name", apiId)
        .put("use_keyless", true)
        .put("proxy", new JsonObject().put("listen_path", listenPath).put("target_url", targetUrl).put("strip_listen_path", true));
  }

  public static JsonObject protectedApi(String apiId, String listenPath, String targetUrl) {
    return keyless(apiId, listenPath, targetUrl).put("use_keyless", false);
  }
}
