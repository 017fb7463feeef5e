#!/usr/bin/env python3
"""Memory soak (issue 21, point 3): does the gateway's live heap come back after minutes of load?

One fat-jar gateway (`java -Xms512m -Xmx512m -jar target/coproxy.jar`) with an nginx upstream and
five APIs: keyless, token auth (a key made through POST /tyk/keys), one Lua `pre` hook, one
Python `pre` hook (the trivial plugins of lua.py and python.py, one Python worker) and one gRPC
`pre` hook (`MyPreHook` of examples/java/PluginServer.java, run from the same fat jar). The load is
five wrk processes in parallel, one per API, each with a fifth of --connections (10 each for the
default 50), all the time: first --warmup seconds, then --minutes of soak.

The live heap is read after the warm-up and after the soak, with the load stopped, in the same
way: `jcmd <pid> GC.class_histogram` (which forces a full GC; its Total line is the live bytes),
then `jcmd <pid> GC.run` and the `used` figure of `jcmd <pid> GC.heap_info`; taken twice, the
smaller histogram counts. Prints both figures, the growth (target: within --limit %, default 10),
the requests served, the growth per request, the top 10 classes by growth between the two
histograms (a leak names its class there) and the gateway's RSS (VmRSS) at both ends, for
information. Exits 1 when the growth is over the limit or any answer was not 2xx.

    mvn -q -DskipTests package
    python3 bench/soak.py [--minutes 5] [--warmup 30] [--connections 50] [--churn] [--jar target/coproxy.jar]

The gRPC plugin server's JVM is the example's own process; only the gateway's heap is read.

--churn adds `Connection: close` to every request: each one opens and closes a client connection,
which soaks the per-connection state that a keep-alive soak creates only once.
"""

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request

import bench
from lua import SCRIPT
from python import PLUGIN

KEYED = "soak-auth"


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=5, help="soak length after the warm-up")
    ap.add_argument("--warmup", type=int, default=30, help="seconds of the same load before the start figure")
    ap.add_argument("--connections", type=int, default=50, help="spread evenly over the five APIs")
    ap.add_argument("--limit", type=float, default=10.0, help="live heap growth allowed, in percent")
    ap.add_argument("--churn", action="store_true",
                    help="send Connection: close, so that every request opens a new client connection")
    ap.add_argument("--jar", default=bench.JAR)
    ap.add_argument("--java-opts", default="-Xms512m -Xmx512m")
    return ap.parse_args()


def write_apis(work, upstream):
    """keyless /k/, token auth /a/, Lua pre hook /lua/, Python pre hook /py/, gRPC pre hook /grpc/;
    returns the apps folder."""
    apps = os.path.join(work, "apps")
    os.makedirs(apps)
    target = f"http://127.0.0.1:{upstream}/"
    for api_id, path, keyless, middleware in (
            ("soak-keyless", "/k/", True, None),
            (KEYED, "/a/", False, None),
            ("soak-lua", "/lua/", True, {"driver": "lua", "pre": [{"name": "bench_pre"}]}),
            ("soak-python", "/py/", True, {"driver": "python", "pre": [{"name": "bench_pre"}]}),
            ("soak-grpc", "/grpc/", True, {"driver": "grpc", "pre": [{"name": "MyPreHook"}]})):
        definition = {"api_id": api_id, "org_id": "bench", "use_keyless": keyless,
                      "proxy": {"listen_path": path, "target_url": target, "strip_listen_path": True}}
        if middleware:
            definition["custom_middleware"] = middleware
        with open(os.path.join(apps, api_id + ".json"), "w") as f:
            json.dump(definition, f)
    return apps


def write_plugins(work):
    middleware = os.path.join(work, "middleware")
    for driver, name, text in (("lua", "bench.lua", SCRIPT), ("python", "middleware.py", PLUGIN)):
        os.makedirs(os.path.join(middleware, driver))
        with open(os.path.join(middleware, driver, name), "w") as f:
            f.write(text)
    return middleware


def start_plugin_server(work, args, port):
    """The Java example gRPC plugin server, on the fat jar's classes; returns its process once it listens."""
    log = os.path.join(work, "plugin-server.log")
    proc = subprocess.Popen(["java", "-cp", args.jar, os.path.join(bench.ROOT, "examples", "java", "PluginServer.java"),
                             str(port)], stdout=open(log, "w"), stderr=subprocess.STDOUT, cwd=work)
    end = time.time() + 60
    while time.time() < end:
        if "plugin server ready" in open(log).read():
            return proc
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    proc.kill()
    sys.exit("soak: the gRPC plugin server did not start:\n" + open(log).read()[-2000:])


