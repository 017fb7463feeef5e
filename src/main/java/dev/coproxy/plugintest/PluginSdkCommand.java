package dev.coproxy.plugintest;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code coproxy plugin sdk --out DIR}: writes into DIR what a Python plugin's own unit tests need to
 * import Tyk's modules without a gateway: the {@code tyk} package, {@code gateway.py} and the
 * descriptor set exactly as the Python workers get them, one small {@code *_pb2.py} per coprocess
 * message file that builds the real modules from the descriptor set, and a pytest {@code conftest.py}.
 * Runs once, from the command line, before the author's tests.
 */
public final class PluginSdkCommand {

  /** Usage line. */
  public static final String USAGE = "usage: java -jar coproxy.jar plugin sdk --out DIR";
  /** Where the build puts the descriptor set (the protobuf plugin in the pom). */
  static final String DESCRIPTOR_SET = "/proto/coprocess.desc";
  /** The worker's files a plugin imports (the rest of /python/ is the worker itself, which tests do not need). */
  static final List<String> RUNNER_FILES = List.of("gateway.py", "coproxy_protos.py",
      "tyk/__init__.py", "tyk/decorators.py", "tyk/request.py", "tyk/session.py", "tyk/event.py");
  /** The first line of every Python file this command writes itself: such a file may be rewritten. */
  static final String MARKER = "# Written by `coproxy plugin sdk`";

  private final PrintStream out;
  private final PrintStream err;

  public PluginSdkCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  /**
   * Runs the command (the arguments after {@code plugin}, starting with {@code sdk}).
   *
   * @return 0 written, 1 a file could not be written, 2 bad usage or DIR holds a conftest.py of its own
   */
  public int run(String[] args) {
    if (args.length != 3 || !args[0].equals("sdk") || !args[1].equals("--out") || args[2].isBlank()) {
      err.println("coproxy: plugin sdk takes exactly --out DIR\n" + USAGE);
      return 2;
    }
    Path dir = Path.of(args[2]);
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      err.println("coproxy: --out " + dir + " is not a directory\n" + USAGE);
      return 2;
    }
    try {
      Map<String, byte[]> files = files();
      Path conftest = dir.resolve("conftest.py");
      // A test folder's own conftest.py holds the author's fixtures: never replace it.
      if (Files.isRegularFile(conftest) && !Files.readString(conftest, StandardCharsets.UTF_8).startsWith(MARKER)) {
        err.println("coproxy: " + conftest + " exists and was not written by plugin sdk; move it, or choose another --out");
        return 2;
      }
      for (Map.Entry<String, byte[]> file : files.entrySet()) {
        Path target = dir.resolve(file.getKey());
        Files.createDirectories(target.getParent());
        Files.write(target, file.getValue());
      }
      out.println("wrote " + files.size() + " files to " + dir + "; with it on PYTHONPATH (or tests in it, for pytest's conftest.py)"
          + " tests can import tyk, gateway and coprocess_object_pb2");
      return 0;
    } catch (IOException e) {
      err.println("coproxy: cannot write the plugin SDK to " + dir + ": " + e.getMessage());
      return 1;
    }
  }

  /** Every file to write, by its path relative to DIR. */
  private static Map<String, byte[]> files() throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (String file : RUNNER_FILES) {
      files.put(file, resource("/python/" + file));
    }
    byte[] descriptors = resource(DESCRIPTOR_SET);
    files.put("coprocess.desc", descriptors);
    files.put("coproxy_sdk.py", resource("/plugintest/sdk/coproxy_sdk.py"));
    files.put("conftest.py", resource("/plugintest/sdk/conftest.py"));
    byte[] stub = resource("/plugintest/sdk/module_pb2.py");
    for (FileDescriptorProto proto : FileDescriptorSet.parseFrom(descriptors).getFileList()) {
      String name = proto.getName().substring(proto.getName().lastIndexOf('/') + 1);
      // coprocess_object.proto -> coprocess_object_pb2.py, the name protoc gives the generated module.
      files.put(name.substring(0, name.length() - ".proto".length()) + "_pb2.py", stub);
    }
    return files;
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = PluginSdkCommand.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException(name + " is missing from the build");
      }
      return in.readAllBytes();
    }
  }
}
