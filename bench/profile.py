#!/usr/bin/env python3
"""Where the gateway's CPU goes, per path (issue 21): cpu.py's set-up, one JFR recording per target.

Starts what cpu.py starts (upstream, the main gateway with every API, the Java example gRPC
server; no Node gateway, no baseline) and warms every chosen target up. Then, for each: a JFR
recording (the JDK's profile settings, Java sampled every millisecond) around a fixed wrk load,
and /proc/<pid>/stat's utime and stime around the same load. It prints the gateway's user and
system CPU per request, the Java samples (jdk.ExecutionSample) grouped by subsystem with each
share turned into microseconds of user CPU per request (JFR sees Java code only: system time, the
kernel's share, is not in the samples), the top frames by self samples, and allocation
(jdk.ObjectAllocationSample: bytes per request and the sites sampled most). Last, each subsystem's
microseconds against the keyless target: what a path adds, and where. The recording costs some
CPU itself, so these figures are for comparing shares; cpu.py gives the CPU figures.

    mvn -q -DskipTests package dependency:build-classpath -Dmdep.outputFile=target/cp.txt
    python3 bench/profile.py [--targets keyless,token,ID-extractor,Lua,Python,gRPC] [--duration 10]
        [--warmup 20] [--connections 50] [--top 12] [--keep DIR] [--node]
"""

import collections
import json
import os
import shutil
import subprocess
import sys

import bench
import cpu

# Subsystems by class-name prefix, first match wins. A sample belongs to the subsystem of its
# leaf-most frame outside the JDK (so a HashMap.get called by the Lua driver is the Lua driver's),
# except for the JDK's socket code, which is I/O.
SUBSYSTEMS = [
    ("sun.nio.", "Netty and socket I/O"),
    ("org.luaj.", "LuaJ (the Lua script)"),
    ("com.google.protobuf.", "protobuf"),
    ("io.vertx.core.eventbus.", "Vert.x event bus"),
    ("io.vertx.grpc.", "Vert.x gRPC and HTTP/2"),
    ("io.netty.handler.codec.http2.", "Vert.x gRPC and HTTP/2"),
    ("io.vertx.core.http.", "Vert.x HTTP server and client"),
    ("io.netty.handler.codec.http.", "Netty HTTP/1.1 codec"),
    ("io.netty.", "Netty and socket I/O"),
    ("io.micrometer.", "metrics"),
    ("dev.coproxy.metrics.", "metrics"),
    ("io.opentelemetry.", "tracing"),
    ("dev.coproxy.tracing.", "tracing"),
    ("dev.coproxy.coprocess.lua.", "Coproxy Lua driver"),
    ("dev.coproxy.coprocess.python.", "Coproxy Python driver"),
    ("dev.coproxy.coprocess.grpc.", "Coproxy gRPC driver"),
    ("dev.coproxy.proto.", "protobuf"),
    ("dev.coproxy.coprocess.", "Coproxy hook path"),
    ("dev.coproxy.idextractor.", "Coproxy ID extractor"),
    ("dev.coproxy.", "Coproxy proxy and chain"),
    ("io.vertx.", "Vert.x core"),
]
JDK = ("java.", "javax.", "jdk.", "sun.", "com.sun.")


def class_name(frame):
    return frame["method"]["type"]["name"].replace("/", ".")


def frame_name(frame):
    return class_name(frame) + "." + frame["method"]["name"]


def subsystem(frames):
    for frame in frames:
        name = class_name(frame)
        if name.startswith("sun.nio.") or not name.startswith(JDK):
            return next((label for prefix, label in SUBSYSTEMS if name.startswith(prefix)), "other libraries")
    return "JDK only (GC, JIT, timers)"


def site(frames):
    """The leaf-most frame outside the JDK, else the leaf."""
    for frame in frames:
        if not class_name(frame).startswith(JDK):
            return frame_name(frame)
    return frame_name(frames[0]) if frames else "?"


def events(recording, kind):
    out = subprocess.run(["jfr", "print", "--json", "--stack-depth", "64", "--events", kind, recording],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)["recording"]["events"]


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]), int(fields[12])


def settings(folder):
    """The JDK's profile.jfc with Java sampling every millisecond (10 ms gives too few samples in
    seconds of load); the JDK is the one whose jfr tool is on PATH, like the gateway's java."""
    jdk = os.path.dirname(os.path.dirname(os.path.realpath(shutil.which("jfr"))))
    with open(os.path.join(jdk, "lib", "jfr", "profile.jfc")) as f:
        text = f.read()
    text = text.replace('control="method-sampling-java-interval">10 ms<', 'control="method-sampling-java-interval">1 ms<')
    path = os.path.join(folder, "profile-1ms.jfc")
    with open(path, "w") as f:
        f.write(text)
    return path


