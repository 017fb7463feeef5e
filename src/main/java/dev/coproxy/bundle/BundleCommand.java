package dev.coproxy.bundle;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;

/**
 * {@code coproxy bundle build [-m manifest.json] [-o bundle.zip] [-k private.pem] [-y]}, Tyk's bundle
 * builder: without {@code -k} it asks before writing an unsigned bundle unless {@code -y} is given.
 */
public final class BundleCommand {

  /** Usage line. */
  public static final String USAGE = "usage: java -jar coproxy.jar bundle build [-m manifest.json] [-o bundle.zip] [-k private.pem] [-y]";

  private final PrintStream out;
  private final PrintStream err;
  private final InputStream in;

  public BundleCommand(PrintStream out, PrintStream err, InputStream in) {
    this.out = out;
    this.err = err;
    this.in = in;
  }

  /**
   * Runs the command (the arguments after {@code bundle}).
   *
   * @return the process exit status: 0 built, 1 failed or declined, 2 bad arguments
   */
  public int run(String[] args) {
    if (args.length == 0 || !args[0].equals("build")) {
      err.println("coproxy: unknown bundle command" + (args.length == 0 ? "" : " " + args[0]) + "\n" + USAGE);
      return 2;
    }
    Path manifest = Path.of("manifest.json");
    Path output = Path.of("bundle.zip");
    Path keyFile = null;
    boolean yes = false;
    for (int i = 1; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("-y")) {
        yes = true;
        continue;
      }
      if (!arg.equals("-m") && !arg.equals("-o") && !arg.equals("-k") || i + 1 >= args.length) {
        err.println("coproxy: " + (i + 1 >= args.length && arg.startsWith("-") ? arg + " needs a value" : "unknown argument " + arg) + "\n" + USAGE);
        return 2;
      }
      Path value = Path.of(args[++i]);
      switch (arg) {
        case "-m" -> manifest = value;
        case "-o" -> output = value;
        default -> keyFile = value;
      }
    }
    try {
      PrivateKey key = keyFile == null ? null : PemKeys.privateKey(Files.readString(keyFile, StandardCharsets.UTF_8));
      if (key == null && !yes && !confirmUnsigned()) {
        err.println("coproxy: bundle not built");
        return 1;
      }
      Manifest built = BundleBuilder.build(manifest, output, key);
      out.println("bundle " + output + " built: " + built.fileList().size() + " files, checksum " + built.checksum()
          + (built.isSigned() ? ", signed" : ", unsigned"));
      return 0;
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      err.println("coproxy: bundle build failed: " + (keyFile != null && e instanceof GeneralSecurityException ? keyFile + ": " : "") + e.getMessage());
      return 1;
    }
  }

  private boolean confirmUnsigned() throws IOException {
    out.print("The bundle will not be signed (no -k). Continue? [y/N] ");
    out.flush();
    String answer = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
    return answer != null && (answer.trim().equalsIgnoreCase("y") || answer.trim().equalsIgnoreCase("yes"));
  }
}
