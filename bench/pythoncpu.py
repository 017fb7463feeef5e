#!/usr/bin/env python3
"""CPU time per request of a Python pre hook: one real gateway (dev.coproxy.app.Main) with
--workers Python workers (default 1) and the trivial plugin of python.py, or with --driver lua the
trivial script of lua.py (its processes column is then empty), an nginx upstream, the
keyless API with and without the hook. After --warmup seconds of load on the hooked API, each of
--rounds runs of wrk (-t1, --connections) reads utime+stime from /proc/<pid>/stat of the gateway
JVM and of its Python workers before and after, and prints microseconds of CPU per request for
each. Wall-clock throughput is not printed: this measures cost, which holds on a shared machine.
With --baseline <checkout> (another build of Coproxy, e.g. `git archive <commit> | tar -x -C dir`
then `mvn -q -DskipTests compile` there), a second gateway runs that build's classes and the rounds
alternate between the two, so that both see the same machine state. With --threads yes, each
hooked round also prints the gateway JVM's CPU per request by thread (names from jcmd).

    mvn -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
    python3 bench/pythoncpu.py [--driver python|lua] [--threads yes] [--workers 1] [--baseline DIR] [--rounds 3] [--duration 8] [--warmup 30] [--java-opts ...]
"""

import json
import os
import re
import subprocess
import sys

import bench
from hookbench import HookBench
from lua import SCRIPT
from python import PLUGIN

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15)


def requests_done(url, seconds, connections):
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", url],
                         capture_output=True, text=True, timeout=seconds + 30).stdout
    done = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        sys.exit(f"bench: {bad.group(1)} non-2xx answers from {url}")
    return done


def thread_seconds(pid):
    """CPU seconds of each thread of a JVM, by Java thread name with digits as N (from jcmd
    Thread.print, matched to /proc/<pid>/task by native id)."""
    dump = subprocess.run(["jcmd", str(pid), "Thread.print"], capture_output=True, text=True).stdout
    names = {str(int(m.group(2), 16)): re.sub(r"\d+", "N", m.group(1))
             for m in re.finditer(r'^"([^"]+)".*? nid=0x([0-9a-f]+)', dump, re.M)}
    totals = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        name = names.get(tid, re.sub(r"\d+", "N", stat[stat.index("(") + 1:stat.rindex(")")]))
        totals[name] = totals.get(name, 0) + (int(fields[11]) + int(fields[12])) / TICKS
    return totals


def measure(label, url, jvm, args, threads=False):
    workers = bench.children(jvm)
    pids = [jvm] + workers
    before = {pid: cpu_seconds(pid) for pid in pids}
    threads_before = thread_seconds(jvm) if threads else None
    done = requests_done(url, args.duration, args.connections)
    after = {pid: cpu_seconds(pid) for pid in pids}
    per = {pid: (after[pid] - before[pid]) * 1e6 / done for pid in pids}
    python_us = sum(per[pid] for pid in workers)
    print(f"{label}: {done} requests; CPU per request: gateway JVM {per[jvm]:.0f} us,"
          f" worker processes {python_us:.0f} us, total {per[jvm] + python_us:.0f} us", flush=True)
    if threads:
        threads_after = thread_seconds(jvm)
        for name in sorted(threads_after, key=lambda n: threads_before.get(n, 0) - threads_after[n]):
            us = (threads_after[name] - threads_before.get(name, 0)) * 1e6 / done
            if us >= 0.5:
                print(f"    {name}: {us:.1f} us", flush=True)


def main():
    sys.argv, options = strip_options(sys.argv, {"--workers": "1", "--baseline": "", "--driver": "python", "--threads": "no"})
    threads = options["--threads"] == "yes"
    workers = int(options["--workers"])
    driver = options["--driver"]
    if driver not in ("python", "lua"):
        sys.exit("bench: --driver is python or lua")
    with HookBench(driver + "cpu") as b:
        middleware = os.path.join(b.work, "middleware")
        os.makedirs(os.path.join(middleware, driver))
        with open(os.path.join(middleware, driver, "middleware.py" if driver == "python" else "bench.lua"), "w") as f:
            f.write(PLUGIN if driver == "python" else SCRIPT)
        b.write_apis(driver, "bench_pre")
        builds = [("this build", b.classpath, b.gw)]
        if options["--baseline"]:
            own = os.path.join(bench.ROOT, "target", "classes")
            other = os.path.join(os.path.abspath(options["--baseline"]), "target", "classes")
            builds.insert(0, ("baseline", b.classpath.replace(own, other, 1), bench.free_port()))
        gateways = []
        for name, classpath, port in builds:
            conf = os.path.join(b.work, f"coproxy-{port}.json")
            with open(conf, "w") as f:
                json.dump({"listen_address": "127.0.0.1", "listen_port": port, "app_path": b.apps,
                           "secret": "bench-secret", "middleware_path": middleware,
                           "coprocess_options": {"enable_coprocess": True, "python_workers": workers}}, f)
            jvm = b.start(["java"] + b.args.java_opts.split() + ["-cp", classpath, "dev.coproxy.app.Main", "--conf", conf],
                          f"gateway-{port}.log", f"http://127.0.0.1:{port}/hello").pid
            gateways.append((name, jvm, f"http://127.0.0.1:{port}"))
        warm_up(gateways, b.args)
        for r in range(b.args.rounds):
            for name, jvm, base in gateways:
                measure(f"round {r + 1} {name}, no hooks", base + "/plain/data.json", jvm, b.args)
                hook = f"1 Python pre hook, {workers} worker(s)" if driver == "python" else "1 Lua pre hook"
                measure(f"round {r + 1} {name}, {hook}", base + "/hooked/data.json", jvm, b.args, threads)


def warm_up(gateways, args):
    """--warmup seconds of load on each gateway's hooked API, then 5 on its plain one; `gateways`
    holds (name, pid, base URL)."""
    for name, _, base in gateways:
        print(f"warm-up {name} ({args.warmup}s hooked, 5s plain)", file=sys.stderr)
        requests_done(base + "/hooked/data.json", args.warmup, args.connections)
        requests_done(base + "/plain/data.json", 5, args.connections)


def strip_options(argv, options):
    """argv without the options named in `options` (each taking a value), and their values."""
    values, rest, i = dict(options), [], 0
    while i < len(argv):
        if argv[i] in options:
            values[argv[i]] = argv[i + 1]
            i += 2
        else:
            rest.append(argv[i])
            i += 1
    return rest, values


if __name__ == "__main__":
    main()
