package dev.coproxy.config;

import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLContext;

/**
 * Translates Tyk's TLS settings, written for Go's crypto/tls, into the JDK's names: protocol
 * versions are Go's numbers (771 is TLS 1.2), cipher suites are Go's names, which are the IANA
 * names the JDK uses too, compared without regard to case and with Go's two legacy ChaCha20 aliases.
 */
final class TlsNames {

  /** Go's version numbers, lowest first, and the JDK protocol each one stands for. */
  private static final Map<Integer, String> VERSIONS = Map.of(769, "TLSv1", 770, "TLSv1.1", 771, "TLSv1.2", 772, "TLSv1.3");
  private static final List<Integer> ORDER = List.of(769, 770, 771, 772);
  /** Go's server default when only max_version is set. */
  private static final int DEFAULT_MIN = 771;
  private static final Map<String, String> GO_ALIASES = Map.of(
      "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
  /** TLS 1.3 suites: Go does not let ssl_ciphers restrict them, so they stay enabled. */
  static final List<String> TLS13_SUITES = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");

  private TlsNames() {
  }

  /**
   * The JDK protocols between {@code min} and {@code max} (Go numbers, 0 = unset); empty when both
   * are unset, which leaves the JDK's defaults.
   */
  static List<String> protocols(int min, int max, String minKey, String maxKey) {
    if (min != 0 && !VERSIONS.containsKey(min)) {
      throw new ConfigException(minKey, "must be 769 (TLS 1.0), 770 (TLS 1.1), 771 (TLS 1.2) or 772 (TLS 1.3), got " + min);
    }
    if (max != 0 && !VERSIONS.containsKey(max)) {
      throw new ConfigException(maxKey, "must be 769 (TLS 1.0), 770 (TLS 1.1), 771 (TLS 1.2) or 772 (TLS 1.3), got " + max);
    }
    if (min == 0 && max == 0) {
      return List.of();
    }
    int low = min == 0 ? Math.min(DEFAULT_MIN, max) : min;
    int high = max == 0 ? 772 : max;
    if (low > high) {
      throw new ConfigException(maxKey, "is below min_version (" + max + " < " + low + ")");
    }
    List<String> out = new ArrayList<>();
    for (int version : ORDER) {
      if (version >= low && version <= high) {
        out.add(VERSIONS.get(version));
      }
    }
    return List.copyOf(out);
  }

  /**
   * The JDK names of Go cipher suite names, plus the TLS 1.3 suites; empty when {@code names} is.
   *
   * @throws ConfigException naming {@code key} for a suite the JDK does not support
   */
  static List<String> ciphers(List<String> names, String key) {
    if (names.isEmpty()) {
      return List.of();
    }
    Set<String> supported = supported();
    Set<String> out = new LinkedHashSet<>();
    for (String name : names) {
      String upper = name.trim().toUpperCase(Locale.ROOT);
      String jdk = GO_ALIASES.getOrDefault(upper, upper);
      if (!supported.contains(jdk)) {
        throw new ConfigException(key, "unknown cipher suite \"" + name + "\" (or not supported by this JVM)");
      }
      out.add(jdk);
    }
    out.addAll(TLS13_SUITES);
    return List.copyOf(out);
  }

  private static Set<String> supported() {
    try {
      return Set.of(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no TLS implementation", e);
    }
  }
}
