package dev.coproxy.coprocess.grpc;

import org.junit.jupiter.api.BeforeAll;

/** The Java example (a single source file run by the java launcher) as a separate JVM. */
class JavaExampleIT extends ExampleServerIT {

  @BeforeAll
  static void begin() throws Exception {
    start(System.getProperty("java.home") + "/bin/java", "-cp", System.getProperty("java.class.path"),
        "examples/java/PluginServer.java", "0");
  }

  @Override
  String lang() {
    return "java";
  }
}
