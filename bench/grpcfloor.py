#!/usr/bin/env python3
"""The floor under a gRPC hook: what one Dispatch call costs with nothing around it. The gRPC
driver's own clients (LoopClients, in GrpcFloor's JVM) keep a fixed number of calls in flight on
each event loop against the trivial Java plugin server of bench/grpc.py (TestPluginServer, its own
JVM), with no gateway, no event bus and no HTTP traffic. For each --in-flight value, after
--warmup seconds, each of --rounds rounds prints calls per second and the CPU time per call of the
client JVM and of the plugin server JVM (utime+stime from /proc). The table gives the medians.
Fewer calls in flight means fewer calls per socket read and write, so each call bears more of the
system calls and wake-ups.

    mvn -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
    python3 bench/grpcfloor.py [--in-flight 2,6,25] [--loops 2] [--rounds 3] [--duration 8] [--warmup 20] [--java-opts ...]
"""

import re
import statistics
import subprocess
import sys

import bench
from hookbench import HookBench

ROUND = re.compile(r"round \d+: (\d+) calls/s, CPU per call: client ([\d.]+) us, plugin server ([\d.]+) us, failed (\d+)")


def options(ap):
    ap.add_argument("--in-flight", default="2,6,25", help="calls in flight on each event loop, comma-separated")
    ap.add_argument("--loops", type=int, default=2)


def main():
    rows = []
    with HookBench("grpcfloor", options, upstream=False) as b:
        args = b.args
        port = bench.free_port()
        server = b.start(["java", "-Xms256m", "-Xmx256m", "-cp", b.classpath, "dev.coproxy.coprocess.grpc.TestPluginServer",
                          str(port)], "plugin.log", ready="ready")
        for in_flight in (int(n) for n in args.in_flight.split(",")):
            out = subprocess.run(["java"] + args.java_opts.split() + ["-cp", b.classpath, "dev.coproxy.coprocess.grpc.GrpcFloor",
                                  str(port), str(server.pid), str(args.loops), str(in_flight), str(args.warmup),
                                  str(args.duration), str(args.rounds)],
                                 capture_output=True, text=True, timeout=args.warmup + args.rounds * args.duration + 60).stdout
            print(out, end="", file=sys.stderr)
            rounds = [m.groups() for m in ROUND.finditer(out)]
            if len(rounds) != args.rounds or any(int(r[3]) for r in rounds):
                sys.exit(f"bench: the probe with {in_flight} calls in flight did not finish cleanly:\n{out}")
            rows.append((in_flight,) + tuple(statistics.median(float(r[i]) for r in rounds) for i in range(3)))
    print(f"\n{args.loops} event loops, {args.rounds} rounds of {args.duration}s after {args.warmup}s, median\n")
    print("| calls in flight per loop | calls/s | client CPU per call (us) | plugin server CPU per call (us) | total (us) |")
    print("|---:|---:|---:|---:|---:|")
    for in_flight, rate, client, plugin in rows:
        print(f"| {in_flight} | {rate:,.0f} | {client:.1f} | {plugin:.1f} | {client + plugin:.1f} |")


if __name__ == "__main__":
    main()
