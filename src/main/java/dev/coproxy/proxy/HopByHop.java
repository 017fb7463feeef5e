package dev.coproxy.proxy;

import io.vertx.core.MultiMap;
import java.util.Map;

/**
 * Copies headers from one message to the next hop, leaving out the hop-by-hop headers of RFC 9110
 * section 7.6.1 and any header the {@code Connection} header names.
 */
final class HopByHop {

  private HopByHop() {
  }

  /** True for the headers that only concern one connection. */
  static boolean isHopByHop(String name) {
    return switch (name.length()) {
      case 2 -> name.equalsIgnoreCase("te");
      case 7 -> name.equalsIgnoreCase("trailer") || name.equalsIgnoreCase("upgrade");
      case 10 -> name.equalsIgnoreCase("connection") || name.equalsIgnoreCase("keep-alive");
      case 16 -> name.equalsIgnoreCase("proxy-connection");
      case 17 -> name.equalsIgnoreCase("transfer-encoding");
      case 18 -> name.equalsIgnoreCase("proxy-authenticate");
      case 19 -> name.equalsIgnoreCase("proxy-authorization");
      default -> false;
    };
  }

  /**
   * Copies end-to-end headers.
   *
   * @param skipHost leave out {@code Host} (the client sets it from the request's authority)
   */
  static void copy(MultiMap from, MultiMap to, boolean skipHost) {
    String connection = from.get("connection");
    for (Map.Entry<String, String> header : from) {
      String name = header.getKey();
      if (isHopByHop(name) || (skipHost && name.equalsIgnoreCase("host"))) {
        continue;
      }
      if (connection != null && namedIn(connection, name)) {
        continue;
      }
      to.add(name, header.getValue());
    }
  }

  private static boolean namedIn(String connection, String name) {
    for (String token : connection.split(",")) {
      if (token.trim().equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }
}
