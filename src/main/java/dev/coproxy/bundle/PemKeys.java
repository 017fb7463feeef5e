package dev.coproxy.bundle;

import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * RSA keys from PEM text, as Tyk reads them: public keys as {@code PUBLIC KEY} (PKIX) or
 * {@code RSA PUBLIC KEY} (PKCS#1), private keys as {@code PRIVATE KEY} (PKCS#8) or
 * {@code RSA PRIVATE KEY} (PKCS#1). PKCS#1 keys are wrapped into the standard envelopes the JDK reads.
 */
public final class PemKeys {

  private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z ]+)-----([^-]*)-----END \\1-----");
  /** DER of AlgorithmIdentifier { rsaEncryption, NULL }. */
  private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7,
      0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

  private PemKeys() {
  }

  /** Reads an RSA public key. */
  public static PublicKey publicKey(String pem) throws GeneralSecurityException {
    Matcher m = block(pem);
    byte[] der = Base64.getMimeDecoder().decode(m.group(2));
    switch (m.group(1)) {
      case "PUBLIC KEY" -> {
        return KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
      }
      case "RSA PUBLIC KEY" -> {
        byte[] bits = concat(new byte[] {0}, der);
        byte[] spki = sequence(concat(RSA_ALGORITHM, tagged(0x03, bits)));
        return KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(spki));
      }
      default -> throw new GeneralSecurityException("PEM block " + m.group(1) + " is not a public key (PUBLIC KEY or RSA PUBLIC KEY)");
    }
  }

  /** Reads an RSA private key. */
  public static PrivateKey privateKey(String pem) throws GeneralSecurityException {
    Matcher m = block(pem);
    byte[] der = Base64.getMimeDecoder().decode(m.group(2));
    switch (m.group(1)) {
      case "PRIVATE KEY" -> {
        return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
      }
      case "RSA PRIVATE KEY" -> {
        byte[] pkcs8 = sequence(concat(new byte[] {0x02, 0x01, 0x00}, concat(RSA_ALGORITHM, tagged(0x04, der))));
        return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
      }
      default -> throw new GeneralSecurityException("PEM block " + m.group(1) + " is not a private key (PRIVATE KEY or RSA PRIVATE KEY)");
    }
  }

  /** PEM text of a key in its standard encoding (PKIX for public keys, PKCS#8 for private keys). */
  public static String pem(java.security.Key key) {
    String type = key instanceof PublicKey ? "PUBLIC KEY" : "PRIVATE KEY";
    String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded());
    return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
  }

  private static Matcher block(String pem) throws GeneralSecurityException {
    Matcher m = BLOCK.matcher(pem);
    if (!m.find()) {
      throw new GeneralSecurityException("no PEM block found");
    }
    return m;
  }

  private static byte[] sequence(byte[] content) {
    return tagged(0x30, content);
  }

  private static byte[] tagged(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int length = content.length;
    if (length < 0x80) {
      out.write(length);
    } else {
      int bytes = length > 0xffffff ? 4 : length > 0xffff ? 3 : length > 0xff ? 2 : 1;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write((length >>> (8 * i)) & 0xff);
      }
    }
    out.writeBytes(content);
    return out.toByteArray();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
