package dev.coproxy.api;

import dev.coproxy.config.ConfigException;
import io.vertx.core.net.HostAndPort;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * An API's {@code domain}: the host it is served for when the gateway has
 * {@code enable_custom_domains}. As in Tyk (whose router takes it as a host template): a plain name
 * ({@code api.example.com}) or a template with variables, {@code {name}} standing for one label
 * ({@code [^.]+}) and {@code {name:regex}} for the regex ({@code {sub:.*}.example.com}). A port in
 * the domain ({@code example.com:8080}) must be the request's; without one the request's port is
 * ignored. Host names are compared without regard to case. Parsed once when the definition loads.
 *
 * @param text the domain as written
 * @param host the host part, lower case, when it is a plain name; null for a template
 * @param template the host template compiled, or null for a plain name
 * @param port the port the request must name, or -1 for any
 */
public record DomainPattern(String text, String host, Pattern template, int port) {

  /**
   * Parses a {@code domain}.
   *
   * @return the pattern, or null for an empty domain
   * @throws ConfigException naming {@code domain} for a template that cannot work
   */
  static DomainPattern parse(String domain) {
    String text = domain.trim();
    if (text.isEmpty()) {
      return null;
    }
    int port = -1;
    String host = text;
    int colon = text.lastIndexOf(':');
    if (colon >= 0 && colon > text.lastIndexOf('}') && colon > text.lastIndexOf(']')) {
      port = portOf(text.substring(colon + 1), text);
      host = text.substring(0, colon);
    }
    if (host.isEmpty() || host.indexOf('/') >= 0 || host.chars().anyMatch(c -> c <= ' ')) {
      throw new ConfigException("domain", "\"" + text + "\" is not a host name (write it without scheme, path or spaces)");
    }
    if (host.indexOf('{') < 0 && host.indexOf('}') < 0) {
      return new DomainPattern(text, host.toLowerCase(Locale.ROOT), null, port);
    }
    return new DomainPattern(text, null, compile(host, text), port);
  }

  /** True when a request with this {@code Host} (null when it sent none) is for this domain. */
  public boolean matches(HostAndPort authority) {
    if (authority == null || (port >= 0 && authority.port() != port)) {
      return false;
    }
    String requested = authority.host();
    return host != null ? host.equalsIgnoreCase(requested) : template.matcher(requested).matches();
  }

  /** The key two APIs on one listen path must not share: the domain in lower case. */
  public String routeKey() {
    return text.toLowerCase(Locale.ROOT);
  }

  // The router's template rule: literal text between braces is matched as written.
  private static Pattern compile(String host, String text) {
    StringBuilder regex = new StringBuilder();
    int literalFrom = 0;
    int depth = 0;
    int open = -1;
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (c == '{' && depth++ == 0) {
        open = i;
      } else if (c == '}') {
        if (--depth < 0) {
          throw new ConfigException("domain", "\"" + text + "\" has unbalanced braces");
        }
        if (depth == 0) {
          appendLiteral(regex, host.substring(literalFrom, open));
          regex.append(variable(host.substring(open + 1, i), text));
          literalFrom = i + 1;
        }
      }
    }
    if (depth != 0) {
      throw new ConfigException("domain", "\"" + text + "\" has unbalanced braces");
    }
    appendLiteral(regex, host.substring(literalFrom));
    try {
      return Pattern.compile(regex.toString(), Pattern.CASE_INSENSITIVE);
    } catch (PatternSyntaxException e) {
      throw new ConfigException("domain", "\"" + text + "\" holds an invalid regex: " + e.getDescription());
    }
  }

  private static String variable(String inside, String text) {
    int colon = inside.indexOf(':');
    String name = colon < 0 ? inside : inside.substring(0, colon);
    String regex = colon < 0 ? "[^.]+" : inside.substring(colon + 1);
    if (name.isEmpty() || regex.isEmpty()) {
      throw new ConfigException("domain", "\"" + text + "\" has a variable without a name or pattern: {" + inside + "}");
    }
    // Always a group of its own: "(a)|(b)" written bare would let its alternatives escape the host.
    return "(" + regex + ")";
  }

  private static void appendLiteral(StringBuilder regex, String literal) {
    if (!literal.isEmpty()) {
      regex.append(Pattern.quote(literal));
    }
  }

  private static int portOf(String digits, String text) {
    if (digits.isEmpty() || digits.length() > 5 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')
        || Integer.parseInt(digits) > 65535) {
      throw new ConfigException("domain", "\"" + text + "\" has an invalid port after :");
    }
    return Integer.parseInt(digits);
  }
}
