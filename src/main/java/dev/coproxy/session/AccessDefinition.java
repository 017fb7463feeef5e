package dev.coproxy.session;

import dev.coproxy.config.ConfigException;
import dev.coproxy.config.JsonReader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One entry of a key's or a policy's {@code access_rights}: what the key may do on one API. Parsed
 * once with the session (or policy) it belongs to.
 *
 * @param apiId {@code api_id}
 * @param apiName {@code api_name}
 * @param versions {@code versions}: the API versions the key may call (empty = any)
 * @param allowedUrls {@code allowed_urls}: path patterns (regular expressions) and their methods;
 *     empty = every path
 * @param limit {@code limit}: this API's own rate and quota, or null when none is set
 * @param allowanceScope {@code allowance_scope}: the name the API's counters are kept under, apart
 *     from the key's own; empty = the key's counters
 */
public record AccessDefinition(
    String apiId,
    String apiName,
    List<String> versions,
    List<AccessSpec> allowedUrls,
    ApiLimit limit,
    String allowanceScope) {

  public AccessDefinition {
    versions = List.copyOf(versions);
    allowedUrls = List.copyOf(allowedUrls);
  }

  /** The JSON of this entry, as a merged session shows it; empty fields are left out. */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("api_id", apiId).put("api_name", apiName);
    if (!versions.isEmpty()) {
      json.put("versions", new JsonArray(versions));
    }
    if (!allowedUrls.isEmpty()) {
      JsonArray urls = new JsonArray();
      allowedUrls.forEach(u -> urls.add(new JsonObject().put("url", u.url()).put("methods", new JsonArray(u.methods()))));
      json.put("allowed_urls", urls);
    }
    if (!ApiLimit.isEmpty(limit)) {
      json.put("limit", limit.toJson());
    }
    if (!allowanceScope.isEmpty()) {
      json.put("allowance_scope", allowanceScope);
    }
    return json;
  }

  /** One {@code allowed_urls} entry: a path pattern and the methods allowed on it. */
  public record AccessSpec(String url, List<String> methods) {

    public AccessSpec {
      methods = List.copyOf(methods);
    }
  }

  /**
   * Parses a whole {@code access_rights} object, by API id in its order.
   *
   * @param r a reader of the object that holds {@code access_rights} (a session or a policy)
   * @throws ConfigException naming the first entry that is not an object or has a field of the wrong type
   */
  public static Map<String, AccessDefinition> parseAll(JsonReader r) {
    JsonObject json = r.object("access_rights");
    JsonReader rights = r.child("access_rights");
    Map<String, AccessDefinition> parsed = new LinkedHashMap<>();
    for (String apiId : json.fieldNames()) {
      if (!(json.getValue(apiId) instanceof JsonObject entry)) {
        throw new ConfigException(rights.path(apiId), "must be an object");
      }
      parsed.put(apiId, parse(new JsonReader(entry, rights.path(apiId)), entry));
    }
    return parsed;
  }

  /**
   * Parses one access right.
   *
   * @param r a reader on the entry, whose prefix names it in errors ({@code access_rights.<api>})
   * @throws ConfigException naming the first field of the wrong type
   */
  public static AccessDefinition parse(JsonReader r, JsonObject json) {
    List<AccessSpec> urls = new ArrayList<>();
    Object listed = json.getValue("allowed_urls");
    if (listed != null && !(listed instanceof JsonArray)) {
      throw new ConfigException(r.path("allowed_urls"), "must be a list");
    }
    if (listed instanceof JsonArray list) {
      for (Object url : list) {
        if (!(url instanceof JsonObject u)) {
          throw new ConfigException(r.path("allowed_urls"), "must be a list of objects");
        }
        JsonReader spec = new JsonReader(u, r.path("allowed_urls"));
        urls.add(new AccessSpec(spec.string("url", ""), spec.strings("methods")));
      }
    }
    JsonObject limit = r.object("limit");
    return new AccessDefinition(
        r.string("api_id", ""),
        r.string("api_name", ""),
        r.strings("versions"),
        urls,
        limit.isEmpty() ? null : ApiLimit.parse(new JsonReader(limit, r.path("limit"))),
        r.string("allowance_scope", ""));
  }
}
