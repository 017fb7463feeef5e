#!/usr/bin/env python3
"""gRPC driver benchmark: the same keyless API without hooks and with one pre hook sent through the
gRPC driver to a trivial Java plugin server on this machine (dev.coproxy.coprocess.grpc.TestPluginServer
in its own JVM; the hook returns the object unchanged), plus the upstream direct, in one interleaved
run. Target from issue 4: 0.7x the no-hook throughput or better, under 0.5 ms added at p50.

    mvn -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
    python3 bench/grpc.py [--rounds 3] [--duration 10] [--connections 50] [--warmup 20] [--java-opts ...]
"""

import bench
from hookbench import HookBench


def main():
    with HookBench("grpcbench") as b:
        plugin_port = bench.free_port()
        b.write_apis("grpc", "noop")
        b.start(["java", "-Xms256m", "-Xmx256m", "-cp", b.classpath, "dev.coproxy.coprocess.grpc.TestPluginServer",
                 str(plugin_port)], "plugin.log", ready="ready")
        b.start_gateway("dev.coproxy.coprocess.grpc.GrpcBenchGateway", str(b.gw), b.apps, str(plugin_port))
        b.run("coproxy, 1 pre hook (gRPC driver)")


if __name__ == "__main__":
    main()
