#!/usr/bin/env python3
"""Two builds' hook path side by side (issue 21): for each jar, a gateway with a keyless API and
one with a no-op `pre` hook of one driver (cpu.py's: gRPC against one Java example plugin server,
Python on one worker, or Lua), measured in the same interleaved rounds. Prints each row's gateway
CPU per request (median and rounds), the plugin processes' apart, and what the hook adds over that
gateway's keyless path. Uses cpu.py's set-up; needs what it needs (the fat jar, target/cp.txt,
nginx, wrk).

    python3 bench/hook_ab.py --jar-a OLD.jar [--jar-b target/coproxy.jar] [--driver grpc|python|lua]
        [--rounds 5] [--duration 10] [--warmup 20]
"""

import os
import statistics
import sys

import bench
import cpu


def main():
    def options(ap):
        ap.add_argument("--jar-a", required=True, help="the first build's fat jar")
        ap.add_argument("--jar-b", default=bench.JAR, help="the second build's fat jar (default: this build)")
        ap.add_argument("--driver", choices=("grpc", "python", "lua"), default="grpc")
    args = bench.parse_args(options)
    bench.require_tools()
    run = cpu.Run(args)
    try:
        work, up = run.work, bench.free_port()
        run.pidfiles.append(bench.start_nginx(work, "upstream", f"server {{ listen 127.0.0.1:{up}; root {work}/www; "
                                                                f"default_type application/json; }}"))
        target = f"http://127.0.0.1:{up}/"
        apps, middleware = os.path.join(work, "apps"), os.path.join(work, "middleware")
        for folder, name, text in (("lua", "bench.lua", cpu.LUA_SCRIPT), ("python", "middleware.py", cpu.PLUGIN)):
            os.makedirs(os.path.join(middleware, folder))
            with open(os.path.join(middleware, folder, name), "w") as f:
                f.write(text)
        hooked = cpu.grpc_api(target) if args.driver == "grpc" else cpu.api(
            args.driver, "/" + args.driver + "/", target, middleware={"driver": args.driver, "pre": [{"name": "bench_pre"}]})
        hooked["proxy"]["listen_path"] = "/hooked/"
        cpu.write_apis(apps, [cpu.api("keyless", "/k/", target), hooked])
        coprocess, servers = {"python_workers": 1}, ()
        if args.driver == "grpc":
            port = bench.free_port()
            classpath = os.path.join(bench.ROOT, "target", "classes") + ":" + open(cpu.CP_FILE).read().strip()
            servers = (run.start(["java", "-cp", classpath, os.path.join(bench.ROOT, "examples", "java", "PluginServer.java"),
                                  str(port)], "java-plugin.log", "plugin server ready").pid,)
            coprocess["coprocess_grpc_server"] = f"tcp://127.0.0.1:{port}"
        targets = []
        for label, jar in (("A", args.jar_a), ("B", args.jar_b)):
            pid, base, _ = cpu.start_gateway(run, "gateway-" + label, os.path.abspath(jar), apps, middleware, coprocess)
            cpu.check(base + "/hooked/data.json", (), "")
            plugins = servers or tuple(bench.children(pid)) if args.driver != "lua" else ()
            targets.append((f"coproxy {label} keyless", base + "/k/data.json", (), (pid,), ()))
            targets.append((f"coproxy {label} {args.driver} pre hook", base + "/hooked/data.json", (), (pid,), plugins))
        results = bench.measure(targets, args)
        print(f"\nA = {args.jar_a}, B = {args.jar_b}; wrk -t1 -c{args.connections} -d{args.duration}s, "
              f"{args.rounds} interleaved rounds, medians\n")
        print("| target | gateway CPU us/req | hook adds (us) | plugin processes CPU us/req | per-round gateway CPU |")
        print("|---|---:|---:|---:|---|")
        for name, *_ in targets:
            runs = results[name]
            cpu_us = statistics.median(x["cpu_us"] for x in runs)
            keyless = name.replace(f"{args.driver} pre hook", "keyless")
            adds = f"{cpu_us - statistics.median(x['cpu_us'] for x in results[keyless]):+.1f}" if keyless != name else ""
            plugin = f"{statistics.median(x['plugin_us'] for x in runs):.1f}" if "plugin_us" in runs[0] else ""
            rounds = ", ".join(f"{x['cpu_us']:.1f}" for x in runs)
            print(f"| {name} | {cpu_us:.1f} | {adds} | {plugin} | {rounds} |")
        bad = sum(x["non2xx"] for runs in results.values() for x in runs)
        print(f"\nnon-2xx responses in measured runs: {bad}")
    finally:
        run.stop()


if __name__ == "__main__":
    sys.exit(main())
