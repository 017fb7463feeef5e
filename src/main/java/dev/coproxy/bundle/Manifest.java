package dev.coproxy.bundle;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A bundle's {@code manifest.json} (Tyk's format): the files the checksum covers, in order, the
 * {@code custom_middleware} that replaces the API's, the MD5 {@code checksum} (lowercase hex) and
 * an optional base64 RSA {@code signature}.
 *
 * @param fileList {@code file_list}, paths relative to the bundle root
 * @param customMiddleware {@code custom_middleware}
 * @param checksum {@code checksum}
 * @param signature {@code signature}; empty when unsigned
 */
public record Manifest(List<String> fileList, JsonObject customMiddleware, String checksum, String signature) {

  /** The manifest's file name, at the bundle root. */
  public static final String FILE = "manifest.json";

  public Manifest {
    fileList = List.copyOf(fileList);
  }

  /** Reads {@code manifest.json} from an unpacked bundle. */
  public static Manifest read(Path bundleDir) throws BundleException {
    try {
      return parse(Files.readString(bundleDir.resolve(FILE), StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      throw new BundleException(FILE + ": file does not exist");
    } catch (IOException e) {
      throw new BundleException(FILE + ": cannot be read: " + e.getMessage(), e);
    }
  }

  /** Parses a manifest's JSON text. */
  public static Manifest parse(String text) throws BundleException {
    JsonObject json;
    try {
      json = new JsonObject(text);
    } catch (DecodeException e) {
      throw new BundleException(FILE + " is not valid JSON: " + e.getMessage());
    }
    try {
      List<String> files = new ArrayList<>();
      JsonArray list = json.getJsonArray("file_list", new JsonArray());
      for (int i = 0; i < list.size(); i++) {
        files.add(list.getString(i));
      }
      return new Manifest(files, json.getJsonObject("custom_middleware", new JsonObject()),
          json.getString("checksum", ""), json.getString("signature", ""));
    } catch (ClassCastException e) {
      throw new BundleException(FILE + ": file_list must be a list of strings and custom_middleware an object");
    }
  }

  /** This manifest with a new checksum and signature. */
  public Manifest signed(String newChecksum, String newSignature) {
    return new Manifest(fileList, customMiddleware, newChecksum, newSignature);
  }

  public boolean isSigned() {
    return !signature.isEmpty();
  }

  /** The manifest as JSON, in Tyk's key order. */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("file_list", new JsonArray(new ArrayList<>(fileList)))
        .put("custom_middleware", customMiddleware.copy()).put("checksum", checksum);
    return signature.isEmpty() ? json.put("signature", "") : json.put("signature", signature);
  }
}
