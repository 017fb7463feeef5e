package dev.coproxy.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.testing.Bundles;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Tyk's deep and partial verification matrix (TestBundle_Verify), and the PEM key formats. */
class BundleVerifierTest {

  private static KeyPair keys;
  private static KeyPair otherKeys;

  @BeforeAll
  static void keys() {
    keys = Bundles.rsa();
    otherKeys = Bundles.rsa();
  }

  // Builds a signed (or unsigned) bundle with two files and unpacks it.
  private static Path unpacked(KeyPair signer) throws Exception {
    Path out = Files.createTempDirectory("coproxy-verify");
    Path zip = Bundles.build(out, "b.zip", Bundles.middleware("lua", "pre", "h"),
        Bundles.files("a.lua", "-- a\n", "sub/b.lua", "-- b\n"), signer == null ? null : signer.getPrivate());
    Path dir = Files.createDirectories(out.resolve("unpacked"));
    new BundleArchive(1 << 20).unpack(Files.readAllBytes(zip), dir);
    return dir;
  }

  @Test
  void deepVerification() throws Exception {
    Path signed = unpacked(keys);
    Manifest manifest = Manifest.read(signed);
    new BundleVerifier(keys.getPublic(), false).deep(signed, manifest);
    new BundleVerifier(null, false).deep(signed, manifest);
    BundleException wrongKey = assertThrows(BundleException.class, () -> new BundleVerifier(otherKeys.getPublic(), false).deep(signed, manifest));
    assertEquals("crypto/rsa: verification error", wrongKey.getMessage());

    Path unsigned = unpacked(null);
    Manifest plain = Manifest.read(unsigned);
    assertEquals("Bundle isn't signed", assertThrows(BundleException.class,
        () -> new BundleVerifier(keys.getPublic(), false).deep(unsigned, plain)).getMessage());
    new BundleVerifier(null, false).deep(unsigned, plain);

    Manifest badChecksum = plain.signed("0123456789abcdef0123456789abcdef", "");
    assertEquals("invalid checksum", assertThrows(BundleException.class, () -> new BundleVerifier(null, false).deep(unsigned, badChecksum)).getMessage());
    Manifest badBase64 = manifest.signed(manifest.checksum(), "%%%not base64");
    assertTrue(assertThrows(BundleException.class, () -> new BundleVerifier(keys.getPublic(), false).deep(signed, badBase64))
        .getMessage().contains("base64"));
    Files.delete(unsigned.resolve("sub/b.lua"));
    assertTrue(assertThrows(BundleException.class, () -> new BundleVerifier(null, false).deep(unsigned, plain))
        .getMessage().contains("sub/b.lua"));
    Manifest empty = new Manifest(List.of(), new JsonObject(), BundleVerifier.EMPTY_CHECKSUM, "");
    new BundleVerifier(null, false).deep(unsigned, empty);
  }

  @Test
  void partialVerification() throws Exception {
    Path signed = unpacked(keys);
    Manifest manifest = Manifest.read(signed);
    Files.writeString(signed.resolve("a.lua"), "-- tampered\n");
    new BundleVerifier(keys.getPublic(), true).partial(signed, manifest);
    assertEquals("invalid checksum", assertThrows(BundleException.class,
        () -> new BundleVerifier(null, false).partial(signed, manifest)).getMessage());
    Path good = unpacked(keys);
    Manifest goodManifest = Manifest.read(good);
    assertThrows(BundleException.class, () -> new BundleVerifier(otherKeys.getPublic(), false).partial(good, goodManifest));
    new BundleVerifier(keys.getPublic(), false).partial(good, goodManifest);
    // Unsigned on disk: Tyk checks nothing, not even the checksum.
    Path unsigned = unpacked(null);
    Files.writeString(unsigned.resolve("a.lua"), "-- tampered\n");
    new BundleVerifier(keys.getPublic(), false).partial(unsigned, Manifest.read(unsigned));
  }

  @Test
  void publicKeysInPkixAndPkcs1() throws Exception {
    PublicKey pkix = PemKeys.publicKey(PemKeys.pem(keys.getPublic()));
    assertEquals(keys.getPublic(), pkix);
    byte[] pkcs1 = lastElement(keys.getPublic().getEncoded());
    pkcs1 = Arrays.copyOfRange(pkcs1, 1, pkcs1.length);
    String pem = "-----BEGIN RSA PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(pkcs1) + "\n-----END RSA PUBLIC KEY-----\n";
    assertEquals(keys.getPublic(), PemKeys.publicKey(pem));
    byte[] privatePkcs1 = lastElement(keys.getPrivate().getEncoded());
    String privatePem = "-----BEGIN RSA PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(privatePkcs1) + "\n-----END RSA PRIVATE KEY-----\n";
    assertEquals(keys.getPrivate(), PemKeys.privateKey(privatePem));
    assertThrows(java.security.GeneralSecurityException.class, () -> PemKeys.publicKey("not a key"));
    assertThrows(java.security.GeneralSecurityException.class, () -> PemKeys.publicKey(PemKeys.pem(keys.getPrivate())));
  }

  @Test
  void unreadablePublicKeyNamesTheFile() throws Exception {
    Path missing = Files.createTempDirectory("coproxy-key").resolve("nope.pem");
    assertTrue(assertThrows(BundleException.class, () -> BundleVerifier.readPublicKey(missing)).getMessage().contains("nope.pem"));
  }

  // The content of the last element of a DER SEQUENCE (the key inside PKIX / PKCS#8 envelopes).
  static byte[] lastElement(byte[] der) {
    int[] outer = header(der, 0);
    int pos = outer[0];
    byte[] last = null;
    while (pos < der.length) {
      int[] h = header(der, pos);
      last = Arrays.copyOfRange(der, h[0], h[0] + h[1]);
      pos = h[0] + h[1];
    }
    return last;
  }

  // {content offset, content length} of the element at pos.
  private static int[] header(byte[] der, int pos) {
    int length = der[pos + 1] & 0xff;
    int offset = pos + 2;
    if (length >= 0x80) {
      int bytes = length & 0x7f;
      length = 0;
      for (int i = 0; i < bytes; i++) {
        length = (length << 8) | (der[offset + i] & 0xff);
      }
      offset += bytes;
    }
    return new int[] {offset, length};
  }
}
