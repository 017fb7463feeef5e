#!/usr/bin/env python3
"""Lua driver benchmark: the same keyless API without hooks and with one trivial Lua pre hook
(sets one header through tyk.req.set_header), plus the upstream direct, in one interleaved run.
The gateway is the real one (dev.coproxy.app.Main) with enable_coprocess on and the script in
<middleware_path>/lua/. Issue 6's target: 0.85x the no-hook throughput or better.

    mvn -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
    python3 bench/lua.py [--rounds 3] [--duration 10] [--connections 50] [--warmup 20] [--java-opts ...]
"""

import json
import os

from hookbench import HookBench

SCRIPT = """
function bench_pre(request, session, spec)
  tyk.req.set_header("X-Lua", "1")
  return request, session
end
"""


def main():
    with HookBench("luabench") as b:
        middleware = os.path.join(b.work, "middleware")
        os.makedirs(os.path.join(middleware, "lua"))
        with open(os.path.join(middleware, "lua", "bench.lua"), "w") as f:
            f.write(SCRIPT)
        b.write_apis("lua", "bench_pre")
        conf = os.path.join(b.work, "coproxy.json")
        with open(conf, "w") as f:
            json.dump({"listen_address": "127.0.0.1", "listen_port": b.gw, "app_path": b.apps, "secret": "bench-secret",
                       "middleware_path": middleware, "coprocess_options": {"enable_coprocess": True}}, f)
        b.start_gateway("dev.coproxy.app.Main", "--conf", conf)
        b.run("coproxy, 1 Lua pre hook")


if __name__ == "__main__":
    main()
