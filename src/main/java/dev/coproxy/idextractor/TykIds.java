package dev.coproxy.idextractor;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

/**
 * IDs as Tyk's extractor makes them: the MD5 hex of the extracted value, made a key of the API's
 * organisation ({@code org + hex}, or base64 of {@code {"org","id","h"}} when
 * {@code hash_key_function} is set), so the session is found at the same {@code /tyk/keys/{id}}.
 */
final class TykIds {

  private TykIds() {
  }

  /** The ID of an extracted value, with a caller-owned MD5 digest (digests are not thread-safe). */
  static String of(String orgId, String hashFunction, String value, MessageDigest md5) {
    return token(orgId, HexFormat.of().formatHex(md5.digest(value.getBytes(StandardCharsets.UTF_8))), hashFunction);
  }

  /** Tyk's generateToken: an org prefix already on the key id is dropped first. */
  static String token(String orgId, String keyId, String hashFunction) {
    String id = !orgId.isEmpty() && keyId.startsWith(orgId) ? keyId.substring(orgId.length()) : keyId;
    if (hashFunction.isEmpty()) {
      return orgId + id;
    }
    // Tyk writes this text with a format string, not a JSON encoder: reproduce it byte for byte.
    String json = "{\"org\":\"" + orgId + "\",\"id\":\"" + id + "\",\"h\":\"" + hashFunction + "\"}";
    return Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  static String md5Hex(String value) {
    return HexFormat.of().formatHex(md5().digest(value.getBytes(StandardCharsets.UTF_8)));
  }

  static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no MD5", e);
    }
  }
}
