#!/usr/bin/env python3
"""Tracing benchmark (issue 20): the gateway's own CPU time per request on a keyless API and on one
with a trivial Lua pre hook (and detailed_tracing on), for three gateways measured in the same
interleaved rounds: this build with tracing off, this build with `opentelemetry` on and 1% sampling
(TraceIDRatioBased 0.01, OTLP/HTTP to an nginx that answers 200), and an earlier build's fat jar
(before tracing existed). nginx as a reverse proxy is measured the same way for reference.
CPU from /proc/<pid>/stat around each wrk run, divided by the requests it completed.

    mvn -q -DskipTests package
    python3 bench/tracing.py --baseline-jar /tmp/coproxy-42004bc.jar [--rate 0.01] [--rounds 3] [--duration 10] [--warmup 20]
"""

import json
import os
import statistics
import subprocess
import sys
import time

import bench
from lua import SCRIPT


def write_apis(apps, upstream):
    """/k/ keyless, /h/ keyless with one Lua pre hook and detailed_tracing (a hook span when sampled)."""
    for api_id, hooked in (("k", False), ("h", True)):
        definition = {"api_id": "bench-" + api_id, "org_id": "bench", "use_keyless": True,
                      "proxy": {"listen_path": f"/{api_id}/", "target_url": upstream, "strip_listen_path": True}}
        if hooked:
            definition["custom_middleware"] = {"driver": "lua", "pre": [{"name": "bench_pre"}]}
            definition["detailed_tracing"] = True
        with open(os.path.join(apps, api_id + ".json"), "w") as f:
            json.dump(definition, f)


def start_gateway(work, name, jar, port, apps, middleware, tracing, args):
    conf = {"listen_address": "127.0.0.1", "listen_port": port, "secret": bench.SECRET, "app_path": apps,
            "middleware_path": middleware, "coprocess_options": {"enable_coprocess": True}}
    if tracing:
        conf["opentelemetry"] = tracing
    path = os.path.join(work, name + ".json")
    with open(path, "w") as f:
        json.dump(conf, f)
    log = open(os.path.join(work, name + ".log"), "w")
    proc = subprocess.Popen(["java"] + args.java_opts.split() + ["-jar", jar, "--conf", path],
                            stdout=log, stderr=subprocess.STDOUT, cwd=work)
    bench.wait_http(f"http://127.0.0.1:{port}/hello")
    return proc


def main():
    def options(ap):
        ap.add_argument("--baseline-jar", required=True, help="the fat jar of the build before tracing")
        ap.add_argument("--rate", type=float, default=0.01,
                        help="the sampling ratio of the traced gateway (0 measures sampled-out requests alone)")
    args = bench.parse_args(options)
    bench.require_tools()
    work = bench.work_dir("coproxy-tracing-")
    up, px, sink = bench.free_port(), bench.free_port(), bench.free_port()
    pids, procs = [], []
    try:
        pids.append(bench.start_nginx(work, "upstream",
                                      f"server {{ listen 127.0.0.1:{up}; root {work}/www; default_type application/json; }}"))
        pids.append(bench.start_nginx(work, "proxy", f"""
  upstream backend {{ server 127.0.0.1:{up}; keepalive 64; keepalive_requests 1000000; }}
  server {{ listen 127.0.0.1:{px};
    location / {{ proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }} }}"""))
        # The collector: every export is accepted (an empty ExportTraceServiceResponse).
        pids.append(bench.start_nginx(work, "collector", f"server {{ listen 127.0.0.1:{sink}; location / {{ return 200; }} }}"))
        time.sleep(0.5)
        apps = os.path.join(work, "apps")
        os.makedirs(apps)
        write_apis(apps, f"http://127.0.0.1:{up}/")
        middleware = os.path.join(work, "middleware")
        os.makedirs(os.path.join(middleware, "lua"))
        with open(os.path.join(middleware, "lua", "bench.lua"), "w") as f:
            f.write(SCRIPT)
        sampled = {"enabled": True, "exporter": "http", "endpoint": f"127.0.0.1:{sink}",
                   "sampling": {"type": "TraceIDRatioBased", "rate": args.rate}}
        gateways = [("before", args.baseline_jar, None), ("tracing off", bench.JAR, None),
                    (f"tracing on {args.rate:g}", bench.JAR, sampled)]
        targets = [("nginx proxy", f"http://127.0.0.1:{px}/data.json", (), bench.nginx_workers(pids[1]))]
        for name, jar, tracing in gateways:
            port = bench.free_port()
            proc = start_gateway(work, name.replace(" ", "-"), jar, port, apps, middleware, tracing, args)
            procs.append(proc)
            targets.append((f"coproxy keyless, {name}", f"http://127.0.0.1:{port}/k/data.json", (), (proc.pid,)))
            targets.append((f"coproxy Lua hook, {name}", f"http://127.0.0.1:{port}/h/data.json", (), (proc.pid,)))
        results = bench.measure(targets, args)

        nginx_cpu = statistics.median(x["cpu_us"] for x in results["nginx proxy"])
        print(f"\nwrk -t1 -c{args.connections} -d{args.duration}s, {args.rounds} interleaved rounds, median;"
              f" gateway process CPU per request\n")
        print("| target | rps | CPU us/req | CPU / nginx | vs tracing off (us) | CPU per round |")
        print("|---|---:|---:|---:|---:|---|")
        for name, *_ in targets:
            runs = results[name]
            cpu = statistics.median(x["cpu_us"] for x in runs)
            rps = statistics.median(x["rps"] for x in runs)
            off = name.rsplit(", ", 1)[0] + ", tracing off"
            delta = f"{cpu - statistics.median(x['cpu_us'] for x in results[off]):+.1f}" if off in results else ""
            rounds = ", ".join(f"{x['cpu_us']:.1f}" for x in runs)
            print(f"| {name} | {rps:,.0f} | {cpu:.1f} | {cpu / nginx_cpu:.2f} | {delta} | {rounds} |")
        bad = sum(x["non2xx"] for runs in results.values() for x in runs)
        print(f"\nnon-2xx responses in measured runs: {bad}")
        exported = os.path.getsize(os.path.join(work, "collector-error.log"))
        print(f"collector error log: {exported} bytes")
    finally:
        bench.stop_all(procs, pids)


if __name__ == "__main__":
    sys.exit(main())
