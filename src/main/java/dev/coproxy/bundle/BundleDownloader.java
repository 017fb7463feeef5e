package dev.coproxy.bundle;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.FileProps;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.codec.BodyCodec;
import java.net.URI;
import java.nio.file.NoSuchFileException;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Fetches bundle archives from {@code http://}, {@code https://} ({@code bundle_insecure_skip_verify}
 * turns off certificate and host checks) and {@code file://} URLs, with Vert.x's web client and file
 * system: nothing blocks. Each HTTP attempt is bounded by timeouts; failures that may pass (I/O
 * errors, timeouts, 5xx) are retried after an exponential backoff on a timer, as Tyk does; a 4xx
 * answer or a bundle over {@code bundle_max_size} fails at once.
 */
public final class BundleDownloader {

  /** Connecting, and waiting for bytes, in one attempt (Tyk's timeout is 5 s). */
  static final long TIMEOUT_MILLIS = 5_000;
  /** How long one attempt may take in all, so a server trickling bytes cannot hold the loader. */
  static final long BODY_MILLIS = 30_000;
  /** Retries after the first attempt (Tyk: up to 4). */
  static final int RETRIES = 4;
  private static final long MAX_BACKOFF_MILLIS = 5_000;

  private final Vertx vertx;
  private final WebClient client;
  private final long maxBytes;
  private final long firstBackoffMillis;

  /**
   * @param insecure {@code bundle_insecure_skip_verify}
   * @param maxBytes largest archive accepted
   * @param firstBackoffMillis wait before the first retry (doubled each time, at most 5 s)
   */
  public BundleDownloader(Vertx vertx, boolean insecure, long maxBytes, long firstBackoffMillis) {
    this.vertx = vertx;
    this.maxBytes = maxBytes;
    this.firstBackoffMillis = firstBackoffMillis;
    this.client = WebClient.create(vertx, new WebClientOptions()
        .setFollowRedirects(true)
        .setTrustAll(insecure)
        .setVerifyHost(!insecure));
  }

  /** The archive at {@code url}; fails with a {@link BundleException} saying why not. */
  public Future<Buffer> fetch(String url) {
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new BundleException("bundle URL " + url + " is not valid: " + e.getMessage()));
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    return switch (scheme) {
      case "file" -> readFile(url.substring("file://".length()));
      case "http", "https" -> attempt(url, 0, firstBackoffMillis);
      default -> Future.failedFuture(new BundleException("Unknown URL scheme in " + url));
    };
  }

  private Future<Buffer> readFile(String file) {
    return vertx.fileSystem().props(file)
        .compose(props -> tooLarge(props) ? Future.failedFuture(larger("bundle " + file)) : vertx.fileSystem().readFile(file))
        .compose(bytes -> bytes.length() > maxBytes ? Future.failedFuture(larger("bundle " + file)) : Future.succeededFuture(bytes))
        .recover(e -> Future.failedFuture(e instanceof BundleException ? e : new BundleException("cannot read " + file + ": "
            + (e.getCause() instanceof NoSuchFileException ? "file does not exist" : e.getMessage()), e)));
  }

  private boolean tooLarge(FileProps props) {
    return props.size() > maxBytes;
  }

  private BundleException larger(String what) {
    return new BundleException(what + " is larger than " + maxBytes + " bytes (bundle_max_size)");
  }

  private Future<Buffer> attempt(String url, int attempt, long backoffMillis) {
    return once(url).recover(e -> {
      if (!(e instanceof Retryable)) {
        return Future.failedFuture(e);
      }
      if (attempt >= RETRIES) {
        return Future.failedFuture(new BundleException("GET " + url + " failed after " + (attempt + 1) + " attempts: " + e.getMessage()));
      }
      return vertx.timer(backoffMillis).compose(v -> attempt(url, attempt + 1, Math.min(MAX_BACKOFF_MILLIS, backoffMillis * 2)));
    });
  }

  private Future<Buffer> once(String url) {
    LimitedBody body = new LimitedBody(maxBytes, "bundle " + url);
    return client.getAbs(url)
        .connectTimeout(TIMEOUT_MILLIS)
        .idleTimeout(TIMEOUT_MILLIS)
        .as(BodyCodec.pipe(body, false))
        .send()
        .timeout(BODY_MILLIS, TimeUnit.MILLISECONDS)
        .transform(done -> {
          body.close();
          if (body.tooLarge() != null) {
            return Future.failedFuture(body.tooLarge());
          }
          if (done.failed()) {
            return Future.failedFuture(retryable(done.cause()));
          }
          return answer(url, done.result(), body);
        });
  }

  private static Future<Buffer> answer(String url, HttpResponse<Void> response, LimitedBody body) {
    if (response.statusCode() == 200) {
      return Future.succeededFuture(body.body());
    }
    String error = "HTTP Error, got status code " + response.statusCode();
    return Future.failedFuture(response.statusCode() >= 500 ? new Retryable(error) : new BundleException("GET " + url + ": " + error));
  }

  private static Retryable retryable(Throwable e) {
    if (e instanceof TimeoutException) {
      return new Retryable("took longer than " + BODY_MILLIS + " ms");
    }
    return new Retryable(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
  }

  /** A failure worth another attempt. */
  private static final class Retryable extends Exception {
    Retryable(String message) {
      super(message, null, false, false);
    }
  }
}
