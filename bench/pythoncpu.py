#!/usr/bin/env python3
"""CPU time per request of a Python pre hook: one real gateway (dev.coproxy.app.Main) with
--workers Python workers (default 1) and the trivial plugin of python.py, an nginx upstream, the
keyless API with and without the hook. After --warmup seconds of load on the hooked API, each of
--rounds runs of wrk (-t1, --connections) reads utime+stime from /proc/<pid>/stat of the gateway
JVM and of its Python workers before and after, and prints microseconds of CPU per request for
each. Wall-clock throughput is not printed: this measures cost, which holds on a shared machine.

    mvn -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
    python3 bench/pythoncpu.py [--workers 1] [--rounds 3] [--duration 8] [--warmup 30] [--java-opts ...]
"""

import json
import os
import re
import subprocess
import sys

import bench
from hookbench import HookBench
from python import PLUGIN

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15)


def children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except OSError:
                pass
    return found


def requests_done(url, seconds, connections):
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", url],
                         capture_output=True, text=True, timeout=seconds + 30).stdout
    done = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        sys.exit(f"bench: {bad.group(1)} non-2xx answers from {url}")
    return done


def measure(label, url, jvm, args):
    for r in range(args.rounds):
        workers = children(jvm)
        pids = [jvm] + workers
        before = {pid: cpu_seconds(pid) for pid in pids}
        done = requests_done(url, args.duration, args.connections)
        after = {pid: cpu_seconds(pid) for pid in pids}
        per = {pid: (after[pid] - before[pid]) * 1e6 / done for pid in pids}
        python_us = sum(per[pid] for pid in workers)
        print(f"{label} round {r + 1}: {done} requests; CPU per request: gateway JVM {per[jvm]:.0f} us,"
              f" Python workers {python_us:.0f} us, total {per[jvm] + python_us:.0f} us", flush=True)


def main():
    sys.argv, workers = strip_workers(sys.argv)
    with HookBench("pythoncpu") as b:
        middleware = os.path.join(b.work, "middleware")
        os.makedirs(os.path.join(middleware, "python"))
        with open(os.path.join(middleware, "python", "middleware.py"), "w") as f:
            f.write(PLUGIN)
        b.write_apis("python", "bench_pre")
        conf = os.path.join(b.work, "coproxy.json")
        with open(conf, "w") as f:
            json.dump({"listen_address": "127.0.0.1", "listen_port": b.gw, "app_path": b.apps,
                       "secret": "bench-secret", "middleware_path": middleware,
                       "coprocess_options": {"enable_coprocess": True, "python_workers": workers}}, f)
        jvm = b.start(["java"] + b.args.java_opts.split() + ["-cp", b.classpath, "dev.coproxy.app.Main", "--conf", conf],
                      "gateway.log", f"http://127.0.0.1:{b.gw}/hello").pid
        hooked = f"http://127.0.0.1:{b.gw}/hooked/data.json"
        plain = f"http://127.0.0.1:{b.gw}/plain/data.json"
        print(f"warm-up ({b.args.warmup}s hooked, 5s plain)", file=sys.stderr)
        requests_done(hooked, b.args.warmup, b.args.connections)
        requests_done(plain, 5, b.args.connections)
        measure("no hooks", plain, jvm, b.args)
        measure(f"1 Python pre hook, {workers} worker(s)", hooked, jvm, b.args)


def strip_workers(argv):
    workers, rest, i = 1, [], 0
    while i < len(argv):
        if argv[i] == "--workers":
            workers = int(argv[i + 1])
            i += 2
        else:
            rest.append(argv[i])
            i += 1
    return rest, workers


if __name__ == "__main__":
    main()
