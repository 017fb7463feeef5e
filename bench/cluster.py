#!/usr/bin/env python3
"""Clustered mode's price: two clustered Coproxy nodes (Hazelcast on loopback, shared store) against
one local node, all proxying to the same nginx upstream, token auth with a quota on every request
(a session read and an atomic quota increment per call, in the cluster-wide store when clustered).

Each node is measured alone, in interleaved rounds; the table gives each clustered node's rps as a
share of the local node's (target: 0.7x or better per node). Reuses bench.py's helpers.

    python3 bench/cluster.py --java-opts "-Xms512m -Xmx512m -XX:+UseParallelGC"
"""

import json
import os
import subprocess
import sys
import urllib.request

from bench import (JAR, SECRET, free_port, measure, parse_args, print_ratio_table, require_tools, start_nginx,
                   stop_nginx, wait_http, work_dir)


def write_conf(work, name, port, apps, cluster=None):
    conf = {"listen_address": "127.0.0.1", "listen_port": port, "secret": SECRET, "app_path": apps}
    if cluster:
        conf["cluster"] = cluster
    path = os.path.join(work, name + ".json")
    with open(path, "w") as f:
        json.dump(conf, f)
    return path


def start_node(work, name, conf, java_opts, clustered):
    log = open(os.path.join(work, name + ".log"), "w")
    cmd = ["java"] + java_opts.split() + ["-jar", JAR, "--conf", conf] + (["--cluster"] if clustered else [])
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=work)


def create_key(port):
    session = {"org_id": "bench", "access_rights": {}, "rate": 1000000, "per": 1,
               "quota_max": 1000000000, "quota_renewal_rate": 3600}
    req = urllib.request.Request(f"http://127.0.0.1:{port}/tyk/keys", method="POST",
                                 data=json.dumps(session).encode(), headers={"x-tyk-authorization": SECRET})
    return json.load(urllib.request.urlopen(req))["key"]


def main():
    args = parse_args()
    require_tools()
    work = work_dir("coproxy-cluster-bench-")
    up = free_port()
    apps = os.path.join(work, "apps")
    os.makedirs(apps)
    with open(os.path.join(apps, "bench-auth.json"), "w") as f:
        json.dump({"api_id": "bench-auth", "org_id": "bench", "use_keyless": False,
                   "proxy": {"listen_path": "/a/", "target_url": f"http://127.0.0.1:{up}/",
                             "strip_listen_path": True}}, f)

    local_port, a_port, b_port = free_port(), free_port(), free_port()
    hz_a, hz_b = free_port(), free_port()
    cluster = {"enabled": True, "name": "bench-" + os.path.basename(work), "host": "127.0.0.1",
               "bus_host": "127.0.0.1", "members": [f"127.0.0.1:{hz_a}", f"127.0.0.1:{hz_b}"]}
    pids, procs = [], []
    try:
        pids.append(start_nginx(work, "upstream",
                                f"server {{ listen 127.0.0.1:{up}; root {work}/www; default_type application/json; }}"))
        procs.append(start_node(work, "local", write_conf(work, "local", local_port, apps), args.java_opts, False))
        for name, port, hz in (("node-a", a_port, hz_a), ("node-b", b_port, hz_b)):
            conf = write_conf(work, name, port, apps, dict(cluster, port=hz))
            procs.append(start_node(work, name, conf, args.java_opts, True))
        for port in (local_port, a_port, b_port):
            wait_http(f"http://127.0.0.1:{port}/hello", deadline=120)

        local_key = create_key(local_port)
        shared_key = create_key(a_port)  # created on A, used on both clustered nodes
        targets = [
            ("coproxy local", f"http://127.0.0.1:{local_port}/a/data.json", (f"Authorization: {local_key}",)),
            ("coproxy cluster node A", f"http://127.0.0.1:{a_port}/a/data.json", (f"Authorization: {shared_key}",)),
            ("coproxy cluster node B", f"http://127.0.0.1:{b_port}/a/data.json", (f"Authorization: {shared_key}",)),
        ]
        results = measure(targets, args)

        print_ratio_table(results, args, "coproxy local", "local")
        # The quota counter is shared: the clustered key's usage is the sum of both nodes' calls.
        req = urllib.request.Request(f"http://127.0.0.1:{b_port}/tyk/keys/{shared_key}",
                                     headers={"x-tyk-authorization": SECRET})
        described = json.load(urllib.request.urlopen(req))
        print(f"shared key quota used (both clustered nodes, warm-up included): "
              f"{described['quota_max'] - described['quota_remaining']:,}")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=40)
            except subprocess.TimeoutExpired:
                p.kill()
        for pid in pids:
            stop_nginx(pid)
        print(f"work dir (logs): {work}", file=sys.stderr)


if __name__ == "__main__":
    main()
