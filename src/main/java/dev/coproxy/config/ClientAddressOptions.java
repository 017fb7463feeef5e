package dev.coproxy.config;

/**
 * Where a request's client address is read from (IP allow- and block-lists, events).
 *
 * @param trustedProxies {@code trusted_proxies} (Coproxy's): when not empty, {@code X-Real-IP} and
 *     {@code X-Forwarded-For} are read only from connections of these addresses or ranges, and
 *     {@code X-Forwarded-For} is walked from the right past these proxies; empty = Tyk's rule (the
 *     headers are always believed)
 * @param xffDepth {@code http_server_options.xff_depth} (Tyk's): which {@code X-Forwarded-For}
 *     entry is the client, 0 = the first, n = the n-th from the right
 */
public record ClientAddressOptions(IpSet trustedProxies, int xffDepth) {

  /** Tyk's rule: the headers are believed from anyone, the first forwarded entry is the client. */
  public static final ClientAddressOptions TYK = new ClientAddressOptions(IpSet.EMPTY, 0);

  /**
   * Reads {@code trusted_proxies} and {@code http_server_options.xff_depth}.
   *
   * @param r a reader of the whole config
   * @throws ConfigException naming the key that cannot work
   */
  static ClientAddressOptions parse(JsonReader r) {
    IpSet trusted = IpSet.parse(r.strings("trusted_proxies"), "trusted_proxies");
    JsonReader server = r.child("http_server_options");
    int depth = (int) server.integer("xff_depth", 0, 0, 1024);
    if (depth != 0 && !trusted.isEmpty()) {
      throw new ConfigException(server.path("xff_depth"), "and trusted_proxies both choose the X-Forwarded-For entry"
          + " of the client; set one of them (trusted_proxies walks the list from the right past the listed proxies)");
    }
    return new ClientAddressOptions(trusted, depth);
  }
}
