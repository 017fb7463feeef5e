package dev.coproxy.api;

import dev.coproxy.config.ConfigException;
import io.vertx.core.net.SocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed {@code target_url}: where to connect, what Host to send, and the base path and query
 * that every proxied request is joined onto.
 *
 * @param url the URL as configured
 * @param ssl https
 * @param host host name or address
 * @param port port (default 80/443)
 * @param basePath path of the target, "" when none
 * @param baseQuery query of the target, "" when none
 * @param address the socket address to connect to
 */
public record UpstreamTarget(String url, boolean ssl, String host, int port, String basePath, String baseQuery,
    SocketAddress address) {

  private static final Pattern UNDERSCORE_HOST = Pattern.compile("(?:[^@/]*@)?([A-Za-z0-9_.-]+)(?::(\\d{1,5}))?");

  /** @throws ConfigException naming {@code proxy.target_url} when the URL cannot be proxied to */
  public static UpstreamTarget parse(String url) {
    URI uri;
    try {
      uri = new URI(url.trim());
    } catch (URISyntaxException e) {
      throw new ConfigException("proxy.target_url", "is not a valid URL: " + e.getMessage());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new ConfigException("proxy.target_url", "must be an http or https URL, got \"" + url + "\"");
    }
    String host = uri.getHost();
    int givenPort = uri.getPort();
    if (host == null && uri.getRawAuthority() != null) {
      // java.net.URI only takes RFC 2396 host names; Go's url.Parse (so Tyk) also takes names with
      // underscores, common for Docker Compose services.
      Matcher authority = UNDERSCORE_HOST.matcher(uri.getRawAuthority());
      if (authority.matches()) {
        host = authority.group(1);
        givenPort = authority.group(2) == null ? -1 : Integer.parseInt(authority.group(2));
      }
    }
    if (host == null || host.isEmpty()) {
      throw new ConfigException("proxy.target_url", "has no host: \"" + url + "\"");
    }
    if (givenPort > 65535) {
      throw new ConfigException("proxy.target_url", "has a port above 65535: \"" + url + "\"");
    }
    boolean ssl = scheme.equals("https");
    int port = givenPort > 0 ? givenPort : (ssl ? 443 : 80);
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    String query = uri.getRawQuery() == null ? "" : uri.getRawQuery();
    String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    return new UpstreamTarget(url, ssl, bare, port, path, query, SocketAddress.inetSocketAddress(port, bare));
  }

  /**
   * The request-target sent upstream: the base path joined to the request path with exactly one
   * slash between them, then the base query and the request query.
   *
   * @param path the (possibly stripped) request path, raw
   * @param query the raw request query, or null
   */
  public String join(String path, String query) {
    String joined;
    if (path.isEmpty()) {
      joined = basePath.isEmpty() ? "/" : basePath;
    } else if (basePath.isEmpty()) {
      joined = path.startsWith("/") ? path : "/" + path;
    } else {
      boolean baseSlash = basePath.endsWith("/");
      boolean pathSlash = path.startsWith("/");
      if (baseSlash && pathSlash) {
        joined = basePath + path.substring(1);
      } else if (!baseSlash && !pathSlash) {
        joined = basePath + "/" + path;
      } else {
        joined = basePath + path;
      }
    }
    boolean hasQuery = query != null && !query.isEmpty();
    if (baseQuery.isEmpty()) {
      return hasQuery ? joined + "?" + query : joined;
    }
    return hasQuery ? joined + "?" + baseQuery + "&" + query : joined + "?" + baseQuery;
  }

  /** True when the port is the scheme's default, so the Host header carries no port. */
  public boolean defaultPort() {
    return port == (ssl ? 443 : 80);
  }
}
