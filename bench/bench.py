#!/usr/bin/env python3
"""Reverse-proxy benchmark: upstream direct, nginx proxy, Coproxy keyless, Coproxy with token auth.

Everything runs on 127.0.0.1 in one go, interleaved round by round so that every target sees the
same machine state. Needs wrk and nginx (apt-get install wrk nginx) and the fat jar
(mvn -q -DskipTests package). Prints requests per second, p50 and p99 per target (median over the
rounds) and the ratio of each to nginx.

    python3 bench/bench.py [--rounds 3] [--duration 10] [--connections 50] [--warmup 20]
"""

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JAR = os.path.join(ROOT, "target", "coproxy.jar")
SECRET = "bench-secret"
# 195 bytes of JSON, the size used by the peer benchmark in the design notes.
PAYLOAD = json.dumps({"id": 1, "name": "coproxy-bench", "tags": ["a", "b", "c"],
                      "text": "x" * 108, "ok": True}).encode()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, deadline=60.0, headers=None):
    end = time.time() + deadline
    while time.time() < end:
        try:
            req = urllib.request.Request(url, headers=headers or {})
            with urllib.request.urlopen(req, timeout=2) as r:
                if r.status < 500:
                    return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError("not ready: " + url)


def nginx_conf(work, name, body):
    path = os.path.join(work, name + ".conf")
    with open(path, "w") as f:
        f.write(f"""
worker_processes 1;
pid {work}/{name}.pid;
error_log {work}/{name}-error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  sendfile on;
  tcp_nodelay on;
  keepalive_timeout 65s;
  keepalive_requests 1000000;
  client_body_temp_path {work}/{name}-body;
  proxy_temp_path {work}/{name}-proxy;
  fastcgi_temp_path {work}/{name}-fastcgi;
  uwsgi_temp_path {work}/{name}-uwsgi;
  scgi_temp_path {work}/{name}-scgi;
  {body}
}}
""")
    return path


def start_nginx(work, name, body):
    conf = nginx_conf(work, name, body)
    subprocess.run(["nginx", "-p", work, "-c", conf], check=True)
    return os.path.join(work, name + ".pid")


def stop_nginx(pidfile):
    try:
        with open(pidfile) as f:
            os.kill(int(f.read().strip()), 15)
    except Exception:
        pass


def parse_wrk(text):
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))

    def latency(pct):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    socket_errors = re.search(r"Socket errors: (.*)", text)
    done = re.search(r"(\d+) requests in", text)
    return {"rps": rps, "p50": latency(50), "p99": latency(99), "requests": int(done.group(1)) if done else 0,
            "non2xx": int(errors.group(1)) if errors else 0,
            "socket_errors": socket_errors.group(1) if socket_errors else ""}


def wrk(url, seconds, connections, headers=()):
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for h in headers:
        cmd += ["-H", h]
    cmd.append(url)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30).stdout
    return parse_wrk(out)


def process_cpu(pids):
    """User plus system CPU seconds of processes, from /proc/<pid>/stat."""
    total = 0.0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def children(pid):
    """The child processes of pid (an nginx master's workers, a gateway's Python workers)."""
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


def nginx_workers(pidfile):
    """The worker processes of the nginx whose master wrote pidfile."""
    with open(pidfile) as f:
        return children(int(f.read().strip()))


def stop_all(procs, pidfiles):
    """Stops the Java processes (terminate, then kill after 40 s) and the nginx instances."""
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
    for pidfile in pidfiles:
        stop_nginx(pidfile)


def measure(targets, args):
    """Warms every target up (Coproxy ones for --warmup seconds), then runs --rounds interleaved
    rounds of wrk over the targets, given as (name, url), (name, url, headers), (name, url,
    headers, pids) or (name, url, headers, pids, plugin_pids): with pids, each result also has
    "cpu_us", those processes' CPU time per request; with plugin_pids, "plugin_us", the same of
    those (plugin) processes, counted apart. Returns {name: [result per round]}."""
    targets = [(t[0], t[1], t[2] if len(t) > 2 else (), t[3] if len(t) > 3 else (), t[4] if len(t) > 4 else ())
               for t in targets]
    for name, url, headers, _, _ in targets:
        seconds = args.warmup if name.startswith("coproxy") else 3
        print(f"warm-up {name} ({seconds}s)", file=sys.stderr)
        wrk(url, seconds, args.connections, headers)
    results = {name: [] for name, _, _, _, _ in targets}
    for r in range(args.rounds):
        for name, url, headers, pids, plugin_pids in targets:
            before = process_cpu(pids) if pids else 0
            plugin_before = process_cpu(plugin_pids) if plugin_pids else 0
            res = wrk(url, args.duration, args.connections, headers)
            if pids and res["requests"]:
                res["cpu_us"] = (process_cpu(pids) - before) * 1e6 / res["requests"]
            if plugin_pids and res["requests"]:
                res["plugin_us"] = (process_cpu(plugin_pids) - plugin_before) * 1e6 / res["requests"]
            results[name].append(res)
            print(f"round {r + 1} {name}: {res['rps']:.0f} rps p50 {res['p50']:.3f} ms p99 {res['p99']:.3f} ms"
                  + (f" cpu {res['cpu_us']:.1f} us/req" if "cpu_us" in res else "")
                  + (f" plugin cpu {res['plugin_us']:.1f} us/req" if "plugin_us" in res else "")
                  + (f" non-2xx {res['non2xx']}" if res["non2xx"] else "")
                  + (f" socket errors {res['socket_errors']}" if res["socket_errors"] else ""), file=sys.stderr)
            time.sleep(1)
    return results