def start_gateway(work, args, port, apps, middleware, grpc_port):
    """The fat jar with coprocess on (one Python worker, the gRPC plugin server at grpc_port);
    returns (process, key for the token API)."""
    conf = os.path.join(work, "coproxy.json")
    with open(conf, "w") as f:
        json.dump({"listen_address": "127.0.0.1", "listen_port": port, "secret": bench.SECRET, "app_path": apps,
                   "middleware_path": middleware,
                   "coprocess_options": {"enable_coprocess": True, "python_workers": 1,
                                         "coprocess_grpc_server": f"tcp://127.0.0.1:{grpc_port}"}}, f)
    proc = subprocess.Popen(["java"] + args.java_opts.split() + ["-jar", args.jar, "--conf", conf],
                            stdout=open(os.path.join(work, "gateway.log"), "w"), stderr=subprocess.STDOUT, cwd=work)
    bench.wait_http(f"http://127.0.0.1:{port}/hello")
    req = urllib.request.Request(f"http://127.0.0.1:{port}/tyk/keys", method="POST",
                                 data=json.dumps({"org_id": "bench", "access_rights": {
                                     KEYED: {"api_id": KEYED, "versions": ["Default"]}}}).encode(),
                                 headers={"x-tyk-authorization": bench.SECRET})
    return proc, json.load(urllib.request.urlopen(req))["key"]


