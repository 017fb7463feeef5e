package dev.coproxy.bundle;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.SignatureException;
import java.util.Base64;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Builds a bundle zip from a manifest, with Tyk's checks: every listed file exists, at least one
 * hook is defined, and a driver is named. It writes the MD5 checksum of the listed files (in list
 * order) and, given a private key, their RSA PKCS#1 v1.5 SHA-256 signature in base64; the zip holds
 * the listed files and the updated {@code manifest.json}.
 */
public final class BundleBuilder {

  private static final List<String> HOOK_LISTS = List.of("pre", "post", "post_key_auth", "response");

  private BundleBuilder() {
  }

  /**
   * Builds {@code output} from {@code manifestFile}; listed files are relative to its directory.
   *
   * @param key signing key, or null for an unsigned bundle
   * @return the manifest written into the bundle
   */
  public static Manifest build(Path manifestFile, Path output, PrivateKey key) throws BundleException {
    Manifest manifest;
    try {
      manifest = Manifest.parse(Files.readString(manifestFile, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new BundleException("cannot read " + manifestFile + ": " + e.getMessage(), e);
    }
    Path dir = manifestFile.toAbsolutePath().getParent();
    validate(manifest, dir);
    BundleVerifier.Digests digests = BundleVerifier.digest(dir, manifest, key == null ? null : BundleVerifier.signer(key));
    String signature = "";
    if (key != null) {
      try {
        signature = Base64.getEncoder().encodeToString(digests.signature().sign());
      } catch (SignatureException e) {
        throw new BundleException("signing failed: " + e.getMessage(), e);
      }
    }
    Manifest signed = manifest.signed(digests.md5(), signature);
    try (OutputStream file = Files.newOutputStream(output); ZipOutputStream zip = new ZipOutputStream(file)) {
      for (String name : manifest.fileList()) {
        zip.putNextEntry(new ZipEntry(name.replace('\\', '/')));
        zip.write(Files.readAllBytes(dir.resolve(name)));
        zip.closeEntry();
      }
      zip.putNextEntry(new ZipEntry(Manifest.FILE));
      zip.write(signed.toJson().encodePrettily().getBytes(StandardCharsets.UTF_8));
      zip.closeEntry();
    } catch (IOException e) {
      throw new BundleException("cannot write " + output + ": " + e.getMessage(), e);
    }
    return signed;
  }

  /** Tyk's checks before building. */
  static void validate(Manifest manifest, Path dir) throws BundleException {
    for (String name : manifest.fileList()) {
      Path file = dir.resolve(name).normalize();
      if (!file.startsWith(dir.normalize()) || !Files.isRegularFile(file)) {
        throw new BundleException("file " + name + " listed in file_list does not exist in " + dir);
      }
    }
    JsonObject cm = manifest.customMiddleware();
    boolean hasHook = HOOK_LISTS.stream().anyMatch(key -> {
      Object list = cm.getValue(key);
      return list instanceof io.vertx.core.json.JsonArray array && !array.isEmpty();
    }) || named(cm.getValue("auth_check")) || named(cm.getValue("traffic_logs"));
    if (!hasHook) {
      throw new BundleException("the manifest defines no hook (pre, post, post_key_auth, response, auth_check or traffic_logs)");
    }
    if (cm.getString("driver", "").isBlank()) {
      throw new BundleException("the manifest names no driver (custom_middleware.driver)");
    }
  }

  private static boolean named(Object hook) {
    return hook instanceof JsonObject object && !object.getString("name", "").isEmpty();
  }
}
