#!/usr/bin/env python3
"""Python driver benchmark: the same keyless API without hooks and with one trivial Python pre hook
(adds one header through request.add_header), on gateways with 1, 2 and 4 Python workers, plus the
upstream direct, in one interleaved run. The gateways are the real one (dev.coproxy.app.Main), all
three running at once on their own ports with enable_coprocess on and the plugin in
<middleware_path>/python/; the idle ones cost memory, not CPU. Issue 5's target: 0.5x the no-hook
throughput or better on two cores, and throughput that grows with workers where cores allow.
The interpreter is picked as the gateway does (python3, then /usr/bin/python3, with protobuf).

    mvn -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
    python3 bench/python.py [--rounds 3] [--duration 10] [--connections 50] [--warmup 20] [--java-opts ...]
"""

import json
import os

import bench
from hookbench import HookBench

PLUGIN = """
from tyk.decorators import *


@Hook
def bench_pre(request, session, spec):
    request.add_header("X-Python", "1")
    return request, session
"""

WORKERS = (1, 2, 4)


def main():
    with HookBench("pythonbench") as b:
        middleware = os.path.join(b.work, "middleware")
        os.makedirs(os.path.join(middleware, "python"))
        with open(os.path.join(middleware, "python", "middleware.py"), "w") as f:
            f.write(PLUGIN)
        b.write_apis("python", "bench_pre")
        ports = {workers: (b.gw if workers == WORKERS[-1] else bench.free_port()) for workers in WORKERS}
        for workers, port in ports.items():
            conf = os.path.join(b.work, f"coproxy-{workers}.json")
            with open(conf, "w") as f:
                json.dump({"listen_address": "127.0.0.1", "listen_port": port, "app_path": b.apps,
                           "secret": "bench-secret", "middleware_path": middleware,
                           "coprocess_options": {"enable_coprocess": True, "python_workers": workers}}, f)
            b.start(["java"] + b.args.java_opts.split() + ["-cp", b.classpath, "dev.coproxy.app.Main", "--conf", conf],
                    f"gateway-{workers}.log", f"http://127.0.0.1:{port}/hello")
        targets = [("upstream direct", f"http://127.0.0.1:{b.up}/data.json"),
                   ("coproxy, no hooks", f"http://127.0.0.1:{b.gw}/plain/data.json")]
        for workers, port in ports.items():
            targets.append((f"coproxy, 1 Python pre hook, {workers} worker{'s' if workers > 1 else ''}",
                            f"http://127.0.0.1:{port}/hooked/data.json"))
        bench.print_hook_table(bench.measure(targets, b.args), b.args)
        if b.args.light_connections > 0:
            b.run_light(targets[1:])


if __name__ == "__main__":
    main()
