#!/usr/bin/env python3
"""CPU per request of the gateway process, every path in one interleaved run (issue 21).

For each target, the CPU time (utime + stime from /proc/<pid>/stat, before and after a fixed wrk
load) of the gateway JVM divided by the requests wrk completed, and apart the same of the plugin
processes: the Python workers (the gateway's child processes), the Java example gRPC server
(examples/java/PluginServer.java, run from source as the README says) or the Node.js
@grpc/grpc-js server of bench/node/. nginx as a reverse proxy (1 worker, keepalive to the upstream)
is measured the same way, for reference. The upstream is a separate nginx worker returning a
140-byte JSON body. Rounds are interleaved (every target in each round), so every target sees the
same machine state; the tables give medians and each round's gateway figure. "vs keyless" is the
median over the rounds of (target - the same gateway's keyless target in the same round).

Gateways: Tyk's config holds ONE coprocess_grpc_server per gateway, so there are two JVMs:
  - the main gateway, with every API (keyless, token auth, ID-extractor cache hit through a Lua
    auth_check, one Lua pre hook, one Python pre hook, one gRPC pre hook against the Java server),
    so that their JIT state is shared as in production;
  - the Node gateway, the same jar configured for the Node server, serving a keyless API and the
    gRPC pre hook API only, warmed up beforehand as long as the main one (it has fewer targets);
    its keyless row is printed too, to show how far the two gateways match.
With --baseline-jar J, a second pair runs J with the same APIs in the same rounds (", before").

Before measuring, one request goes through each API and the script fails unless the upstream saw
the header the hook adds (X-Lua, X-Python, X-Java-Plugin, X-Node-Plugin) or, without a hook, got
a 200. A second, short pass at one connection (no queueing) gives p50 latency and what each path
adds over keyless at p50.

    mvn -q -DskipTests package dependency:build-classpath -Dmdep.outputFile=target/cp.txt
    npm install --prefix bench/node
    python3 bench/cpu.py [--rounds 3] [--duration 10] [--connections 50] [--warmup 20]
        [--workers 1] [--baseline-jar OLD.jar] [--skip-node] [--java-opts "-Xms512m -Xmx512m"]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request

import bench
from idextractor import CACHED_ID, SCRIPT as AUTH_SCRIPT, metric
from lua import SCRIPT as LUA_SCRIPT
from python import PLUGIN

# 140 bytes of JSON, the body size of issue 21's figures.
PAYLOAD = json.dumps({"id": 1, "name": "coproxy-bench", "tags": ["a", "b", "c"], "text": "x" * 57,
                      "ok": True}).encode()
NODE_DIR = os.path.join(bench.ROOT, "bench", "node")
CP_FILE = os.path.join(bench.ROOT, "target", "cp.txt")
SETUP = ("mvn -q -DskipTests package dependency:build-classpath -Dmdep.outputFile=target/cp.txt"
         " && npm install --prefix bench/node")


def options(ap):
    ap.add_argument("--baseline-jar", help="an earlier build's fat jar, measured in the same rounds (', before')")
    ap.add_argument("--workers", type=int, default=1, help="python_workers of the gateway (1)")
    ap.add_argument("--skip-node", action="store_true", help="only when node is missing: no Node.js rows")


class Run:
    """The work folder and every process started; stop() cleans them all up."""

    def __init__(self, args):
        self.args = args
        self.work = bench.work_dir("coproxy-cpu-")
        with open(os.path.join(self.work, "www", "data.json"), "wb") as f:
            f.write(PAYLOAD)
        self.pidfiles, self.procs = [], []

    def start(self, command, log_name, ready):
        """Starts a process logging to the work folder; waits until `ready` (a URL answering, or a
        phrase in its log) holds, for 60 s at the most."""
        log_path = os.path.join(self.work, log_name)
        proc = subprocess.Popen(command, stdout=open(log_path, "w"), stderr=subprocess.STDOUT, cwd=self.work)
        self.procs.append(proc)
        if ready.startswith("http"):
            bench.wait_http(ready)
            return proc
        deadline = time.time() + 60
        while ready not in open(log_path).read():
            if time.time() > deadline or proc.poll() is not None:
                sys.exit(f"bench: {log_name} never said '{ready}': " + open(log_path).read())
            time.sleep(0.1)
        return proc

    def stop(self):
        for proc in reversed(self.procs):
            proc.terminate()
            try:
                proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                proc.kill()
        for pidfile in self.pidfiles:
            bench.stop_nginx(pidfile)
        shutil.rmtree(self.work, ignore_errors=True)


def api(api_id, path, target, keyless=True, middleware=None, auth_check=False):
    definition = {"api_id": api_id, "org_id": "bench", "use_keyless": keyless,
                  "proxy": {"listen_path": path, "target_url": target, "strip_listen_path": True}}
    if middleware:
        definition["custom_middleware"] = middleware
    if auth_check:
        definition["custom_plugin_auth_enabled"] = True
    return definition


def write_apis(folder, definitions):
    os.makedirs(folder)
    for definition in definitions:
        with open(os.path.join(folder, definition["api_id"] + ".json"), "w") as f:
            json.dump(definition, f)


def main_apis(target):
    """Every path of the main gateway; path -> definition."""
    cached = {"driver": "lua", "auth_check": {"name": "bench_auth"},
              "id_extractor": {"extract_from": "header", "extract_with": "value",
                               "extractor_config": {"header_name": "Authorization"}}}
    return [api("keyless", "/k/", target), api("token", "/a/", target, keyless=False),
            api("cached", "/c/", target, keyless=False, middleware=cached, auth_check=True),
            api("lua", "/lua/", target, middleware={"driver": "lua", "pre": [{"name": "bench_pre"}]}),
            api("python", "/py/", target, middleware={"driver": "python", "pre": [{"name": "bench_pre"}]}),
            grpc_api(target)]


def grpc_api(target):
    # MyPreHook: the Java example server's pre hook (adds X-Java-Plugin); the Node server adds
    # X-Node-Plugin whatever the name.
    return api("grpc", "/grpc/", target, middleware={"driver": "grpc", "pre": [{"name": "MyPreHook"}]})


def start_gateway(run, name, jar, apps, middleware, coprocess):
    """A gateway JVM (-jar, with --java-opts); returns (pid, base URL, key for the token API)."""
    port = bench.free_port()
    conf = os.path.join(run.work, name + ".json")
    with open(conf, "w") as f:
        json.dump({"listen_address": "127.0.0.1", "listen_port": port, "secret": bench.SECRET, "app_path": apps,
                   "middleware_path": middleware, "coprocess_options": dict(enable_coprocess=True, **coprocess)}, f)
    base = f"http://127.0.0.1:{port}"
    proc = run.start(["java"] + run.args.java_opts.split() + ["-jar", jar, "--conf", conf], name + ".log", base + "/hello")
    req = urllib.request.Request(base + "/tyk/keys", method="POST", headers={"x-tyk-authorization": bench.SECRET},
                                 data=json.dumps({"org_id": "bench", "access_rights": {
                                     "token": {"api_id": "token", "versions": ["Default"]}}}).encode())
    return proc.pid, base, json.load(urllib.request.urlopen(req))["key"]


def check(url, headers, expect):
    """One request; exits unless it answers 200 and (for /hdr/) its body, the headers the upstream
    saw, contains `expect`."""
    req = urllib.request.Request(url, headers=dict(h.split(": ", 1) for h in headers))
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read().decode(errors="replace")
    except Exception as e:
        sys.exit(f"bench: sanity check failed, {url}: {e}")
    if expect not in body:
        sys.exit(f"bench: sanity check failed, {url}: the upstream did not see '{expect}' (saw: {body.strip()})")


def gateway_targets(suffix, main, node, java_server, node_server, workers):
    """The rows of one build: (name, url, headers, gateway pids, plugin pids, sanity path, expected)."""
    pid, base, key = main
    rows = [
        (f"coproxy keyless{suffix}", f"{base}/k/", (), (pid,), (), ""),
        (f"coproxy token auth{suffix}", f"{base}/a/", (f"Authorization: {key}",), (pid,), (), ""),
        (f"coproxy ID-extractor cache hit{suffix}", f"{base}/c/", (f"Authorization: {CACHED_ID}",), (pid,), (), ""),
        (f"coproxy Lua pre hook{suffix}", f"{base}/lua/", (), (pid,), (), "lua=1"),
        (f"coproxy Python pre hook, {workers} worker{'s' if workers > 1 else ''}{suffix}", f"{base}/py/", (), (pid,),
         "python", "python=1"),
        (f"coproxy gRPC pre hook, Java server{suffix}", f"{base}/grpc/", (), (pid,), (java_server,), "java=pre"),
    ]
    if node:
        node_pid, node_base, _ = node
        rows += [(f"coproxy keyless, Node gateway{suffix}", f"{node_base}/k/", (), (node_pid,), (), ""),
                 (f"coproxy gRPC pre hook, Node server{suffix}", f"{node_base}/grpc/", (), (node_pid,), (node_server,),
                  "node=pre")]
    for name, url, headers, pids, plugins, expect in rows:
        check(url + ("hdr" if expect else "data.json"), headers, expect)
    # The Python workers exist once the check above went through them.
    return [(name, url + "data.json", headers, pids, tuple(bench.children(pid)) if plugins == "python" else plugins)
            for name, url, headers, pids, plugins, _ in rows]


def median(values):
    return statistics.median(values) if values else float("nan")


def keyless_of(name, names):
    """The keyless row of the gateway that serves `name` (None for nginx)."""
    if not name.startswith("coproxy"):
        return None
    suffix = ", before" if name.endswith(", before") else ""
    gateway = "coproxy keyless, Node gateway" if "Node" in name else "coproxy keyless"
    return gateway + suffix if gateway + suffix in names else None


def print_cpu_table(results, args):
    nginx_cpu = median([x["cpu_us"] for x in results["nginx proxy"]])
    print(f"\nwrk -t1 -c{args.connections} -d{args.duration}s, {args.rounds} interleaved round(s), medians;"
          f" CPU = utime+stime of the process / requests completed\n")
    print("| target | rps | gateway CPU us/req | vs keyless (us) | CPU / nginx | plugin processes CPU us/req |"
          " per-round gateway CPU |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for name, runs in results.items():
        cpu = median([x["cpu_us"] for x in runs])
        base = keyless_of(name, results)
        added = "" if base in (None, name) else \
            f"{median([x['cpu_us'] - b['cpu_us'] for x, b in zip(runs, results[base])]):+.1f}"
        plugins = [x["plugin_us"] for x in runs if "plugin_us" in x]
        plugin = f"{median(plugins):.1f}" if plugins else ""
        per_round = ", ".join(f"{x['cpu_us']:.1f}" for x in runs)
        print(f"| {name} | {median([x['rps'] for x in runs]):,.0f} | {cpu:.1f} | {added} | {cpu / nginx_cpu:.2f} |"
              f" {plugin} | {per_round} |")
    for suffix in ("", ", before"):
        cached, token = results.get("coproxy ID-extractor cache hit" + suffix), results.get("coproxy token auth" + suffix)
        if cached and token:
            print(f"\nID-extractor cache hit{suffix} vs token auth: "
                  f"{median([c['cpu_us'] - t['cpu_us'] for c, t in zip(cached, token)]):+.1f} us of gateway CPU per request")


def print_latency_table(results, args):
    print(f"\nwrk -t1 -c1 -d{args.duration}s --latency (no queueing), {args.rounds} interleaved round(s), medians\n")
    print("| target | p50 ms | p99 ms | p50 added over keyless (us) |")
    print("|---|---:|---:|---:|")
    for name, runs in results.items():
        p50 = median([x["p50"] for x in runs])
        base = keyless_of(name, results)
        added = "" if base in (None, name) else \
            f"{median([x['p50'] - b['p50'] for x, b in zip(runs, results[base])]) * 1000:+.0f}"
        print(f"| {name} | {p50:.3f} | {median([x['p99'] for x in runs]):.3f} | {added} |")


def start_all(run, args, use_node):
    """Starts the upstream, nginx proxy, plugin servers and the gateways of this build (and of
    --baseline-jar); checks each path once; returns the targets for bench.measure."""
    work, up, px = run.work, bench.free_port(), bench.free_port()
    hdr = ('location /hdr { default_type text/plain; return 200 "lua=$http_x_lua python=$http_x_python '
           'java=$http_x_java_plugin node=$http_x_node_plugin\\n"; }')
    run.pidfiles.append(bench.start_nginx(work, "upstream", f"server {{ listen 127.0.0.1:{up}; root {work}/www; "
                                                            f"default_type application/json; {hdr} }}"))
    run.pidfiles.append(bench.start_nginx(work, "proxy", f"""
  upstream backend {{ server 127.0.0.1:{up}; keepalive 64; keepalive_requests 1000000; }}
  server {{ listen 127.0.0.1:{px};
    location / {{ proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }} }}"""))
    bench.wait_http(f"http://127.0.0.1:{px}/data.json")

    target = f"http://127.0.0.1:{up}/"
    middleware, empty = os.path.join(work, "middleware"), os.path.join(work, "middleware-none")
    os.makedirs(os.path.join(middleware, "lua"))
    os.makedirs(os.path.join(middleware, "python"))
    os.makedirs(empty)
    for path, text in (("lua/bench.lua", LUA_SCRIPT), ("lua/auth.lua", AUTH_SCRIPT), ("python/middleware.py", PLUGIN)):
        with open(os.path.join(middleware, path), "w") as f:
            f.write(text)
    write_apis(os.path.join(work, "apps"), main_apis(target))
    write_apis(os.path.join(work, "apps-node"), [api("keyless", "/k/", target), grpc_api(target)])

    java_port, node_port = bench.free_port(), bench.free_port()
    classpath = os.path.join(bench.ROOT, "target", "classes") + ":" + open(CP_FILE).read().strip()
    java_server = run.start(["java", "-cp", classpath, os.path.join(bench.ROOT, "examples", "java", "PluginServer.java"),
                             str(java_port)], "java-plugin.log", "plugin server ready").pid
    node_server = run.start(["node", os.path.join(NODE_DIR, "plugin_server.js"), str(node_port)],
                            "node-plugin.log", "plugin server ready").pid if use_node else None

    builds = [("", bench.JAR)] + ([(", before", args.baseline_jar)] if args.baseline_jar else [])
    targets = [("nginx proxy", f"http://127.0.0.1:{px}/data.json", (), bench.nginx_workers(run.pidfiles[1]))]
    for suffix, jar in builds:
        tag = "baseline" if suffix else "gateway"
        main_gw = start_gateway(run, tag, jar, os.path.join(work, "apps"), middleware,
                                {"python_workers": args.workers, "coprocess_grpc_server": f"tcp://127.0.0.1:{java_port}"})
        node_gw = start_gateway(run, tag + "-node", jar, os.path.join(work, "apps-node"), empty,
                                {"coprocess_grpc_server": f"tcp://127.0.0.1:{node_port}"}) if use_node else None
        targets += gateway_targets(suffix, main_gw, node_gw, java_server, node_server, args.workers)
    return targets


def main():
    args = bench.parse_args(options)
    bench.require_tools()
    if not os.path.exists(CP_FILE) or not os.path.isdir(os.path.join(bench.ROOT, "target", "classes")):
        sys.exit("bench: run first: " + SETUP)
    node_missing = ""
    if shutil.which("node") is None:
        node_missing = "node is not installed"
    elif not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "@grpc", "grpc-js")):
        node_missing = "bench/node has no node_modules (npm install --prefix bench/node)"
    if node_missing and not args.skip_node:
        sys.exit(f"bench: {node_missing}; install it, or pass --skip-node to leave the Node.js rows out")
    use_node = not args.skip_node

    run = Run(args)
    try:
        targets = start_all(run, args, use_node)
        warm_node_gateways(targets, args)
        results = bench.measure(targets, args)
        light = argparse.Namespace(**vars(args))
        light.connections, light.warmup = 1, 3
        light_results = bench.measure(targets, light)

        if not use_node:
            print("\n**WARNING: --skip-node: the Node.js gRPC rows are MISSING from this run"
                  + (f" ({node_missing})" if node_missing else "") + ".**")
        print_cpu_table(results, args)
        print_latency_table(light_results, args)
        calls = metric(urllib.request.urlopen(f"{main_gw_base(targets)}/metrics").read().decode(),
                       "coproxy_hook_duration_seconds_count", api_id="cached")
        print(f"\nID extractor: auth_check plugin calls on the main gateway: {calls:.0f} (1 expected: one ID, deadline 1 h)")
        bad = sum(x["non2xx"] for res in (results, light_results) for runs in res.values() for x in runs)
        print(f"non-2xx responses in measured runs: {bad}")
        if bad:
            sys.exit("bench: non-2xx responses: the figures are not valid")
    finally:
        run.stop()


def warm_node_gateways(targets, args):
    """bench.measure warms each target for --warmup seconds, so a Node gateway (two targets) would
    get a third of a main gateway's (six) JIT warm-up and read slower on every row: this evens it up
    beforehand, load on its gRPC API and its keyless one in turn."""
    main_rows = sum(1 for t in targets if t[0].startswith("coproxy") and "Node" not in t[0])
    node_rows = [t for t in targets if "Node" in t[0]]
    if not node_rows:
        return
    seconds = (main_rows - len(node_rows)) * args.warmup // len(node_rows)
    if seconds <= 0:
        return
    for name, url, headers, _, _ in node_rows:
        print(f"extra warm-up {name} ({seconds}s)", file=sys.stderr)
        bench.wrk(url, seconds, args.connections, headers)


def main_gw_base(targets):
    """The base URL of the main gateway (this build), from its keyless row."""
    url = next(t[1] for t in targets if t[0] == "coproxy keyless")
    return url[:url.index("/k/")]


if __name__ == "__main__":
    main()
