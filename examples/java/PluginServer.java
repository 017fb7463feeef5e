import com.google.protobuf.ByteString;
import dev.coproxy.proto.DispatcherGrpcService;
import dev.coproxy.proto.Event;
import dev.coproxy.proto.EventReply;
import dev.coproxy.proto.SessionState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.grpc.server.GrpcServer;

/**
 * A Coproxy (and Tyk) gRPC plugin server in Java: implements coprocess.Dispatcher with the Vert.x
 * gRPC server and the stubs generated from proto/ (package dev.coproxy.proto).
 *
 * <pre>
 *   mvn -q -DskipTests package dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 *   java -cp "target/classes:$(cat target/cp.txt)" examples/java/PluginServer.java 5555
 * </pre>
 *
 * Hooks: MyPreHook (pre: adds X-Java-Plugin: pre), MyAuthCheck (auth_check: Authorization
 * "java-token" gets a session, anything else 403), MyResponseHook (response: header and new body).
 * It prints "plugin server ready on port N" once it listens.
 */
public final class PluginServer {

  public static void main(String[] args) {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 5555;
    Vertx vertx = Vertx.vertx();
    GrpcServer grpc = GrpcServer.server(vertx);
    grpc.addService(new DispatcherGrpcService() {
      @Override
      public Future<dev.coproxy.proto.Object> dispatch(dev.coproxy.proto.Object o) {
        return Future.succeededFuture(switch (o.getHookName()) {
          case "MyPreHook" -> preHook(o);
          case "MyAuthCheck" -> authCheck(o);
          case "MyResponseHook" -> responseHook(o);
          default -> o;
        });
      }

      @Override
      public Future<EventReply> dispatchEvent(Event event) {
        System.out.println("event: " + event.getPayload());
        return Future.succeededFuture(EventReply.getDefaultInstance());
      }
    });
    vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
        .requestHandler(grpc)
        .listen()
        .onSuccess(server -> System.out.println("plugin server ready on port " + server.actualPort()))
        .onFailure(e -> {
          System.err.println("cannot listen: " + e.getMessage());
          vertx.close();
        });
  }

  static dev.coproxy.proto.Object preHook(dev.coproxy.proto.Object o) {
    return o.toBuilder().setRequest(o.getRequest().toBuilder().putSetHeaders("X-Java-Plugin", "pre")).build();
  }

  static dev.coproxy.proto.Object authCheck(dev.coproxy.proto.Object o) {
    String token = o.getRequest().getHeadersOrDefault("Authorization", "");
    if (!token.equals("java-token")) {
      return o.toBuilder().setRequest(o.getRequest().toBuilder().setReturnOverrides(o.getRequest().getReturnOverrides()
          .toBuilder().setResponseCode(403).setResponseError("Access to this API has been disallowed"))).build();
    }
    // metadata "token" is the key the gateway stores the session under.
    return o.toBuilder().putMetadata("token", token)
        .setSession(SessionState.newBuilder().setRate(100).setPer(1).putMetadata("user", "java")).build();
  }

  static dev.coproxy.proto.Object responseHook(dev.coproxy.proto.Object o) {
    return o.toBuilder().setResponse(o.getResponse().toBuilder()
        .putHeaders("X-Java-Plugin", "response")
        .setBody("")
        .setRawBody(ByteString.copyFromUtf8("rewritten by java"))).build();
  }
}
