#!/usr/bin/env python3
"""Access-control benchmark (issue 19): what policies and path lists cost the gateway.

One Coproxy process serves four targets, measured in interleaved rounds with the gateway's own
CPU time per request (from /proc/<pid>/stat) beside the throughput:
  - "token, plain key": a token-auth API called with a key that has its own access rights;
  - "token, policy key": the same API called with a key whose access comes from a policy
    (apply_policies, policies loaded from a policy folder);
  - "keyless, no lists": a keyless API without version_data path lists;
  - "keyless, 20+20 lists": a keyless API whose version has 20 white_list and 20 black_list entries
    (mux-style and regex paths); the request matches the last white-list entry and no black one.
The figures to read are the two ratios: policy key / plain key and lists / no lists.

Needs wrk and nginx (apt-get install wrk nginx) and the fat jar (mvn -q -DskipTests package).

    python3 bench/access.py [--rounds 3] [--duration 10] [--connections 50] [--warmup 20]
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

POLICY = {"id": "bench-policy", "name": "bench", "org_id": "bench", "active": True, "rate": 0, "per": 0,
          "quota_max": -1, "quota_renewal_rate": -1,
          "access_rights": {"bench-auth": {"api_id": "bench-auth", "api_name": "bench-auth", "versions": ["Default"]}}}


def path_lists():
    """20 white-list and 20 black-list entries; /k2/item/42/detail matches the last white one."""
    def entry(path):
        return {"path": path, "method_actions": {"GET": {"action": "no_action", "code": 200, "data": "", "headers": {}}}}
    white = [entry(f"/w{i}/{{id}}") for i in range(19)] + [entry("/item/{id}/detail")]
    black = [entry(f"/b{i}/[0-9]+/x") for i in range(10)] + [entry(f"/admin{i}/{{id}}") for i in range(10)]
    return {"not_versioned": True, "default_version": "Default", "versions": {"Default": {
        "name": "Default", "use_extended_paths": True,
        "extended_paths": {"white_list": white, "black_list": black}}}}


def rounds(runs, field, scale, unit):
    return ", ".join(f"{x[field] / scale:.1f}{unit}" for x in runs)


def post(port, path, body):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method="POST", data=json.dumps(body).encode(),
                                 headers={"x-tyk-authorization": bench.SECRET})
    return json.load(urllib.request.urlopen(req))


def main():
    args = bench.parse_args()
    bench.require_tools()
    work = bench.work_dir("coproxy-access-")
    up, gw = bench.free_port(), bench.free_port()
    pids, proc = [], None
    try:
        pids.append(bench.start_nginx(work, "upstream",
                                      f"server {{ listen 127.0.0.1:{up}; root {work}/www; default_type application/json;"
                                      f" location / {{ try_files $uri /data.json; }} }}"))
        apps, policies = os.path.join(work, "apps"), os.path.join(work, "policies")
        os.makedirs(apps)
        os.makedirs(policies)
        with open(os.path.join(policies, "bench-policy.json"), "w") as f:
            json.dump(POLICY, f)
        target = f"http://127.0.0.1:{up}/"
        apis = [("bench-auth", "/a/", False, None), ("bench-keyless", "/k/", True, None),
                ("bench-lists", "/k2/", True, path_lists())]
        for api_id, path, keyless, versions in apis:
            definition = {"api_id": api_id, "org_id": "bench", "use_keyless": keyless,
                          "proxy": {"listen_path": path, "target_url": target, "strip_listen_path": True}}
            if versions:
                definition["version_data"] = versions
            with open(os.path.join(apps, api_id + ".json"), "w") as f:
                json.dump(definition, f)
        conf = os.path.join(work, "coproxy.json")
        with open(conf, "w") as f:
            json.dump({"listen_address": "127.0.0.1", "listen_port": gw, "secret": bench.SECRET, "app_path": apps,
                       "policies": {"policy_source": "file", "policy_path": policies}}, f)
        log = open(os.path.join(work, "coproxy.log"), "w")
        proc = subprocess.Popen(["java"] + args.java_opts.split() + ["-jar", bench.JAR, "--conf", conf],
                                stdout=log, stderr=subprocess.STDOUT, cwd=work)
        bench.wait_http(f"http://127.0.0.1:{gw}/hello")
        plain = post(gw, "/tyk/keys", {"org_id": "bench", "access_rights": POLICY["access_rights"]})["key"]
        policy = post(gw, "/tyk/keys", {"org_id": "bench", "apply_policies": ["bench-policy"]})["key"]
        targets = [
            ("coproxy token, plain key", f"http://127.0.0.1:{gw}/a/data.json", (f"Authorization: {plain}",), (proc.pid,)),
            ("coproxy token, policy key", f"http://127.0.0.1:{gw}/a/data.json", (f"Authorization: {policy}",), (proc.pid,)),
            ("coproxy keyless, no lists", f"http://127.0.0.1:{gw}/k/item/42/detail", (), (proc.pid,)),
            ("coproxy keyless, 20+20 lists", f"http://127.0.0.1:{gw}/k2/item/42/detail", (), (proc.pid,)),
        ]
        results = bench.measure(targets, args)
        print(f"\nwrk -t1 -c{args.connections} -d{args.duration}s --latency, {args.rounds} interleaved rounds, median\n")
        print("| target | rps | p50 ms | p99 ms | gateway CPU us/req | rps per round | CPU per round |")
        print("|---|---:|---:|---:|---:|---|---|")
        for name, _, _, _ in targets:
            runs = results[name]
            print(f"| {name} | {statistics.median(x['rps'] for x in runs):,.0f} "
                  f"| {statistics.median(x['p50'] for x in runs):.3f} | {statistics.median(x['p99'] for x in runs):.3f} "
                  f"| {statistics.median(x['cpu_us'] for x in runs):.1f} "
                  f"| {rounds(runs, 'rps', 1000, 'k')} | {rounds(runs, 'cpu_us', 1, '')} |")
        for simple, richer in ((targets[0][0], targets[1][0]), (targets[2][0], targets[3][0])):
            rps = [r["rps"] / s["rps"] for s, r in zip(results[simple], results[richer])]
            cpu = [r["cpu_us"] / s["cpu_us"] for s, r in zip(results[simple], results[richer])]
            print(f"\n{richer} / {simple}: rps round by round {' '.join(f'{x:.2f}' for x in rps)},"
                  f" median {statistics.median(rps):.2f}; CPU per request {' '.join(f'{x:.2f}' for x in cpu)},"
                  f" median {statistics.median(cpu):.2f}")
        bad = sum(x["non2xx"] for runs in results.values() for x in runs)
        print(f"\nnon-2xx responses in measured runs: {bad}")
        if bad:
            sys.exit("bench: some answers were not 2xx; the figures do not measure the intended path")
    finally:
        if proc:
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
