#!/usr/bin/env python3
"""Coprocess path benchmark: the same keyless API without hooks and with one pre hook served by a
no-op in-JVM driver (dev.coproxy.testing.BenchGateway), plus the upstream direct, in one
interleaved run. Shows what building the coprocess.Object, the event-bus hops and applying the
reply cost per request. Issue 3's target: 0.85x the no-hook throughput, under 100 us added at p50.

    mvn -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
    python3 bench/hooks.py [--rounds 3] [--duration 10] [--connections 50] [--warmup 20] [--java-opts ...]
"""

from hookbench import HookBench


def main():
    with HookBench("hookbench") as b:
        b.write_apis("noop", "noop")
        b.start_gateway("dev.coproxy.testing.BenchGateway", str(b.gw), b.apps)
        b.run("coproxy, 1 pre hook (no-op driver)")


if __name__ == "__main__":
    main()
