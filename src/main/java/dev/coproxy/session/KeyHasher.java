package dev.coproxy.session;

import com.google.common.hash.HashCode;
import com.google.common.hash.Hashing;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.UUID;

/**
 * Key hashing and key generation as Tyk does them, so that hashed keys are found under the same
 * names: murmur32 for legacy keys, or the function named inside a JSON-in-base64 key ({@code "h"}).
 */
public final class KeyHasher {

  private KeyHasher() {
  }

  /** Hashes a key with the function its own format names (murmur32 for legacy keys). */
  public static String hash(String key) {
    return hash(key, algorithmOf(key));
  }

  /** Hashes with an explicit function: murmur32, murmur64, murmur128 or sha256. */
  public static String hash(String key, String algorithm) {
    byte[] input = key.getBytes(StandardCharsets.UTF_8);
    return switch (algorithm) {
      case "sha256" -> Hashing.sha256().hashBytes(input).toString();
      case "murmur64" -> String.format("%016x", Hashing.murmur3_128().hashBytes(input).asLong());
      case "murmur128" -> bigEndianHalves(Hashing.murmur3_128().hashBytes(input));
      default -> String.format("%08x", Hashing.murmur3_32_fixed().hashBytes(input).asInt());
    };
  }

  /** The hash function a key names (JSON-in-base64 keys carry {@code "h"}); "" for legacy keys. */
  public static String algorithmOf(String key) {
    if (key.length() < 8 || key.charAt(0) != 'e') {
      return ""; // base64 of a JSON object always starts with "ey"
    }
    try {
      JsonObject json = new JsonObject(new String(Base64.getDecoder().decode(key), StandardCharsets.UTF_8));
      return json.getString("h", "");
    } catch (RuntimeException e) {
      return "";
    }
  }

  /**
   * A new key for an organisation: {@code org_id + random hex} without a hash function, otherwise
   * base64 of {@code {"org","id","h"}}, as Tyk generates them.
   */
  public static String generate(String orgId, String hashFunction) {
    String id = UUID.randomUUID().toString().replace("-", "");
    if (hashFunction == null || hashFunction.isEmpty()) {
      return orgId + id;
    }
    JsonObject json = new JsonObject().put("org", orgId).put("id", id).put("h", hashFunction);
    return Base64.getEncoder().encodeToString(json.encode().getBytes(StandardCharsets.UTF_8));
  }

  // Go's murmur3 Sum128 writes each 64-bit half big-endian; Guava writes them little-endian.
  private static String bigEndianHalves(HashCode code) {
    byte[] bytes = code.asBytes();
    byte[] out = new byte[16];
    for (int i = 0; i < 8; i++) {
      out[i] = bytes[7 - i];
      out[8 + i] = bytes[15 - i];
    }
    return HexFormat.of().formatHex(out);
  }
}
