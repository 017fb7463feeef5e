package dev.coproxy.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Tyk's bundle checks. Both run over the contents of the manifest's {@code file_list}, concatenated
 * in list order: an MD5 that must equal {@code checksum}, and with a public key an RSA PKCS#1 v1.5
 * SHA-256 signature. <em>Deep</em> verification (after a download) refuses an unsigned bundle when a
 * key is configured. <em>Partial</em> verification (a bundle already on disk) checks nothing when
 * {@code skip_verify_existing_plugin_bundle} is on or the manifest is unsigned.
 */
public final class BundleVerifier {

  /** The checksum of an empty file list. */
  public static final String EMPTY_CHECKSUM = "d41d8cd98f00b204e9800998ecf8427e";

  private final PublicKey key;
  private final boolean skipExisting;

  /**
   * @param key the configured public key, or null for none
   * @param skipExisting {@code skip_verify_existing_plugin_bundle}
   */
  public BundleVerifier(PublicKey key, boolean skipExisting) {
    this.key = key;
    this.skipExisting = skipExisting;
  }

  /** Checks a freshly downloaded bundle. */
  public void deep(Path dir, Manifest manifest) throws BundleException {
    if (key != null && !manifest.isSigned()) {
      throw new BundleException("Bundle isn't signed");
    }
    check(dir, manifest);
  }

  /** Checks a bundle found on disk. */
  public void partial(Path dir, Manifest manifest) throws BundleException {
    if (skipExisting || !manifest.isSigned()) {
      return;
    }
    check(dir, manifest);
  }

  private void check(Path dir, Manifest manifest) throws BundleException {
    Digests digests = digest(dir, manifest, key == null ? null : verifier(key));
    if (!digests.md5().equals(manifest.checksum().toLowerCase(java.util.Locale.ROOT))) {
      throw new BundleException("invalid checksum");
    }
    if (key != null) {
      byte[] signature;
      try {
        signature = Base64.getDecoder().decode(manifest.signature().trim());
      } catch (IllegalArgumentException e) {
        throw new BundleException("signature is not valid base64: " + e.getMessage());
      }
      try {
        if (!digests.signature().verify(signature)) {
          throw new BundleException("crypto/rsa: verification error");
        }
      } catch (java.security.SignatureException e) {
        throw new BundleException("crypto/rsa: verification error");
      }
    }
  }

  /** The MD5 (lowercase hex) of the listed files, and a signer or verifier fed the same bytes. */
  record Digests(String md5, Signature signature) {
  }

  static Digests digest(Path dir, Manifest manifest, Signature signature) throws BundleException {
    MessageDigest md5;
    try {
      md5 = MessageDigest.getInstance("MD5");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    Path root = dir.toAbsolutePath().normalize();
    byte[] buffer = new byte[64 * 1024];
    for (String name : manifest.fileList()) {
      Path file = root.resolve(name).normalize();
      if (!file.startsWith(root) || !Files.isRegularFile(file)) {
        throw new BundleException("file " + name + " listed in " + Manifest.FILE + " is missing from the bundle");
      }
      try (InputStream in = Files.newInputStream(file)) {
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          md5.update(buffer, 0, n);
          if (signature != null) {
            signature.update(buffer, 0, n);
          }
        }
      } catch (IOException e) {
        throw new BundleException("file " + name + " cannot be read: " + e.getMessage(), e);
      } catch (java.security.SignatureException e) {
        throw new IllegalStateException(e);
      }
    }
    return new Digests(HexFormat.of().formatHex(md5.digest()), signature);
  }

  static Signature verifier(PublicKey key) throws BundleException {
    try {
      Signature s = Signature.getInstance("SHA256withRSA");
      s.initVerify(key);
      return s;
    } catch (GeneralSecurityException e) {
      throw new BundleException("public key cannot verify signatures: " + e.getMessage());
    }
  }

  static Signature signer(PrivateKey key) throws BundleException {
    try {
      Signature s = Signature.getInstance("SHA256withRSA");
      s.initSign(key);
      return s;
    } catch (GeneralSecurityException e) {
      throw new BundleException("private key cannot sign: " + e.getMessage());
    }
  }

  /** Reads the key named by {@code public_key_path}. */
  public static PublicKey readPublicKey(Path file) throws BundleException {
    try {
      return PemKeys.publicKey(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new BundleException("public_key_path " + file + ": " + e.getMessage());
    }
  }
}
