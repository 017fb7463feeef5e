#!/usr/bin/env python3
"""gRPC driver benchmark: the same keyless API without hooks and with one pre hook sent through the
gRPC driver to a trivial Java plugin server on this machine (dev.coproxy.coprocess.grpc.TestPluginServer
in its own JVM; the hook returns the object unchanged), plus the upstream direct, in one interleaved
run. Target from issue 4: 0.7x the no-hook throughput or better, under 0.5 ms added at p50.

    mvn -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
    python3 bench/grpc.py [--rounds 3] [--duration 10] [--connections 50] [--warmup 20]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import bench

ROOT = bench.ROOT


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--java-opts", default="-Xms512m -Xmx512m")
    args = ap.parse_args()
    cp_file = os.path.join(ROOT, "target", "cp.txt")
    if not os.path.exists(cp_file) or not os.path.isdir(os.path.join(ROOT, "target", "test-classes")):
        sys.exit("bench: run first: mvn -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt")
    classpath = ":".join([os.path.join(ROOT, "target", "classes"), os.path.join(ROOT, "target", "test-classes"),
                          open(cp_file).read().strip()])

    work = tempfile.mkdtemp(prefix="coproxy-grpcbench-")
    os.chmod(work, 0o755)
    up, gw, plug = bench.free_port(), bench.free_port(), bench.free_port()
    os.makedirs(os.path.join(work, "www"))
    with open(os.path.join(work, "www", "data.json"), "wb") as f:
        f.write(bench.PAYLOAD)
    pids, proc, plugin = [], None, None
    try:
        pids.append(bench.start_nginx(work, "upstream",
                                      f"server {{ listen 127.0.0.1:{up}; root {work}/www; default_type application/json; }}"))
        apps = os.path.join(work, "apps")
        os.makedirs(apps)
        target = f"http://127.0.0.1:{up}/"
        for api_id, path, hooks in (("plain", "/plain/", None), ("hooked", "/hooked/", "noop")):
            definition = {"api_id": api_id, "org_id": "bench", "use_keyless": True,
                          "proxy": {"listen_path": path, "target_url": target, "strip_listen_path": True}}
            if hooks:
                definition["custom_middleware"] = {"driver": "grpc", "pre": [{"name": "noop"}]}
            with open(os.path.join(apps, api_id + ".json"), "w") as f:
                json.dump(definition, f)
        plugin_log = open(os.path.join(work, "plugin.log"), "w")
        plugin = subprocess.Popen(["java", "-Xms256m", "-Xmx256m", "-cp", classpath,
                                   "dev.coproxy.coprocess.grpc.TestPluginServer", str(plug)],
                                  stdout=plugin_log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while "ready" not in open(os.path.join(work, "plugin.log")).read():
            if time.time() > deadline or plugin.poll() is not None:
                sys.exit("bench: the plugin server did not start: " + open(os.path.join(work, "plugin.log")).read())
            time.sleep(0.1)
        log = open(os.path.join(work, "gateway.log"), "w")
        proc = subprocess.Popen(["java"] + args.java_opts.split() + ["-cp", classpath,
                                                                      "dev.coproxy.coprocess.grpc.GrpcBenchGateway",
                                                                      str(gw), apps, str(plug)],
                                stdout=log, stderr=subprocess.STDOUT)
        bench.wait_http(f"http://127.0.0.1:{gw}/hello")
        time.sleep(1)
        targets = [
            ("upstream direct", f"http://127.0.0.1:{up}/data.json"),
            ("coproxy, no hooks", f"http://127.0.0.1:{gw}/plain/data.json"),
            ("coproxy, 1 pre hook (gRPC driver)", f"http://127.0.0.1:{gw}/hooked/data.json"),
        ]
        bench.print_hook_table(bench.measure(targets, args), args)
    finally:
        for p in (proc, plugin):
            if p is None:
                continue
            p.terminate()
            try:
                p.wait(timeout=40)
            except subprocess.TimeoutExpired:
                p.kill()
        for pidfile in pids:
            bench.stop_nginx(pidfile)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
