#!/usr/bin/env python3
"""gRPC driver benchmark: the same keyless API without hooks and with one pre hook sent through the
gRPC driver to a trivial Java plugin server on this machine (dev.coproxy.coprocess.grpc.TestPluginServer
in its own JVM; the hook returns the object unchanged), plus the upstream direct, in one interleaved
run. Target from issue 4: 0.7x the no-hook throughput or better, under 0.5 ms added at p50.
`--socket unix` connects gateway and plugin server over a unix socket instead of loopback TCP.

    mvn -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
    python3 bench/grpc.py [--socket tcp|unix] [--rounds 3] [--duration 10] [--connections 50] [--warmup 20] [--java-opts ...]
"""

import os

import bench
from hookbench import HookBench


def main():
    with HookBench("grpcbench", lambda ap: ap.add_argument("--socket", choices=("tcp", "unix"), default="tcp")) as b:
        if b.args.socket == "unix":
            path = os.path.join(b.work, "plugin.sock")
            listen, target = "unix:" + path, "unix://" + path
        else:
            listen = target = str(bench.free_port())
        b.write_apis("grpc", "noop")
        b.start(["java", "-Xms256m", "-Xmx256m", "-cp", b.classpath, "dev.coproxy.coprocess.grpc.TestPluginServer",
                 listen], "plugin.log", ready="ready")
        b.start_gateway("dev.coproxy.coprocess.grpc.GrpcBenchGateway", str(b.gw), b.apps, target)
        b.run(f"coproxy, 1 pre hook (gRPC driver, {b.args.socket})")


if __name__ == "__main__":
    main()