def profile(name, url, headers, pid, args, folder):
    print(f"recording {name} ({args.duration}s)", file=sys.stderr)
    recording = os.path.join(folder, name.replace(" ", "_").replace(",", "") + ".jfr")
    subprocess.run(["jcmd", str(pid), "JFR.start", "name=bench", "settings=" + settings(folder)], check=True, capture_output=True)
    user0, sys0 = cpu_ticks(pid)
    res = bench.wrk(url, args.duration, args.connections, headers)
    user1, sys1 = cpu_ticks(pid)
    subprocess.run(["jcmd", str(pid), "JFR.stop", "name=bench", f"filename={recording}"], check=True, capture_output=True)
    tick_us = 1e6 / os.sysconf("SC_CLK_TCK")
    requests = max(res["requests"], 1)
    result = {"name": name, "rps": res["rps"], "user_us": (user1 - user0) * tick_us / requests,
              "sys_us": (sys1 - sys0) * tick_us / requests}
    samples = [e["values"]["stackTrace"]["frames"] for e in events(recording, "jdk.ExecutionSample")
               if e["values"].get("stackTrace")]
    result["samples"] = len(samples)
    result["subsystems"] = collections.Counter(subsystem(f) for f in samples)
    result["self"] = collections.Counter(frame_name(f[0]) for f in samples if f)
    # A sample's weight is everything its thread allocated since the previous sample, so single
    # samples carry huge weights: the total is fair, the sites are ranked by their sample count.
    allocations, allocated = collections.Counter(), 0
    for e in events(recording, "jdk.ObjectAllocationSample"):
        frames = (e["values"].get("stackTrace") or {}).get("frames", [])
        allocations[site(frames) + " (" + e["values"]["objectClass"]["name"].replace("/", ".") + ")"] += 1
        allocated += e["values"]["weight"]
    result["allocations"] = allocations
    result["bytes_per_request"] = allocated / requests
    return result


def report(result, top):
    n = max(result["samples"], 1)
    print(f"\n## {result['name']}: {result['rps']:,.0f} rps, gateway CPU {result['user_us']:.1f} us user + "
          f"{result['sys_us']:.1f} us system per request, {result['samples']} Java samples\n")
    print("| subsystem (leaf-most non-JDK frame) | share of samples | us of user CPU per request |")
    print("|---|---:|---:|")
    for label, count in result["subsystems"].most_common():
        print(f"| {label} | {100 * count / n:.1f}% | {result['user_us'] * count / n:.1f} |")
    print(f"\nTop {top} frames by self samples:\n")
    for frame, count in result["self"].most_common(top):
        print(f"- {100 * count / n:.1f}% {frame}")
    print(f"\nAllocation: {result['bytes_per_request']:,.0f} bytes per request; top sites by samples:\n")
    total = max(sum(result["allocations"].values()), 1)
    for frame, count in result["allocations"].most_common(top // 2):
        print(f"- {100 * count / total:.1f}% {frame}")


def compare(results):
    base = next((r for r in results if r["name"] == "coproxy keyless"), None)
    if base is None:
        return
    labels = sorted({label for r in results for label in r["subsystems"]})

    def us(r, label):
        return r["user_us"] * r["subsystems"].get(label, 0) / max(r["samples"], 1)

    others = [r for r in results if r is not base]
    print("\n## What each path adds over keyless, by subsystem (us of user CPU per request)\n")
    print("| subsystem | " + " | ".join(r["name"].replace("coproxy ", "") for r in others) + " |")
    print("|---|" + "---:|" * len(others))
    for label in labels:
        print(f"| {label} | " + " | ".join(f"{us(r, label) - us(base, label):+.1f}" for r in others) + " |")
    print("| **user CPU, all** | " + " | ".join(f"{r['user_us'] - base['user_us']:+.1f}" for r in others) + " |")
    print("| **system CPU** | " + " | ".join(f"{r['sys_us'] - base['sys_us']:+.1f}" for r in others) + " |")
    print("| allocation, bytes | " + " | ".join(f"{r['bytes_per_request'] - base['bytes_per_request']:+,.0f}"
                                            for r in others) + " |")


def main():
    def options(ap):
        ap.add_argument("--targets", default="keyless,token,ID-extractor,Lua,Python,gRPC",
                        help="comma-separated parts of cpu.py's row names; keyless first for the comparison")
        ap.add_argument("--workers", type=int, default=1)
        ap.add_argument("--top", type=int, default=12)
        ap.add_argument("--keep", help="a folder to keep the .jfr recordings in")
        ap.add_argument("--node", action="store_true",
                        help="also start cpu.py's Node gateway and @grpc/grpc-js server (targets 'Node gateway', 'Node server')")
    args = bench.parse_args(options)
    args.baseline_jar = None
    bench.require_tools()
    for tool in ("jcmd", "jfr"):
        if shutil.which(tool) is None:
            sys.exit(f"bench: {tool} is missing (it comes with the JDK)")
    if not os.path.exists(cpu.CP_FILE):
        sys.exit("bench: run first: " + cpu.SETUP)
    run = cpu.Run(args)
    try:
        targets = cpu.start_all(run, args, use_node=args.node)
        folder = args.keep or run.work
        os.makedirs(folder, exist_ok=True)
        wanted = [part.strip() for part in args.targets.split(",") if part.strip()]
        chosen = [next((t for t in targets if t[0].startswith("coproxy") and part in t[0]), None) for part in wanted]
        missing = [part for part, t in zip(wanted, chosen) if t is None]
        if missing:
            sys.exit(f"bench: no target matches {missing}; targets: {[t[0] for t in targets]}")
        # Every path warmed up before any is recorded: the first one recorded would otherwise pay
        # for the JIT work of the code all paths share.
        for name, url, headers, _, _ in chosen:
            print(f"warm-up {name} ({args.warmup}s)", file=sys.stderr)
            bench.wrk(url, args.warmup, args.connections, headers)
        results = [profile(name, url, headers, pids[0], args, folder) for name, url, headers, pids, _ in chosen]
        for result in results:
            report(result, args.top)
        compare(results)
    finally:
        run.stop()


if __name__ == "__main__":
    main()
