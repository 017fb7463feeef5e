#!/usr/bin/env python3
"""ID extractor benchmark (issue 7): an auth_check API whose ID extractor serves a cached ID,
against the same gateway's standard token auth, plus the upstream direct, in one interleaved run.
The auth_check plugin is a real Lua script authorising every call with an id_extractor_deadline
an hour ahead, so after the first request every call should be a cache hit. Target: 0.9x the
token-auth throughput or better, with the plugin called once per ID per deadline; the call count
and the hit/miss counts are read from /metrics after the run.

    mvn -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
    python3 bench/idextractor.py [--rounds 3] [--duration 10] [--connections 50] [--warmup 20] [--java-opts ...]
"""

import json
import os
import re
import sys
import urllib.request

import bench
from hookbench import HookBench

SCRIPT = """
function bench_auth(request, session, metadata, spec)
  session.rate = 0
  session.id_extractor_deadline = os.time() + 3600
  metadata.token = request.headers["Authorization"]
  return request, session, metadata
end
"""

CACHED_ID = "bench-cached-credential"


def write_apis(b):
    """/token/: standard token auth; /cached/: auth_check (Lua) with an ID extractor on Authorization."""
    target = f"http://127.0.0.1:{b.up}/"
    token = {"api_id": "token", "org_id": "bench", "use_keyless": False,
             "proxy": {"listen_path": "/token/", "target_url": target, "strip_listen_path": True}}
    cached = {"api_id": "cached", "org_id": "bench", "use_keyless": False, "custom_plugin_auth_enabled": True,
              "custom_middleware": {"driver": "lua", "auth_check": {"name": "bench_auth"},
                                    "id_extractor": {"extract_from": "header", "extract_with": "value",
                                                     "extractor_config": {"header_name": "Authorization"}}},
              "proxy": {"listen_path": "/cached/", "target_url": target, "strip_listen_path": True}}
    for definition in (token, cached):
        with open(os.path.join(b.apps, definition["api_id"] + ".json"), "w") as f:
            json.dump(definition, f)


def metric(text, name, **labels):
    """Sum of the samples of `name` whose labels include the given ones."""
    total = 0.0
    for m in re.finditer(rf"^{re.escape(name)}\{{([^}}]*)\}} (\S+)$", text, re.M):
        if all(f'{k}="{v}"' in m.group(1) for k, v in labels.items()):
            total += float(m.group(2))
    return total


def main():
    with HookBench("idxbench") as b:
        middleware = os.path.join(b.work, "middleware")
        os.makedirs(os.path.join(middleware, "lua"))
        with open(os.path.join(middleware, "lua", "bench.lua"), "w") as f:
            f.write(SCRIPT)
        write_apis(b)
        conf = os.path.join(b.work, "coproxy.json")
        with open(conf, "w") as f:
            json.dump({"listen_address": "127.0.0.1", "listen_port": b.gw, "app_path": b.apps, "secret": bench.SECRET,
                       "middleware_path": middleware, "coprocess_options": {"enable_coprocess": True}}, f)
        b.start_gateway("dev.coproxy.app.Main", "--conf", conf)
        gw = f"http://127.0.0.1:{b.gw}"
        req = urllib.request.Request(f"{gw}/tyk/keys", method="POST", headers={"x-tyk-authorization": bench.SECRET},
                                     data=json.dumps({"org_id": "bench", "access_rights": {}}).encode())
        key = json.load(urllib.request.urlopen(req))["key"]
        bench.wait_http(f"{gw}/cached/data.json", headers={"Authorization": CACHED_ID})

        targets = [
            ("upstream direct", f"http://127.0.0.1:{b.up}/data.json", ()),
            ("coproxy token auth", f"{gw}/token/data.json", (f"Authorization: {key}",)),
            ("coproxy auth_check, cached ID", f"{gw}/cached/data.json", (f"Authorization: {CACHED_ID}",)),
        ]
        results = bench.measure(targets, b.args)
        text = urllib.request.urlopen(f"{gw}/metrics").read().decode()

        bench.print_ratio_table(results, b.args, "coproxy token auth", "token auth")
        calls = metric(text, "coproxy_hook_duration_seconds_count", api_id="cached")
        hits = metric(text, "coproxy_idextractor_total", api_id="cached", result="hit")
        misses = metric(text, "coproxy_idextractor_total", api_id="cached", result="miss")
        errors = metric(text, "coproxy_idextractor_total", api_id="cached", result="error")
        print(f"auth_check plugin calls: {calls:.0f} (1 ID, deadline 1 h: expected 1); "
              f"ID extractor hit {hits:.0f}, miss {misses:.0f}, error {errors:.0f}")
        if calls != 1:
            print("bench: the plugin was called more than once per ID per deadline", file=sys.stderr)


if __name__ == "__main__":
    main()
