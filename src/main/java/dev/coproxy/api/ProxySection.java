package dev.coproxy.api;

import dev.coproxy.config.ConfigException;
import dev.coproxy.config.JsonReader;
import java.util.List;

/**
 * An API definition's {@code proxy} section: where the API listens and where it forwards. Parsed
 * once when the definition loads.
 *
 * @param listenPath {@code proxy.listen_path}, starting with {@code /}
 * @param target {@code proxy.target_url}, parsed
 * @param stripListenPath {@code proxy.strip_listen_path}
 * @param preserveHostHeader {@code proxy.preserve_host_header}
 */
public record ProxySection(String listenPath, UpstreamTarget target, boolean stripListenPath, boolean preserveHostHeader) {

  /** The keys this record reads, as the key table writes them. */
  public static final List<String> KEYS = List.of("proxy.listen_path", "proxy.target_url", "proxy.strip_listen_path",
      "proxy.preserve_host_header");

  /**
   * @param proxy a reader of the {@code proxy} object
   * @throws ConfigException naming the key that cannot work
   */
  static ProxySection parse(JsonReader proxy) {
    String listenPath = proxy.string("listen_path", "");
    if (!listenPath.startsWith("/")) {
      throw new ConfigException(proxy.path("listen_path"),
          listenPath.isEmpty() ? "is missing" : "must start with /, got \"" + listenPath + "\"");
    }
    String targetUrl = proxy.string("target_url", "");
    if (targetUrl.isEmpty()) {
      throw new ConfigException(proxy.path("target_url"), "is missing");
    }
    return new ProxySection(listenPath, UpstreamTarget.parse(targetUrl), proxy.bool("strip_listen_path", false),
        proxy.bool("preserve_host_header", false));
  }
}
