"""Shared set-up of the hook benchmarks (hooks.py, lua.py, grpc.py): an nginx upstream serving
bench.PAYLOAD, two keyless APIs to it (one plain, one with a single pre hook on a given driver),
the processes a benchmark starts, and their clean-up. Each benchmark adds only what differs."""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

import bench

SETUP = "mvn -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt"


class HookBench:
    """Use as a context manager: the work folder, nginx and every started process are cleaned up."""

    def __init__(self, name, extra_args=None, upstream=True):
        def options(ap):
            if extra_args:
                extra_args(ap)
            ap.add_argument("--light-connections", type=int, default=1,
                            help="connections of the light-load latency table (0: skip it)")
        self.args = bench.parse_args(options)
        cp_file = os.path.join(bench.ROOT, "target", "cp.txt")
        test_classes = os.path.join(bench.ROOT, "target", "test-classes")
        if not os.path.exists(cp_file) or not os.path.isdir(test_classes):
            sys.exit("bench: run first: " + SETUP)
        self.classpath = ":".join([os.path.join(bench.ROOT, "target", "classes"), test_classes,
                                   open(cp_file).read().strip()])
        bench.require_tools(jar=False)
        self.work = bench.work_dir(f"coproxy-{name}-")
        self.apps = os.path.join(self.work, "apps")
        self.up, self.gw = bench.free_port(), bench.free_port()
        self.pids, self.procs = [], []
        self.upstream = upstream

    def __enter__(self):
        """Starts the nginx upstream, unless made with upstream=False (a benchmark without HTTP)."""
        os.makedirs(self.apps)
        if self.upstream:
            self.pids.append(bench.start_nginx(self.work, "upstream",
                                               f"server {{ listen 127.0.0.1:{self.up}; root {self.work}/www; "
                                               f"default_type application/json; }}"))
        return self

    def write_apis(self, driver, hook):
        """/plain/ without hooks and /hooked/ with one pre hook named `hook` on `driver`."""
        for api_id, hooked in (("plain", False), ("hooked", True)):
            definition = {"api_id": api_id, "org_id": "bench", "use_keyless": True,
                          "proxy": {"listen_path": f"/{api_id}/", "target_url": f"http://127.0.0.1:{self.up}/",
                                    "strip_listen_path": True}}
            if hooked:
                definition["custom_middleware"] = {"driver": driver, "pre": [{"name": hook}]}
            with open(os.path.join(self.apps, api_id + ".json"), "w") as f:
                json.dump(definition, f)

    def start(self, command, log_name, ready=None):
        """Starts a process logging to the work folder; waits until `ready` (a URL answering, or a
        word in its log) holds, for 30 s at the most."""
        log_path = os.path.join(self.work, log_name)
        proc = subprocess.Popen(command, stdout=open(log_path, "w"), stderr=subprocess.STDOUT)
        self.procs.append(proc)
        if ready and ready.startswith("http"):
            bench.wait_http(ready)
        elif ready:
            deadline = time.time() + 30
            while ready not in open(log_path).read():
                if time.time() > deadline or proc.poll() is not None:
                    sys.exit(f"bench: {log_name} never said '{ready}': " + open(log_path).read())
                time.sleep(0.1)
        return proc

    def start_gateway(self, main_class, *extra):
        """A gateway JVM (with --java-opts) on the bench port; ready when /hello answers."""
        self.start(["java"] + self.args.java_opts.split() + ["-cp", self.classpath, main_class] + list(extra),
                   "gateway.log", f"http://127.0.0.1:{self.gw}/hello")
        time.sleep(1)

    def run(self, hooked_label):
        targets = [
            ("upstream direct", f"http://127.0.0.1:{self.up}/data.json"),
            ("coproxy, no hooks", f"http://127.0.0.1:{self.gw}/plain/data.json"),
            (hooked_label, f"http://127.0.0.1:{self.gw}/hooked/data.json"),
        ]
        bench.print_hook_table(bench.measure(targets, self.args), self.args)
        if self.args.light_connections > 0:
            self.run_light(targets[1:])

    def run_light(self, targets):
        """The added latency of a hook without queueing: under the saturating load of the main table,
        p50 is mostly the wait behind other requests; with --light-connections (default 1) at a time
        it is the time one request takes."""
        light = argparse.Namespace(**vars(self.args))
        light.connections, light.warmup = self.args.light_connections, 3
        bench.print_hook_table(bench.measure(targets, light), light)

    def __exit__(self, *exc):
        for proc in reversed(self.procs):
            proc.terminate()
            try:
                proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                proc.kill()
        for pidfile in self.pids:
            bench.stop_nginx(pidfile)
        shutil.rmtree(self.work, ignore_errors=True)
        return False
