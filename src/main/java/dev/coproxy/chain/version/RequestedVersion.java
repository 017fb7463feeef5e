package dev.coproxy.chain.version;

import dev.coproxy.api.VersionLookup;
import dev.coproxy.chain.QueryStrings;
import dev.coproxy.chain.RequestContext;
import java.util.List;
import java.util.Map;

/**
 * Reads the version a request names, where the API's {@code definition.location} says, and removes
 * it from the request when {@code strip_versioning_data} asks (Tyk's {@code getVersionFromRequest}).
 */
final class RequestedVersion {

  private RequestedVersion() {
  }

  /** The version name the request gives, or empty. */
  static String read(RequestContext ctx, VersionLookup lookup, String listenPath) {
    return switch (lookup.location()) {
      case NONE -> "";
      case HEADER -> fromHeader(ctx, lookup);
      case URL_PARAM -> fromQuery(ctx, lookup);
      case URL -> fromPath(ctx, lookup, listenPath);
    };
  }

  private static String fromHeader(RequestContext ctx, VersionLookup lookup) {
    if (lookup.key().isEmpty()) {
      return "";
    }
    String name = ctx.headers().get(lookup.key());
    if (lookup.strip() && name != null) {
      materialize(ctx);
      ctx.headers().remove(lookup.key());
    }
    return name == null ? "" : name;
  }

  private static String fromQuery(RequestContext ctx, VersionLookup lookup) {
    String query = ctx.query();
    if (query == null) {
      return "";
    }
    Map<String, List<String>> params = QueryStrings.decode(query);
    List<String> values = params.get(lookup.key());
    if (values == null) {
      return "";
    }
    if (lookup.strip()) {
      materialize(ctx);
      params.remove(lookup.key());
      ctx.query(QueryStrings.encode(params));
    }
    return values.get(0);
  }

  // The first non-empty segment after the listen path; a stripped version leaves the path with
  // its first "<version>/" removed, as Tyk does (so "/v1" without a slash keeps its segment).
  private static String fromPath(RequestContext ctx, VersionLookup lookup, String listenPath) {
    String path = ctx.path();
    String rest = path.startsWith(listenPath) ? path.substring(listenPath.length()) : path;
    for (String part : rest.split("/")) {
      if (part.isEmpty()) {
        continue;
      }
      if (lookup.strips(part)) {
        // Searched after the listen path, which may itself hold the same text.
        int at = path.indexOf(part + "/", path.length() - rest.length());
        if (at >= 0) {
          materialize(ctx);
          ctx.stripVersion(path.substring(0, at) + path.substring(at + part.length() + 1));
        }
      }
      return part;
    }
    return "";
  }

  private static void materialize(RequestContext ctx) {
    if (!ctx.materialized()) {
      ctx.materialize(null);
    }
  }
}
