#!/usr/bin/env python3
"""CPU time per request of clustered token auth with a rate limit and a quota, without wrk: a light
probe, not a throughput benchmark (no wrk, no nginx: a Python upstream in this process). Starts a
local node and two clustered nodes (as bench/cluster.py does), sends the same number of requests to each node from a few Python
threads on keep-alive connections, and reads each JVM's user+system CPU time from /proc before and
after. For a clustered node, the other member's CPU counts too (it owns half the counters).

    python3 bench/cluster_cpu.py [--jar target/coproxy.jar] [--requests 4000] [--threads 4]
"""

import argparse
import http.client
import http.server
import os
import socket
import threading
import time

import bench
from bench import PAYLOAD, free_port, wait_http, work_dir
from cluster import create_key, start_node, write_conf

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


class Upstream(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body go out in two writes: without this, Nagle and delayed ACKs add 40 ms.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(PAYLOAD)))
        self.end_headers()
        self.wfile.write(PAYLOAD)

    def log_message(self, *args):
        pass


def send(port, key, count, threads):
    errors = []

    def client(n):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for _ in range(n):
            conn.request("GET", "/a/data.json", headers={"Authorization": key})
            reply = conn.getresponse()
            reply.read()
            if reply.status != 200:
                errors.append(reply.status)
        conn.close()

    workers = [threading.Thread(target=client, args=(count // threads,)) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jar", default=bench.JAR)
    ap.add_argument("--requests", type=int, default=4000)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--java-opts", default="-Xms256m -Xmx256m -XX:+UseSerialGC")
    args = ap.parse_args()
    bench.JAR = os.path.abspath(args.jar)
    import cluster
    cluster.JAR = bench.JAR
    work = work_dir("coproxy-cluster-cpu-")
    up = free_port()
    apps = os.path.join(work, "apps")
    os.makedirs(apps)
    with open(os.path.join(apps, "bench-auth.json"), "w") as f:
        f.write('{"api_id": "bench-auth", "org_id": "bench", "use_keyless": false, "proxy": {"listen_path": "/a/",'
                f' "target_url": "http://127.0.0.1:{up}/", "strip_listen_path": true}}}}')
    local_port, a_port, b_port, hz_a, hz_b = (free_port() for _ in range(5))
    members = [f"127.0.0.1:{hz_a}", f"127.0.0.1:{hz_b}"]
    clustered = {"enabled": True, "name": "cpu-" + os.path.basename(work), "host": "127.0.0.1",
                 "bus_host": "127.0.0.1", "members": members}
    procs = []
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", up), Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    try:
        procs.append(start_node(work, "local", write_conf(work, "local", local_port, apps), args.java_opts, False))
        for name, port, hz in (("node-a", a_port, hz_a), ("node-b", b_port, hz_b)):
            procs.append(start_node(work, name, write_conf(work, name, port, apps, dict(clustered, port=hz)), args.java_opts, True))
        for port in (local_port, a_port, b_port):
            wait_http(f"http://127.0.0.1:{port}/hello", deadline=120)
        local_key, shared_key = create_key(local_port), create_key(a_port)
        targets = [("local", local_port, local_key, [procs[0]]),
                   ("cluster node A", a_port, shared_key, procs[1:]),
                   ("cluster node B", b_port, shared_key, procs[1:])]
        for _, port, key, _ in targets:  # warm-up (JIT)
            send(port, key, args.requests, args.threads)
        time.sleep(3)
        # What the JVMs burn idle (timers, Hazelcast heartbeats) is taken out of the per-request figure.
        idle_before = [cpu_seconds(p.pid) for p in procs]
        time.sleep(5)
        idle = [(cpu_seconds(p.pid) - b) / 5 for p, b in zip(procs, idle_before)]
        print(f"idle CPU ms/s: local {idle[0] * 1000:.0f}, node A {idle[1] * 1000:.0f}, node B {idle[2] * 1000:.0f}\n")
        print("| target | requests | wall s | rps | JVM CPU ms (idle taken out) | CPU us / request |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, port, key, jvms in targets:
            before = sum(cpu_seconds(p.pid) for p in jvms)
            start = time.time()
            errors = send(port, key, args.requests, args.threads)
            wall = time.time() - start
            used = sum(cpu_seconds(p.pid) for p in jvms) - before - wall * sum(idle[procs.index(p)] for p in jvms)
            print(f"| {name} | {args.requests} | {wall:.1f} | {args.requests / wall:,.0f} | {used * 1000:.0f} "
                  f"| {used * 1e6 / args.requests:.0f} |" + (f" errors {errors[:5]}" if errors else ""))
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(30)
        upstream.shutdown()


if __name__ == "__main__":
    main()
