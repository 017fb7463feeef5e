package dev.coproxy.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * Key hashes must be byte-for-byte Tyk's (Go's murmur3 and sha256, hex of {@code Sum(nil)}), or a
 * key stored by one gateway is not found by the other. Expected values come from an independent
 * implementation of MurmurHash3 (x86_32 and x64_128, seed 0) and from published test vectors.
 */
class KeyHasherTest {

  private static final String FOX = "The quick brown fox jumps over the lazy dog";

  @Test
  void murmur32IsX86With32BitSeedZeroPrintedBigEndian() {
    assertEquals("248bfa47", KeyHasher.hash("hello", "murmur32"));
    assertEquals("2e4ff723", KeyHasher.hash(FOX, "murmur32"));
    assertEquals("00000000", KeyHasher.hash("", "murmur32"));
    // Hashes the UTF-8 bytes, tail of 1-3 bytes included.
    assertEquals("f8bb171d", KeyHasher.hash("ключ-ü", "murmur32"));
  }

  @Test
  void murmur64IsTheFirstHalfOfX64With128Bits() {
    assertEquals("cbd8a7b341bd9b02", KeyHasher.hash("hello", "murmur64"));
    assertEquals("e34bbc7bbc071b6c", KeyHasher.hash(FOX, "murmur64"));
    assertEquals("4be06d94cf4ad1a7", KeyHasher.hash("0123456789abcdef", "murmur64"));
  }

  @Test
  void murmur128IsBothHalvesBigEndian() {
    assertEquals("cbd8a7b341bd9b025b1e906a48ae1d19", KeyHasher.hash("hello", "murmur128"));
    assertEquals("e34bbc7bbc071b6c7a433ca9c49a9347", KeyHasher.hash(FOX, "murmur128"));
    assertEquals("eb24ae8785a5c07573fb68b3313128ca", KeyHasher.hash("0123456789abcdef0", "murmur128"));
  }

  @Test
  void matchesTheVectorsOfGosMurmur3WhichTykUses() {
    // Hex of Sum(nil) in Go's murmur3 tests, seed 0.
    assertEquals("149bbb7f", KeyHasher.hash("hello, world", "murmur32"));
    assertEquals("342fac623a5ebc8e", KeyHasher.hash("hello, world", "murmur64"));
    assertEquals("342fac623a5ebc8e4cdcbc079642414d", KeyHasher.hash("hello, world", "murmur128"));
    String fox = FOX + ".";
    assertEquals("d5c48bfc", KeyHasher.hash(fox, "murmur32"));
    assertEquals("cd99481f9ee902c9", KeyHasher.hash(fox, "murmur64"));
    assertEquals("cd99481f9ee902c9695da1a38987b6e7", KeyHasher.hash(fox, "murmur128"));
    assertEquals("e31e8a70", KeyHasher.hash("19 Jan 2038 at 3:14:07 AM", "murmur32"));
    assertEquals("b89e5988b737affc664fc2950231b2cb", KeyHasher.hash("19 Jan 2038 at 3:14:07 AM", "murmur128"));
  }

  @Test
  void sha256IsLowerCaseHex() {
    assertEquals("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", KeyHasher.hash("hello", "sha256"));
    assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", KeyHasher.hash("", "sha256"));
  }

  @Test
  void unknownOrEmptyFunctionFallsBackToMurmur32AsTykDoes() {
    assertEquals("248bfa47", KeyHasher.hash("hello", ""));
    assertEquals("248bfa47", KeyHasher.hash("hello", "md5"));
  }

  @Test
  void aLegacyKeyIsHashedWithMurmur32() {
    assertEquals("", KeyHasher.algorithmOf("hello"));
    assertEquals("248bfa47", KeyHasher.hash("hello"));
  }

  @Test
  void aBase64JsonKeyIsHashedWithTheFunctionItNames() {
    String key = b64("{\"org\":\"test-org\",\"id\":\"abc\",\"h\":\"murmur64\"}");
    assertEquals("eyJvcmciOiJ0ZXN0LW9yZyIsImlkIjoiYWJjIiwiaCI6Im11cm11cjY0In0=", key);
    assertEquals("murmur64", KeyHasher.algorithmOf(key));
    // The whole key string is hashed, not its id.
    assertEquals("ed2a2e9b315a3f63", KeyHasher.hash(key));
    assertEquals("sha256", KeyHasher.algorithmOf(b64("{\"org\":\"o\",\"id\":\"x\",\"h\":\"sha256\"}")));
    assertEquals("murmur128", KeyHasher.algorithmOf(b64("{\"org\":\"o\",\"id\":\"x\",\"h\":\"murmur128\"}")));
  }

  @Test
  void keysThatAreNotBase64JsonWithAStringHNameNoFunction() {
    assertEquals("", KeyHasher.algorithmOf(b64("{\"org\":\"o\",\"id\":\"x\"}")));
    // Tyk reads "h" only when it is a string; anything else hashes as murmur32.
    assertEquals(KeyHasher.hash(b64("{\"h\":5}"), "murmur32"), KeyHasher.hash(b64("{\"h\":5}")));
    assertEquals("", KeyHasher.algorithmOf(b64("xylophone")), "base64 starting with e but not JSON");
    assertEquals("", KeyHasher.algorithmOf("eyJ!!!not-base64!!!"));
    assertEquals("", KeyHasher.algorithmOf("ey"));
    assertEquals("", KeyHasher.algorithmOf(""));
  }

  @Test
  void generatedLegacyKeyIsOrgIdAndRandomHex() {
    String key = KeyHasher.generate("org1", "");
    assertTrue(key.matches("org1[0-9a-f]{32}"), key);
    assertNotEquals(key, KeyHasher.generate("org1", ""));
    assertTrue(KeyHasher.generate("org1", null).startsWith("org1"));
    assertEquals("", KeyHasher.algorithmOf(key));
  }

  @Test
  void generatedKeyWithHashFunctionIsBase64JsonNamingIt() {
    String key = KeyHasher.generate("org1", "murmur128");
    JsonObject json = new JsonObject(new String(Base64.getDecoder().decode(key), StandardCharsets.UTF_8));
    assertEquals("org1", json.getString("org"));
    assertTrue(json.getString("id").matches("[0-9a-f]{32}"), json.encode());
    assertEquals("murmur128", json.getString("h"));
    assertEquals("murmur128", KeyHasher.algorithmOf(key));
    assertEquals(32, KeyHasher.hash(key).length());
    assertNotEquals(key, KeyHasher.generate("org1", "murmur128"));
  }

  private static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
