package dev.coproxy.chain.version;

import dev.coproxy.api.ApiDefinition;
import dev.coproxy.api.ApiVersion;
import dev.coproxy.api.VersionData;
import dev.coproxy.chain.ChainInterruption;
import dev.coproxy.chain.Middleware;
import dev.coproxy.chain.RequestContext;
import dev.coproxy.chain.version.PathLists.Verdict;
import dev.coproxy.events.EventMeta;
import dev.coproxy.events.EventSink;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Tyk's {@code VersionCheck}, first in the chain (before any plugin): finds the version a request
 * uses, refuses missing, unknown and expired versions, and applies the version's path lists
 * (white list, black list, ignored, {@code method_actions} replies). Every refusal is 403 with
 * Tyk's message and fires {@code VersionFailure}. Built only for versioned APIs and for versions
 * with path lists or an expiry.
 */
public final class VersionCheck implements Middleware {

  static final String NOT_FOUND = "Version information not found";
  static final String DOES_NOT_EXIST = "This API version does not seem to exist";
  static final String EXPIRED = "Api Version has expired, please check documentation or contact administrator";
  static final String FORBIDDEN = "Requested endpoint is forbidden";
  static final String EXPIRES_HEADER = "x-tyk-api-expires";
  private static final DateTimeFormatter RFC1123_GO = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'UTC'", Locale.ROOT)
      .withZone(ZoneOffset.UTC);

  private final ApiDefinition api;
  private final VersionData data;
  private final LongSupplier clockMillis;
  private final EventSink events;
  private final ApiVersion fixed;

  public VersionCheck(ApiDefinition api, LongSupplier clockMillis, EventSink events) {
    this.api = api;
    this.data = api.versions();
    this.clockMillis = clockMillis;
    this.events = events;
    this.fixed = data.versioned() ? null : data.unversioned();
  }

  @Override
  public String id() {
    return "version_check";
  }

  @Override
  public Future<Void> onRequest(RequestContext ctx) {
    Instant now = Instant.ofEpochMilli(clockMillis.getAsLong());
    String requested = "";
    ApiVersion version;
    if (data.versioned()) {
      requested = RequestedVersion.read(ctx, data.lookup(), api.listenPath());
      String name = requested.isEmpty() ? data.defaultVersion() : requested;
      if (name.isEmpty()) {
        return refuse(ctx, NOT_FOUND);
      }
      version = data.versions().get(name);
      if (version == null && data.lookup().fallbackToDefault()) {
        version = data.versions().get(data.defaultVersion());
      }
      if (version == null) {
        return refuse(ctx, DOES_NOT_EXIST);
      }
      if (version.expiredAt(now)) {
        return refuse(ctx, EXPIRED);
      }
    } else {
      version = fixed;
      if (version == null) {
        return refuse(ctx, data.unversionedFailure());
      }
    }
    Verdict verdict = version.hasPathRules()
        ? PathLists.judge(version, ctx.method().name(), data.candidates(ctx.matchPath(), api.listenPath()))
        : Verdict.PASS;
    switch (verdict.status()) {
      case FORBIDDEN:
        return refuse(ctx, FORBIDDEN);
      case REPLY:
        return Future.failedFuture(ChainInterruption.raw(verdict.reply().code(), verdict.reply().data(), verdict.reply().headers()));
      case IGNORE:
        ctx.ignore();
        break;
      default:
        break;
    }
    if (version.expires() != null && !version.expiredAt(now)) {
      ctx.request().response().headers().set(EXPIRES_HEADER, RFC1123_GO.format(version.expires()));
    }
    ctx.version(version, requested);
    if (data.versioned() && version.overrideTarget() != null) {
      ctx.targetOverride(version.overrideTarget());
    }
    return Future.succeededFuture();
  }

  private Future<Void> refuse(RequestContext ctx, String reason) {
    JsonObject meta = EventMeta.keyFailure("Attempted access to disallowed version / path.", ctx.request(), null);
    meta.remove("Key");
    events.fire("VersionFailure", api.apiId(), api.orgId(), meta.put("Reason", reason));
    return Future.failedFuture(ChainInterruption.error(403, reason));
  }
}
