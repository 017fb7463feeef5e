package dev.coproxy.plugintest;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.coproxy.config.ConfigException;
import dev.coproxy.coprocess.DriverModule;
import dev.coproxy.coprocess.HookFailure;
import dev.coproxy.proto.HookType;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code coproxy plugin test}: runs one hook through the real driver against a request read from a
 * file, with no gateway, API or upstream. Prints the {@code coprocess.Object} the hook returned as
 * JSON on standard output and what it changed on standard error.
 */
public final class PluginTestCommand {

  /** Usage lines. */
  public static final String USAGE = "usage: java -jar coproxy.jar plugin test --driver python|lua|grpc (--plugins DIR_OR_BUNDLE | --server TARGET)\n"
      + "         --hook NAME [--hook-type pre|auth_check|post_key_auth|post|response] --request FILE [--timeout MS]";

  private static final Map<String, HookType> HOOK_TYPES = Map.of("pre", HookType.Pre, "auth_check", HookType.CustomKeyCheck,
      "post_key_auth", HookType.PostKeyAuth, "post", HookType.Post, "response", HookType.Response);
  private static final JsonFormat.Printer JSON = JsonFormat.printer().preservingProtoFieldNames();
  /** Time for a driver to start (a Python worker, a gRPC connection) before the hook's own timeout counts. */
  private static final long START_SECONDS = 60;

  private final PrintStream out;
  private final PrintStream err;
  private final Map<String, DriverModule> drivers;

  /** @param drivers the driver modules by name ({@code python}, {@code lua}, {@code grpc}), as the gateway deploys them */
  public PluginTestCommand(PrintStream out, PrintStream err, Map<String, DriverModule> drivers) {
    this.out = out;
    this.err = err;
    this.drivers = drivers;
  }

  /**
   * Runs the command (the arguments after {@code plugin}).
   *
   * @return 0 the hook ran, 1 the hook or its driver failed, 2 bad usage or a bad request file
   */
  public int run(String[] args) {
    TestArguments arguments;
    dev.coproxy.proto.Object sent;
    PluginFolder folder;
    try {
      arguments = TestArguments.parse(args, drivers.keySet(), HOOK_TYPES.keySet());
      sent = RequestFile.read(arguments.request()).toObject(HOOK_TYPES.get(arguments.hookType()), arguments.hookType(), arguments.hook());
      folder = arguments.plugins() == null ? PluginFolder.none() : PluginFolder.of(arguments.plugins(), arguments.driver());
    } catch (BadInput e) {
      err.println("coproxy: " + e.getMessage() + "\n" + USAGE);
      return 2;
    } catch (IOException e) {
      err.println("coproxy: cannot prepare the plugin folder: " + e.getMessage());
      return 1;
    }
    Vertx vertx = Vertx.vertx();
    try {
      return runHook(vertx, arguments, folder, sent);
    } finally {
      vertx.close().await();
      folder.clean();
    }
  }

  private int runHook(Vertx vertx, TestArguments arguments, PluginFolder folder, dev.coproxy.proto.Object sent) {
    String what = arguments.hookType() + " hook \"" + arguments.hook() + "\" (driver " + arguments.driver() + ")";
    DriverHarness harness;
    try {
      harness = DriverHarness.start(vertx, arguments.driver(), drivers.get(arguments.driver()), folder.middlewarePath(),
          folder.pluginDirs(), arguments.server() == null ? "" : arguments.server(), arguments.timeoutMillis())
          .await(START_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e.getCause() instanceof ConfigException ? e.getCause() : e;
      err.println("coproxy: driver " + arguments.driver() + " did not start: " + folder.asGiven(String.valueOf(cause.getMessage())));
      return cause instanceof ConfigException ? 2 : 1;
    }
    dev.coproxy.proto.Object returned;
    try {
      returned = harness.call(sent).await(arguments.timeoutMillis() + 5_000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      // await() throws the call's own failure, or wraps it in an ExecutionException or CompletionException.
      boolean wrapped = e instanceof java.util.concurrent.ExecutionException || e instanceof java.util.concurrent.CompletionException;
      HookFailure failure = HookFailure.from(wrapped && e.getCause() != null ? e.getCause() : e);
      err.println("coproxy: " + what + " failed [" + failure.reason().label() + "]: " + folder.asGiven(failure.getMessage()));
      return 1;
    }
    try {
      JsonObject after = new JsonObject(JSON.print(returned));
      // JsonFormat's own text escapes '=' and '&' in URLs; the same JSON re-encoded reads as written.
      out.println(after.encodePrettily());
      List<String> changes = ObjectDiff.lines(new JsonObject(JSON.print(sent)), after);
      err.println(changes.isEmpty() ? what + " changed nothing" : what + " changed:\n  " + String.join("\n  ", changes));
      return 0;
    } catch (InvalidProtocolBufferException e) {
      err.println("coproxy: " + what + " returned an object that cannot be printed as JSON: " + e.getMessage());
      return 1;
    }
  }
}
