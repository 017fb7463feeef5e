#!/usr/bin/env python3
"""CPU time per request of a gRPC pre hook: the gateway of bench/grpc.py (GrpcBenchGateway) and the
trivial Java plugin server (TestPluginServer) in their own JVMs, an nginx upstream, the keyless API
with and without the hook. After --warmup seconds of load on the hooked API, each of --rounds runs
of wrk (-t1, --connections) reads utime+stime from /proc/<pid>/stat of the gateway JVM and of the
plugin server JVM before and after, and prints microseconds of CPU per request for each. This
measures cost, which holds on a shared machine, not throughput. With --baseline <checkout> (another
build of Coproxy with compiled classes and test classes), a second gateway runs that build and the
rounds alternate between the two, against the same plugin server.

    mvn -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
    python3 bench/grpccpu.py [--baseline DIR] [--rounds 3] [--duration 8] [--warmup 30] [--java-opts ...]
"""

import os
import sys

import bench
from hookbench import HookBench
from pythoncpu import cpu_seconds, requests_done, strip_options, warm_up


def measure(label, url, jvm, server, args):
    before = cpu_seconds(jvm), cpu_seconds(server)
    done = requests_done(url, args.duration, args.connections)
    after = cpu_seconds(jvm), cpu_seconds(server)
    gateway, plugin = ((a - b) * 1e6 / done for a, b in zip(after, before))
    print(f"{label}: {done} requests; CPU per request: gateway JVM {gateway:.0f} us,"
          f" plugin server {plugin:.0f} us, total {gateway + plugin:.0f} us", flush=True)


def main():
    sys.argv, options = strip_options(sys.argv, {"--baseline": ""})
    with HookBench("grpccpu") as b:
        plugin_port = str(bench.free_port())
        b.write_apis("grpc", "noop")
        server = b.start(["java", "-Xms256m", "-Xmx256m", "-cp", b.classpath, "dev.coproxy.coprocess.grpc.TestPluginServer",
                          plugin_port], "plugin.log", ready="ready").pid
        builds = [("this build", b.classpath, b.gw)]
        if options["--baseline"]:
            other = os.path.abspath(options["--baseline"])
            classpath = b.classpath
            for part in ("classes", "test-classes"):
                classpath = classpath.replace(os.path.join(bench.ROOT, "target", part), os.path.join(other, "target", part), 1)
            builds.insert(0, ("baseline", classpath, bench.free_port()))
        gateways = []
        for name, classpath, port in builds:
            jvm = b.start(["java"] + b.args.java_opts.split() + ["-cp", classpath, "dev.coproxy.coprocess.grpc.GrpcBenchGateway",
                                                               str(port), b.apps, plugin_port],
                          f"gateway-{port}.log", f"http://127.0.0.1:{port}/hello").pid
            gateways.append((name, jvm, f"http://127.0.0.1:{port}"))
        warm_up(gateways, b.args)
        for r in range(b.args.rounds):
            for name, jvm, base in gateways:
                measure(f"round {r + 1} {name}, no hooks", base + "/plain/data.json", jvm, server, b.args)
                measure(f"round {r + 1} {name}, 1 gRPC pre hook", base + "/hooked/data.json", jvm, server, b.args)


if __name__ == "__main__":
    main()