def load(targets, seconds, connections):
    """All targets at once, one wrk each with connections/len(targets) (rounded up); returns
    {name: wrk result}."""
    each = max(1, math.ceil(connections / len(targets)))
    results = {}

    def one(name, url, headers):
        results[name] = bench.wrk(url, seconds, each, headers)

    threads = [threading.Thread(target=one, args=t) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def jcmd(pid, *command):
    out = subprocess.run(["jcmd", str(pid)] + list(command), capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        sys.exit(f"soak: jcmd {' '.join(command)} failed: {out.stdout}{out.stderr}")
    return out.stdout


def histogram(pid):
    """(live bytes, {class: (instances, bytes)}) from GC.class_histogram, which runs a full GC first."""
    text = jcmd(pid, "GC.class_histogram")
    classes = {}
    for m in re.finditer(r"^\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)", text, re.M):
        classes[m.group(3)] = (int(m.group(1)), int(m.group(2)))
    total = re.search(r"^Total\s+\d+\s+(\d+)", text, re.M)
    if not total:
        sys.exit("soak: no Total line in the class histogram:\n" + text[-2000:])
    return int(total.group(1)), classes


def heap_used(pid):
    """The heap's used kilobytes after an explicit GC (GC.run, then GC.heap_info)."""
    jcmd(pid, "GC.run")
    m = re.search(r"used (\d+)K", jcmd(pid, "GC.heap_info"))
    return int(m.group(1)) * 1024 if m else 0


def rss(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1)) * 1024


def live_heap(pid):
    """Two readings a few seconds apart, the smaller histogram kept (a request still being torn
    down can hold a little memory at the first); returns (total, classes, heap used, rss)."""
    readings = []
    for _ in range(2):
        total, classes = histogram(pid)
        readings.append((total, classes, heap_used(pid), rss(pid)))
        time.sleep(2)
    return min(readings, key=lambda r: r[0])


def mb(n):
    return f"{n / 1048576:.2f} MB"


def report_load(label, results):
    requests = sum(r["requests"] for r in results.values())
    bad = sum(r["non2xx"] for r in results.values())
    print(f"{label}: {requests:,} requests, non-2xx {bad}", file=sys.stderr)
    for name, r in results.items():
        print(f"  {name}: {r['requests']:,} requests, {r['rps']:.0f} rps, p99 {r['p99']:.3f} ms"
              + (f", non-2xx {r['non2xx']}" if r["non2xx"] else "")
              + (f", socket errors {r['socket_errors']}" if r["socket_errors"] else ""), file=sys.stderr)
    return requests, bad


def print_growth(start, end, top=10):
    """The classes whose live bytes grew the most between two histograms."""
    names = set(start) | set(end)
    growth = sorted(((end.get(n, (0, 0))[1] - start.get(n, (0, 0))[1],
                      end.get(n, (0, 0))[0] - start.get(n, (0, 0))[0], n) for n in names), reverse=True)
    print(f"\nTop {top} classes by live-byte growth\n")
    print("| class | bytes start | bytes end | growth bytes | growth instances |")
    print("|---|---:|---:|---:|---:|")
    for grew, count, name in growth[:top]:
        print(f"| `{name}` | {start.get(name, (0, 0))[1]:,} | {end.get(name, (0, 0))[1]:,} | {grew:+,} | {count:+,} |")


def main():
    args = parse_args()
    bench.require_tools(jar=False)
    if shutil.which("jcmd") is None:
        sys.exit("soak: jcmd is missing (it comes with the JDK)")
    if not os.path.exists(args.jar):
        sys.exit(f"soak: {args.jar} is missing (mvn -q -DskipTests package)")
    work = bench.work_dir("coproxy-soak-")
    up, gw, grpc_port = bench.free_port(), bench.free_port(), bench.free_port()
    pidfile, proc, plugin = None, None, None
    try:
        pidfile = bench.start_nginx(work, "upstream",
                                    f"server {{ listen 127.0.0.1:{up}; root {work}/www; default_type application/json; }}")
        plugin = start_plugin_server(work, args, grpc_port)
        proc, key = start_gateway(work, args, gw, write_apis(work, up), write_plugins(work), grpc_port)
        base = f"http://127.0.0.1:{gw}"
        targets = [("keyless", f"{base}/k/data.json", ()),
                   ("token auth", f"{base}/a/data.json", (f"Authorization: {key}",)),
                   ("Lua pre hook", f"{base}/lua/data.json", ()),
                   ("Python pre hook", f"{base}/py/data.json", ()),
                   ("gRPC pre hook", f"{base}/grpc/data.json", ())]
        if args.churn:
            targets = [(name, url, headers + ("Connection: close",)) for name, url, headers in targets]
        each = max(1, math.ceil(args.connections / len(targets)))
        print(f"warm-up: {args.warmup}s, {len(targets)} wrk -t1 -c{each} in parallel", file=sys.stderr)
        report_load("warm-up", load(targets, args.warmup, args.connections))
        time.sleep(2)
        start_total, start_classes, start_used, start_rss = live_heap(proc.pid)
        print(f"start: live heap {mb(start_total)}, heap used after GC.run {mb(start_used)}, RSS {mb(start_rss)}",
              file=sys.stderr)

        seconds = int(args.minutes * 60)
        print(f"soak: {seconds}s, {len(targets)} wrk -t1 -c{each} in parallel", file=sys.stderr)
        requests, bad = report_load("soak", load(targets, seconds, args.connections))
        time.sleep(2)
        end_total, end_classes, end_used, end_rss = live_heap(proc.pid)

        growth = end_total - start_total
        pct = growth * 100 / start_total
        print(f"\nsoak: {seconds}s at c={each * len(targets)} ({len(targets)} wrk -t1 -c{each} in parallel: keyless,"
              f" token auth, Lua, Python and gRPC pre hooks{'; Connection: close' if args.churn else ''}), after {args.warmup}s of"
              f" the same load; {args.java_opts}\n")
        print("| figure | start | end | growth |")
        print("|---|---:|---:|---:|")
        print(f"| live heap (class histogram Total) | {mb(start_total)} | {mb(end_total)} | {pct:+.1f}% |")
        print(f"| heap used after GC.run | {mb(start_used)} | {mb(end_used)} |"
              f" {(end_used - start_used) * 100 / start_used:+.1f}% |" if start_used else "| heap used | n/a | n/a | |")
        print(f"| RSS (VmRSS, for information) | {mb(start_rss)} | {mb(end_rss)} | {(end_rss - start_rss) * 100 / start_rss:+.1f}% |")
        print(f"\nrequests served in the soak: {requests:,}, non-2xx {bad};"
              f" live-heap growth per request: {growth / requests if requests else 0:.3f} bytes")
        print_growth(start_classes, end_classes)
        verdict = "PASS" if pct <= args.limit and bad == 0 else "FAIL"
        print(f"\n{verdict}: live heap {pct:+.1f}% (limit {args.limit:.0f}%), non-2xx {bad}")
        return 0 if verdict == "PASS" else 1
    finally:
        if proc:
            proc.terminate()
            try:
                proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                proc.kill()
        if plugin:
            plugin.kill()
        if pidfile:
            bench.stop_nginx(pidfile)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
