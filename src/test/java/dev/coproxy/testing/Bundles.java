package dev.coproxy.testing;

import dev.coproxy.bundle.BundleBuilder;
import dev.coproxy.bundle.BundleException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.util.Map;

/** Builds plugin bundles for tests with Coproxy's own builder. */
public final class Bundles {

  private Bundles() {
  }

  /**
   * Writes {@code files} and a manifest listing them (in map order) into a fresh source directory,
   * then builds {@code out/zipName}.
   *
   * @param key signing key, or null for an unsigned bundle
   * @return the zip written
   */
  public static Path build(Path out, String zipName, JsonObject customMiddleware, Map<String, String> files, PrivateKey key)
      throws IOException {
    Path source = Files.createTempDirectory("coproxy-bundle-src");
    JsonArray list = new JsonArray();
    for (Map.Entry<String, String> file : files.entrySet()) {
      Path path = source.resolve(file.getKey());
      Files.createDirectories(path.getParent());
      Files.writeString(path, file.getValue(), StandardCharsets.UTF_8);
      list.add(file.getKey());
    }
    Path manifest = source.resolve("manifest.json");
    Files.writeString(manifest, new JsonObject().put("file_list", list).put("custom_middleware", customMiddleware).encodePrettily());
    Path zip = out.resolve(zipName);
    Files.createDirectories(zip.getParent());
    try {
      BundleBuilder.build(manifest, zip, key);
    } catch (BundleException e) {
      throw new IOException(e);
    }
    return zip;
  }

  /** A {@code custom_middleware} with one hook list. */
  public static JsonObject middleware(String driver, String stage, String... names) {
    JsonArray hooks = new JsonArray();
    for (String name : names) {
      hooks.add(new JsonObject().put("name", name));
    }
    return new JsonObject().put("driver", driver).put(stage, hooks);
  }

  /** A fresh 2048-bit RSA key pair. */
  public static KeyPair rsa() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      return generator.generateKeyPair();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A Lua pre hook {@code name} that sets header {@code header} to {@code value}. */
  public static String luaHeaderHook(String name, String header, String value) {
    return "function " + name + "(request, session, spec)\n  request.set_headers[\"" + header + "\"] = \"" + value + "\"\n"
        + "  return request, session\nend\n";
  }

  /** Files for {@link #build}, in order. */
  public static Map<String, String> files(String... nameThenContent) {
    Map<String, String> files = new java.util.LinkedHashMap<>();
    for (int i = 0; i + 1 < nameThenContent.length; i += 2) {
      files.put(nameThenContent[i], nameThenContent[i + 1]);
    }
    return files;
  }
}
