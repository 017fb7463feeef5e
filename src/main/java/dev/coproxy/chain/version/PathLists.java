package dev.coproxy.chain.version;

import dev.coproxy.api.ApiVersion;
import dev.coproxy.api.PathRule;
import dev.coproxy.api.PathRule.Kind;
import dev.coproxy.api.PathRule.MethodAction;

/**
 * Tyk's decision on a request path from a version's path lists ({@code URLAllowedAndIgnored}): the
 * first entry whose path and method match decides; with a white list, a path no entry matches is
 * refused. Runs inside {@link VersionCheck}.
 */
final class PathLists {

  /** What the lists say about a request. */
  enum Status { PASS, IGNORE, FORBIDDEN, REPLY }

  /** The decision, with the reply to send for {@link Status#REPLY}. */
  record Verdict(Status status, MethodAction reply) {

    static final Verdict PASS = new Verdict(Status.PASS, null);
    static final Verdict IGNORE = new Verdict(Status.IGNORE, null);
    static final Verdict FORBIDDEN = new Verdict(Status.FORBIDDEN, null);
  }

  private PathLists() {
  }

  /**
   * @param method the request method
   * @param candidates the paths to match (see {@link dev.coproxy.api.VersionData#candidates})
   */
  static Verdict judge(ApiVersion version, String method, String[] candidates) {
    for (PathRule rule : version.rules()) {
      if (!rule.pattern().foundIn(candidates)) {
        continue;
      }
      if (rule.methodActions() != null) {
        MethodAction action = rule.methodActions().get(method);
        if (action == null) {
          continue;
        }
        return action.reply() ? new Verdict(Status.REPLY, action) : of(rule.kind());
      }
      if (!rule.method().isEmpty()) {
        if (!rule.method().equals(method)) {
          continue;
        }
        return of(rule.kind());
      }
      // An entry for every method decides as its list says.
      return of(rule.kind());
    }
    return version.whiteListed() ? Verdict.FORBIDDEN : Verdict.PASS;
  }

  private static Verdict of(Kind kind) {
    return switch (kind) {
      case IGNORED -> Verdict.IGNORE;
      case BLACK_LIST -> Verdict.FORBIDDEN;
      case WHITE_LIST -> Verdict.PASS;
    };
  }
}
