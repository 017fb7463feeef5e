package dev.coproxy.policy;

import dev.coproxy.session.AccessDefinition;
import dev.coproxy.session.AccessDefinition.AccessSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One API's access right while policies are merged into it: versions and allowed URLs are unions
 * (each URL keeps the union of its methods, in the order first seen), the limit is a
 * {@link LimitDraft}, the allowance scope names the counters the API is counted under.
 */
final class RightDraft {

  String apiId = "";
  String apiName = "";
  final List<String> versions = new ArrayList<>();
  final Map<String, List<String>> allowedUrls = new LinkedHashMap<>();
  LimitDraft limit = new LimitDraft();
  String scope = "";

  /** A right copied whole from a policy (a {@code per_api} policy overwrites what was there). */
  static RightDraft copyOf(AccessDefinition right) {
    RightDraft d = new RightDraft();
    d.mergeAccess(right);
    d.limit = LimitDraft.of(right.limit());
    d.scope = right.allowanceScope();
    return d;
  }

  /** Adds a policy's API name and id (when set), versions and allowed URLs to this right. */
  void mergeAccess(AccessDefinition right) {
    if (!right.apiId().isEmpty()) {
      apiId = right.apiId();
    }
    if (!right.apiName().isEmpty()) {
      apiName = right.apiName();
    }
    right.versions().forEach(v -> {
      if (!versions.contains(v)) {
        versions.add(v);
      }
    });
    for (AccessSpec spec : right.allowedUrls()) {
      List<String> methods = allowedUrls.computeIfAbsent(spec.url(), url -> new ArrayList<>());
      spec.methods().forEach(m -> {
        if (!methods.contains(m)) {
          methods.add(m);
        }
      });
    }
  }

  AccessDefinition toRight() {
    List<AccessSpec> urls = new ArrayList<>();
    allowedUrls.forEach((url, methods) -> urls.add(new AccessSpec(url, methods)));
    return new AccessDefinition(apiId, apiName, versions, urls, limit.isEmpty() ? null : limit.toLimit(), scope);
  }
}