def print_round_ratios(results, baseline):
    """Each Coproxy target's rps against the baseline's in the same round, and their median: this
    VM's speed drifts over tens of seconds, and a round's ratio cancels most of that drift where
    the medians of the whole run do not."""
    for name, runs in results.items():
        if name != baseline and name.startswith("coproxy"):
            ratios = [x["rps"] / b["rps"] for x, b in zip(runs, results[baseline])]
            print(f"\n{name}: rps / {baseline} round by round {' '.join(f'{r:.2f}' for r in ratios)},"
                  f" median {statistics.median(ratios):.2f}")


def print_hook_table(results, args, baseline="coproxy, no hooks"):
    """The hook benchmarks' table: each target against the API without hooks."""
    base_rps = statistics.median(x["rps"] for x in results[baseline])
    base_p50 = statistics.median(x["p50"] for x in results[baseline])
    print(f"\nwrk -t1 -c{args.connections} -d{args.duration}s --latency, {args.rounds} interleaved rounds, median\n")
    print("| target | rps | p50 ms | p99 ms | rps / no hooks | p50 added (us) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, runs in results.items():
        rps = statistics.median(x["rps"] for x in runs)
        p50 = statistics.median(x["p50"] for x in runs)
        p99 = statistics.median(x["p99"] for x in runs)
        print(f"| {name} | {rps:,.0f} | {p50:.3f} | {p99:.3f} | {rps / base_rps:.2f} | {(p50 - base_p50) * 1000:.0f} |")
    print_round_ratios(results, baseline)
    bad = sum(x["non2xx"] for runs in results.values() for x in runs)
    print(f"\nnon-2xx responses in measured runs: {bad}")


def parse_args(extra=None):
    """The options every benchmark takes: rounds, duration, connections, warm-up, JVM options;
    `extra(parser)` adds a benchmark's own."""
    ap = argparse.ArgumentParser()
    if extra:
        extra(ap)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--java-opts", default="-Xms512m -Xmx512m")
    return ap.parse_args()


def require_tools(jar=True):
    for tool in ("wrk", "nginx", "java"):
        if shutil.which(tool) is None:
            sys.exit(f"bench: {tool} is missing (apt-get install -y wrk nginx)")
    if jar and not os.path.exists(JAR):
        sys.exit("bench: target/coproxy.jar is missing (mvn -q -DskipTests package)")


def work_dir(prefix):
    """A fresh work folder with www/data.json (PAYLOAD) for the nginx upstream."""
    work = tempfile.mkdtemp(prefix=prefix)
    os.chmod(work, 0o755)  # nginx workers run as nobody
    os.makedirs(os.path.join(work, "www"))
    with open(os.path.join(work, "www", "data.json"), "wb") as f:
        f.write(PAYLOAD)
    return work


def print_ratio_table(results, args, baseline, label):
    """The median table of an interleaved run, each target's rps against `baseline`'s, with the
    rps of every round; returns the non-2xx count of the measured runs (also printed)."""
    base = statistics.median(x["rps"] for x in results[baseline])
    print(f"\nwrk -t1 -c{args.connections} -d{args.duration}s --latency, {args.rounds} interleaved rounds, median\n")
    print(f"| target | rps | p50 ms | p99 ms | rps / {label} | rps per round |")
    print("|---|---:|---:|---:|---:|---|")
    for name, runs in results.items():
        rps = statistics.median(x["rps"] for x in runs)
        p50 = statistics.median(x["p50"] for x in runs)
        p99 = statistics.median(x["p99"] for x in runs)
        per_round = ", ".join(f"{x['rps'] / 1000:.1f}k" for x in runs)
        print(f"| {name} | {rps:,.0f} | {p50:.3f} | {p99:.3f} | {rps / base:.2f} | {per_round} |")
    print_round_ratios(results, baseline)
    bad = sum(x["non2xx"] for runs in results.values() for x in runs)
    print(f"\nnon-2xx responses in measured runs: {bad}")
    return bad


def start_coproxy(work, name, jar, port, apps, args):
    """Starts a Coproxy jar on port with app_path apps; returns (process, key for bench-auth)."""
    conf = os.path.join(work, name + ".json")
    with open(conf, "w") as f:
        json.dump({"listen_address": "127.0.0.1", "listen_port": port, "secret": SECRET, "app_path": apps}, f)
    log = open(os.path.join(work, name + ".log"), "w")
    proc = subprocess.Popen(["java"] + args.java_opts.split() + ["-jar", jar, "--conf", conf],
                            stdout=log, stderr=subprocess.STDOUT, cwd=work)
    wait_http(f"http://127.0.0.1:{port}/hello")
    req = urllib.request.Request(f"http://127.0.0.1:{port}/tyk/keys", method="POST",
                                 data=json.dumps({"org_id": "bench", "access_rights": {
                                     "bench-auth": {"api_id": "bench-auth", "versions": ["Default"]}}}).encode(),
                                 headers={"x-tyk-authorization": SECRET})
    return proc, json.load(urllib.request.urlopen(req))["key"]


def main():
    args = parse_args(lambda ap: ap.add_argument(
        "--baseline-jar", help="an earlier build's fat jar, measured in the same rounds (targets named 'before')"))
    require_tools()
    work = work_dir("coproxy-bench-")
    up, px, gw, old = free_port(), free_port(), free_port(), free_port()
    pids, procs = [], []
    try:
        pids.append(start_nginx(work, "upstream",
                                f"server {{ listen 127.0.0.1:{up}; root {work}/www; default_type application/json; }}"))
        pids.append(start_nginx(work, "proxy", f"""
  upstream backend {{ server 127.0.0.1:{up}; keepalive 64; keepalive_requests 1000000; }}
  server {{ listen 127.0.0.1:{px};
    location / {{ proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }} }}"""))
        time.sleep(0.5)

        apps = os.path.join(work, "apps")
        os.makedirs(apps)
        target = f"http://127.0.0.1:{up}/"
        for api_id, path, keyless in (("bench-keyless", "/k/", True), ("bench-auth", "/a/", False)):
            with open(os.path.join(apps, api_id + ".json"), "w") as f:
                json.dump({"api_id": api_id, "org_id": "bench", "use_keyless": keyless,
                           "proxy": {"listen_path": path, "target_url": target, "strip_listen_path": True}}, f)
        proc, key = start_coproxy(work, "coproxy", JAR, gw, apps, args)
        procs.append(proc)
        targets = [
            ("upstream direct", f"http://127.0.0.1:{up}/data.json", ()),
            ("nginx proxy", f"http://127.0.0.1:{px}/data.json", (), nginx_workers(pids[1])),
            ("coproxy keyless", f"http://127.0.0.1:{gw}/k/data.json", (), (proc.pid,)),
            ("coproxy token auth", f"http://127.0.0.1:{gw}/a/data.json", (f"Authorization: {key}",), (proc.pid,)),
        ]
        if args.baseline_jar:
            before, old_key = start_coproxy(work, "baseline", args.baseline_jar, old, apps, args)
            procs.append(before)
            targets += [
                ("coproxy keyless, before", f"http://127.0.0.1:{old}/k/data.json", (), (before.pid,)),
                ("coproxy token auth, before", f"http://127.0.0.1:{old}/a/data.json", (f"Authorization: {old_key}",), (before.pid,)),
            ]
        results = measure(targets, args)

        nginx = statistics.median(x["rps"] for x in results["nginx proxy"])
        nginx_p99 = statistics.median(x["p99"] for x in results["nginx proxy"])
        nginx_cpu = statistics.median(x["cpu_us"] for x in results["nginx proxy"])
        print(f"\nwrk -t1 -c{args.connections} -d{args.duration}s --latency, {args.rounds} interleaved rounds, median\n")
        print("| target | rps | p50 ms | p99 ms | rps / nginx | p99 / nginx | CPU us/req | CPU / nginx | rps per round | CPU per round |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---|---|")
        for t in targets:
            runs = results[t[0]]
            rps = statistics.median(x["rps"] for x in runs)
            p50 = statistics.median(x["p50"] for x in runs)
            p99 = statistics.median(x["p99"] for x in runs)
            per_round = ", ".join(f"{x['rps'] / 1000:.1f}k" for x in runs)
            cpus = [x["cpu_us"] for x in runs if "cpu_us" in x]
            cpu = f"{statistics.median(cpus):.1f} | {statistics.median(cpus) / nginx_cpu:.2f}" if cpus else " | "
            cpu_rounds = ", ".join(f"{c:.1f}" for c in cpus)
            print(f"| {t[0]} | {rps:,.0f} | {p50:.3f} | {p99:.3f} | {rps / nginx:.2f} | {p99 / nginx_p99:.2f} | {cpu} | {per_round} | {cpu_rounds} |")
        print_round_ratios(results, "nginx proxy")
        bad = sum(x["non2xx"] for runs in results.values() for x in runs)
        print(f"\nnon-2xx responses in measured runs: {bad}")
    finally:
        stop_all(procs, pids)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
