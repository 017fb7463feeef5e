#!/usr/bin/env python3
"""Coprocess path benchmark: the same keyless API without hooks and with one pre hook served by a
no-op in-JVM driver (dev.coproxy.testing.BenchGateway), plus the upstream direct, in one
interleaved run. Shows what building the coprocess.Object, two event-bus hops and applying the
reply cost per request.

    mvn -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
    python3 bench/hooks.py [--rounds 3] [--duration 10] [--connections 50] [--warmup 20]
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

    work = tempfile.mkdtemp(prefix="coproxy-hookbench-")
    os.chmod(work, 0o755)
    up, gw = bench.free_port(), bench.free_port()
    os.makedirs(os.path.join(work, "www"))
    with open(os.path.join(work, "www", "data.json"), "wb") as f:
        f.write(bench.PAYLOAD)
    pids, proc = [], None
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
                definition["custom_middleware"] = {"driver": "noop", "pre": [{"name": "noop"}]}
            with open(os.path.join(apps, api_id + ".json"), "w") as f:
                json.dump(definition, f)
        log = open(os.path.join(work, "gateway.log"), "w")
        proc = subprocess.Popen(["java"] + args.java_opts.split() + ["-cp", classpath, "dev.coproxy.testing.BenchGateway",
                                                                      str(gw), apps], stdout=log, stderr=subprocess.STDOUT)
        bench.wait_http(f"http://127.0.0.1:{gw}/hello")
        time.sleep(1)
        targets = [
            ("upstream direct", f"http://127.0.0.1:{up}/data.json"),
            ("coproxy, no hooks", f"http://127.0.0.1:{gw}/plain/data.json"),
            ("coproxy, 1 pre hook (no-op driver)", f"http://127.0.0.1:{gw}/hooked/data.json"),
        ]
        bench.print_hook_table(bench.measure(targets, args), args)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                proc.kill()
        for pidfile in pids:
            bench.stop_nginx(pidfile)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
