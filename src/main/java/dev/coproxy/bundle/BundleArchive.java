package dev.coproxy.bundle;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Unpacks a bundle zip into a directory: entries that would land outside it (zip slip, absolute
 * names) are refused, as is an archive whose unpacked size passes the limit; {@code manifest.json}
 * must be at the root. Entries are counted and limited too.
 */
public final class BundleArchive {

  /** Most entries an archive may hold (a bundle is a handful of files; this stops zip bombs of empty entries). */
  static final int MAX_ENTRIES = 10_000;

  private final long maxBytes;

  /** @param maxBytes largest unpacked size accepted */
  public BundleArchive(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** Unpacks {@code zip} into {@code target} (an existing, empty directory). */
  public void unpack(byte[] zip, Path target) throws BundleException {
    Path root = target.toAbsolutePath().normalize();
    long total = 0;
    int entries = 0;
    byte[] buffer = new byte[64 * 1024];
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
        if (++entries > MAX_ENTRIES) {
          throw new BundleException("bundle holds more than " + MAX_ENTRIES + " entries");
        }
        String name = entry.getName().replace('\\', '/');
        Path out = root.resolve(name).normalize();
        if (name.startsWith("/") || !out.startsWith(root) || out.equals(root) && !entry.isDirectory()) {
          throw new BundleException("zip entry " + entry.getName() + " points outside the bundle directory (zip slip)");
        }
        if (entry.isDirectory()) {
          Files.createDirectories(out);
          continue;
        }
        Files.createDirectories(out.getParent());
        try (OutputStream file = Files.newOutputStream(out)) {
          for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            total += n;
            if (total > maxBytes) {
              throw new BundleException("bundle unpacks to more than " + maxBytes + " bytes (bundle_max_size)");
            }
            file.write(buffer, 0, n);
          }
        }
      }
    } catch (BundleException e) {
      throw e;
    } catch (IOException e) {
      throw new BundleException("not a valid zip archive: " + e.getMessage(), e);
    }
    if (entries == 0) {
      throw new BundleException("not a valid zip archive: no entries");
    }
    if (!Files.isRegularFile(root.resolve(Manifest.FILE))) {
      throw new BundleException(Manifest.FILE + ": file does not exist");
    }
  }

  /** Deletes a directory tree, quietly (best effort). */
  public static void delete(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException ignored) {
          // Best effort: a leftover file in a temporary directory does no harm.
        }
      });
    } catch (IOException ignored) {
      // Same.
    }
  }

  /** Reads at most {@code maxBytes} from a stream, refusing more. */
  static byte[] readLimited(InputStream in, long maxBytes, String what) throws IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    byte[] buffer = new byte[64 * 1024];
    long total = 0;
    for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
      total += n;
      if (total > maxBytes) {
        throw new BundleException(what + " is larger than " + maxBytes + " bytes (bundle_max_size)");
      }
      out.write(buffer, 0, n);
    }
    return out.toByteArray();
  }
}
