package dev.coproxy.policy;

import dev.coproxy.config.ConfigException;
import dev.coproxy.config.PolicyOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads the policies of this node's files, as Tyk does for any {@code policy_source} but
 * {@code service} and {@code rpc}: every {@code *.json} file of {@code policy_path} holds one policy
 * whose id is its own {@code id} (or {@code _id}), not the file name; else {@code policy_record_name}
 * holds one JSON object of policies by id, where the map key wins over the policy's {@code id}.
 * Blocking: runs on a worker thread, at start and on every reload.
 *
 * <p>Tyk loads a folder file it cannot decode as a half-filled policy and drops a whole record
 * file for one bad entry; here a bad file or entry is skipped with one log line naming the file and
 * the key, and what it held at the last load stays, so a typo never takes a working policy away.
 */
final class PolicyFiles {

  private static final System.Logger LOG = System.getLogger(PolicyFiles.class.getName());

  /** A policy read from a file, with the file's modification time (to compare with API changes). */
  record Found(Policy policy, Path file, long modifiedMillis) {
  }

  /** What a read found: policies by id, and one line per problem. */
  record Read(Map<String, Found> byId, List<String> errors) {
  }

  private final PolicyOptions options;

  PolicyFiles(PolicyOptions options) {
    this.options = options;
  }

  /** @param previous what the last read found, kept where a file cannot be read now */
  Read read(Map<String, Found> previous) {
    List<String> errors = new ArrayList<>();
    Map<String, Found> byId = new LinkedHashMap<>();
    if (options.path() != null) {
      readFolder(options.path(), previous, byId, errors);
    } else if (options.recordFile() != null) {
      readRecordFile(options.recordFile(), previous, byId, errors);
    }
    return new Read(byId, List.copyOf(errors));
  }

  private void readFolder(Path dir, Map<String, Found> previous, Map<String, Found> byId, List<String> errors) {
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.filter(p -> p.getFileName().toString().endsWith(".json") && Files.isRegularFile(p)).sorted().toList();
    } catch (IOException e) {
      keepAll(previous, byId, errors, "policies.policy_path " + dir.toAbsolutePath() + (e instanceof NoSuchFileException
          ? " does not exist" : " cannot be read (" + e.getMessage() + ")"));
      return;
    }
    for (Path file : files) {
      try {
        JsonObject json = new JsonObject(Files.readString(file, StandardCharsets.UTF_8));
        add(byId, errors, new Found(Policy.load(json, null), file, Files.getLastModifiedTime(file).toMillis()));
      } catch (ConfigException | DecodeException | IOException e) {
        List<Found> kept = previous.values().stream().filter(f -> f.file().equals(file)).toList();
        error(errors, "policy file " + file + " skipped: " + reason(e) + (kept.isEmpty() ? "" : "; keeping its previous version"));
        kept.forEach(f -> add(byId, errors, f));
      }
    }
  }

  private void readRecordFile(Path file, Map<String, Found> previous, Map<String, Found> byId, List<String> errors) {
    JsonObject all;
    long modified;
    try {
      all = new JsonObject(Files.readString(file, StandardCharsets.UTF_8));
      modified = Files.getLastModifiedTime(file).toMillis();
    } catch (DecodeException | IOException e) {
      keepAll(previous, byId, errors, "policies.policy_record_name " + file.toAbsolutePath()
          + (e instanceof NoSuchFileException ? " does not exist" : " skipped: " + reason(e)));
      return;
    }
    for (String key : all.fieldNames()) {
      try {
        if (!(all.getValue(key) instanceof JsonObject entry)) {
          throw new ConfigException(key, "must be an object");
        }
        add(byId, errors, new Found(Policy.load(key.isEmpty() ? entry : entry.copy().put("id", key), null), file, modified));
      } catch (ConfigException e) {
        Found kept = previous.get(key);
        error(errors, "policy file " + file + ": policy " + key + " skipped: " + reason(e)
            + (kept == null ? "" : "; keeping its previous version"));
        if (kept != null) {
          byId.put(key, kept);
        }
      }
    }
  }

  // As in Tyk, a later file with the same id replaces an earlier one (files are read by name).
  private static void add(Map<String, Found> byId, List<String> errors, Found found) {
    Found before = byId.put(found.policy().id(), found);
    if (before != null && !before.file().equals(found.file())) {
      error(errors, "policy " + found.policy().id() + " in " + found.file() + " replaces the one in " + before.file());
    }
  }

  private static void keepAll(Map<String, Found> previous, Map<String, Found> byId, List<String> errors, String problem) {
    byId.putAll(previous);
    error(errors, problem + (previous.isEmpty() ? ": no policies loaded from it" : "; keeping the " + previous.size() + " policies read before"));
  }

  private static void error(List<String> errors, String line) {
    LOG.log(Level.ERROR, line);
    errors.add(line);
  }

  private static String reason(Exception e) {
    String text = String.valueOf(e.getMessage());
    int newline = text.indexOf('\n');
    String first = newline < 0 ? text : text.substring(0, newline);
    return e instanceof DecodeException ? "not valid JSON: " + first : first;
  }
}
