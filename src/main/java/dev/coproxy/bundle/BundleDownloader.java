package dev.coproxy.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Fetches bundle archives from {@code http://}, {@code https://} ({@code bundle_insecure_skip_verify}
 * turns off certificate and host checks) and {@code file://} URLs. Blocking: it runs on the API
 * loader thread. Each HTTP attempt is bounded by a timeout; failures that may pass (I/O errors, 5xx)
 * are retried with exponential backoff, as Tyk does; a 4xx answer fails at once.
 */
public final class BundleDownloader {

  /** Per-attempt timeout (Tyk's is 5 s). */
  static final Duration TIMEOUT = Duration.ofSeconds(5);
  /** How long reading one answer's body may take, so a server trickling bytes cannot hold the loader. */
  static final long BODY_MILLIS = 30_000;
  /** Retries after the first attempt (Tyk: up to 4). */
  static final int RETRIES = 4;

  private final long maxBytes;
  private final long firstBackoffMillis;
  private final HttpClient client;

  /**
   * @param insecure {@code bundle_insecure_skip_verify}
   * @param maxBytes largest archive accepted
   * @param firstBackoffMillis wait before the first retry (doubled each time, at most 5 s)
   */
  public BundleDownloader(boolean insecure, long maxBytes, long firstBackoffMillis) {
    this.maxBytes = maxBytes;
    this.firstBackoffMillis = firstBackoffMillis;
    HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(TIMEOUT).followRedirects(HttpClient.Redirect.NORMAL);
    if (insecure) {
      builder.sslContext(trustAll());
    }
    this.client = builder.build();
  }

  /** The archive at {@code url}. */
  public byte[] fetch(String url) throws BundleException {
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new BundleException("bundle URL " + url + " is not valid: " + e.getMessage());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
    return switch (scheme) {
      case "file" -> readFile(url);
      case "http", "https" -> fetchWithRetries(uri);
      default -> throw new BundleException("Unknown URL scheme in " + url);
    };
  }

  private byte[] readFile(String url) throws BundleException {
    Path file = Path.of(url.substring("file://".length()));
    try (InputStream in = Files.newInputStream(file)) {
      return BundleArchive.readLimited(in, maxBytes, "bundle " + file);
    } catch (NoSuchFileException e) {
      throw new BundleException("cannot read " + file + ": file does not exist");
    } catch (BundleException e) {
      throw e;
    } catch (IOException e) {
      throw new BundleException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private byte[] fetchWithRetries(URI uri) throws BundleException {
    long backoff = firstBackoffMillis;
    for (int attempt = 0; ; attempt++) {
      try {
        return fetchOnce(uri);
      } catch (Retryable e) {
        if (attempt >= RETRIES) {
          throw new BundleException("GET " + uri + " failed after " + (attempt + 1) + " attempts: " + e.getMessage());
        }
      }
      try {
        Thread.sleep(backoff);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BundleException("GET " + uri + " interrupted");
      }
      backoff = Math.min(5000, backoff * 2);
    }
  }

  private byte[] fetchOnce(URI uri) throws BundleException, Retryable {
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build();
    HttpResponse<InputStream> response;
    try {
      response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw new Retryable(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BundleException("GET " + uri + " interrupted");
    }
    InputStream stream = response.body();
    // Closing the stream ends a read that is stuck; cancelled once the body is read.
    java.util.concurrent.CompletableFuture<Void> guard = java.util.concurrent.CompletableFuture.runAsync(() -> closeQuietly(stream),
        java.util.concurrent.CompletableFuture.delayedExecutor(BODY_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS));
    try (InputStream body = stream) {
      if (response.statusCode() != 200) {
        String error = "HTTP Error, got status code " + response.statusCode();
        if (response.statusCode() >= 500) {
          throw new Retryable(error);
        }
        throw new BundleException("GET " + uri + ": " + error);
      }
      long declared = response.headers().firstValueAsLong("content-length").orElse(-1);
      if (declared > maxBytes) {
        throw new BundleException("bundle " + uri + " is larger than " + maxBytes + " bytes (bundle_max_size)");
      }
      return BundleArchive.readLimited(body, maxBytes, "bundle " + uri);
    } catch (BundleException e) {
      throw e;
    } catch (IOException e) {
      throw new Retryable("reading the body: " + (guard.isDone() ? "took longer than " + BODY_MILLIS + " ms" : e.getMessage()));
    } finally {
      guard.cancel(false);
    }
  }

  private static void closeQuietly(InputStream stream) {
    try {
      stream.close();
    } catch (IOException ignored) {
      // The read it ends reports the failure.
    }
  }

  /** A failure worth another attempt. */
  private static final class Retryable extends Exception {
    Retryable(String message) {
      super(message, null, false, false);
    }
  }

  // Accepts every certificate and skips the host name check (an X509ExtendedTrustManager is where
  // JSSE does both), which is what bundle_insecure_skip_verify asks for.
  private static SSLContext trustAll() {
    TrustManager trustAll = new X509ExtendedTrustManager() {
      @Override public void checkClientTrusted(X509Certificate[] chain, String authType) { }
      @Override public void checkServerTrusted(X509Certificate[] chain, String authType) { }
      @Override public void checkClientTrusted(X509Certificate[] chain, String authType, java.net.Socket s) { }
      @Override public void checkServerTrusted(X509Certificate[] chain, String authType, java.net.Socket s) { }
      @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine e) { }
      @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine e) { }
      @Override public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {trustAll}, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
