package dev.coproxy.coprocess.grpc;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;

/** The Python example (grpcio on /usr/bin/python3) as a separate process: the wire format across languages. */
class PythonExampleIT extends ExampleServerIT {

  @BeforeAll
  static void begin() throws Exception {
    start("/usr/bin/python3", "examples/python/plugin_server.py", "--port", "0",
        "--desc", Path.of("target/classes/proto/coprocess.desc").toAbsolutePath().toString());
  }

  @Override
  String lang() {
    return "python";
  }
}
