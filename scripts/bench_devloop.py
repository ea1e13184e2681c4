"""The developer's loop, for scripts/bench: how soon a code change answers, and cold starts.

reload     writes bench/results/reload.json: a warm Python and a warm Node.js function behind the
           gateway; their handler file is rewritten (to a temporary, renamed over it, as editors
           save) with a new version string, and the gateway polled every 2 ms (a tighter loop
           would take the CPU the new worker starts on) until the new version answers: the time
           from the rename to that answer (median, p90, worst of --samples), and beside it the
           new workers' Init Duration. While watching, the new worker is the function's standby
           process (emulator/invoker/standby.hpp), started ahead: its Init Duration counts from
           its release, the handler's import. Target: under 100 ms.
coldstart  writes bench/results/coldstart.json: an app of --samples functions per runtime with
           the smallest handler, each invoked once through the gateway (so each is a cold start),
           and Lambda's Init Duration from each REPORT line (median, min, max), beside the bare
           interpreter's start-up as the floor (`python3 -c pass`, `node -e 0`, the median of
           --samples runs; for python3 also through the shim on PATH when it is one).
"""
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
import urllib.parse

PY_HANDLER = "def main(event, context):\n    return {\"version\": %r}\n"
NODE_HANDLER = "export const main = async () => ({ version: %r });\n"


def _save(path, text):
    tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".tmp")
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def _percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _summary(values):
    return {"median_ms": round(statistics.median(values), 2),
            "p90_ms": round(_percentile(values, 90), 2),
            "min_ms": round(min(values), 2), "max_ms": round(max(values), 2),
            "samples": len(values)}


class _Client:
    """One keep-alive connection to the gateway."""

    def __init__(self, base):
        u = urllib.parse.urlparse(base)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)

    def get_json(self, path):
        self.conn.request("GET", path)
        res = self.conn.getresponse()
        body = res.read()
        if res.status != 200:
            raise SystemExit(f"GET {path} answered {res.status}: {body[:300]!r}")
        return json.loads(body)


def _reload_app(directory):
    os.makedirs(os.path.join(directory, "py"))
    os.makedirs(os.path.join(directory, "web"))
    with open(os.path.join(directory, "serverless.yml"), "w") as f:
        f.write("service: reload-bench\nprovider:\n  name: aws\n  runtime: python3.11\n"
                "functions:\n"
                "  py:\n    handler: py/handler.main\n    events:\n      - httpApi: 'GET /py'\n"
                "  node:\n    runtime: nodejs20.x\n    handler: web/handler.main\n"
                "    events:\n      - httpApi: 'GET /node'\n")
    _save(os.path.join(directory, "py", "handler.py"), PY_HANDLER % "0")
    _save(os.path.join(directory, "web", "handler.mjs"), NODE_HANDLER % "0")


def bench_reload(binary, args, up_class, results_dir):
    samples = args.samples
    directory = tempfile.mkdtemp(prefix="serverlite-bench-reload-")
    results = {"samples": samples}
    try:
        _reload_app(directory)
        up = up_class(binary, app=os.path.join(directory, "serverless.yml"))
        try:
            client = _Client(up.gateway)
            for name, path, template in (("python", "py/handler.py", PY_HANDLER),
                                         ("node", "web/handler.mjs", NODE_HANDLER)):
                route = "/py" if name == "python" else "/node"
                client.get_json(route)  # warm
                times, polls = [], []
                for i in range(1, samples + 1):
                    version = f"{name}-{i}"
                    # The previous change's new worker is warm by now, and the next standby
                    # started.
                    time.sleep(0.15)
                    begin = time.perf_counter()
                    _save(os.path.join(directory, path), template % version)
                    n = 0
                    while True:
                        n += 1
                        if client.get_json(route)["version"] == version:
                            break
                        time.sleep(0.002)
                        if time.perf_counter() - begin > 10:
                            raise SystemExit(f"{name}: version {version} never answered\n" +
                                             "\n".join(up.read_log()[-20:]))
                    times.append((time.perf_counter() - begin) * 1000)
                    polls.append(n)
                results[name] = _summary(times)
                results[name]["old_answers_median"] = statistics.median(polls) - 1
            log = up.read_log()
        finally:
            up.stop()
        for name, key in (("python", "py"), ("node", "node")):
            inits = [float(m.group(1)) for m in
                     (re.match(rf"\[{key}\] REPORT .*Init Duration: ([\d.]+) ms", l) for l in log)
                     if m]
            if len(inits) > 1:  # the first is the warm-up's
                results[name]["init_duration_median_ms"] = round(statistics.median(inits[1:]), 2)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    _write(results_dir, "reload.json", results)
    print("code change -> new code answering (ms)   median     p90     max   target   "
          "(new worker's Init Duration, median)")
    for name in ("python", "node"):
        r = results[name]
        print(f"  {name:<38} {r['median_ms']:7.1f} {r['p90_ms']:7.1f} {r['max_ms']:7.1f}"
              f"   < 100 {'met' if r['p90_ms'] < 100 else 'MISSED'}"
              f"   ({r.get('init_duration_median_ms', float('nan')):.1f})")
    return results


def _floor(cmd, samples):
    runs = []
    for _ in range(samples):
        begin = time.perf_counter()
        subprocess.run(cmd, check=True)
        runs.append((time.perf_counter() - begin) * 1000)
    return round(statistics.median(runs), 2)


def _interpreters():
    python3 = shutil.which("python3")
    real = subprocess.run([python3, "-c", "import sys; print(sys.executable)"],
                          capture_output=True, text=True, check=True).stdout.strip()
    return python3, real, shutil.which("node")


def bench_coldstart(binary, args, up_class, results_dir):
    samples = args.samples
    directory = tempfile.mkdtemp(prefix="serverlite-bench-coldstart-")
    results = {"samples": samples}
    try:
        with open(os.path.join(directory, "handler.py"), "w") as f:
            f.write(PY_HANDLER % "0")
        with open(os.path.join(directory, "handler.mjs"), "w") as f:
            f.write(NODE_HANDLER % "0")
        lines = ["service: coldstart-bench", "provider:", "  name: aws", "  runtime: python3.11",
                 "functions:"]
        for i in range(samples):
            lines += [f"  py{i}:", "    handler: handler.main", "    events:",
                      f"      - httpApi: 'GET /py{i}'",
                      f"  node{i}:", "    runtime: nodejs20.x", "    handler: handler.main",
                      "    events:", f"      - httpApi: 'GET /node{i}'"]
        with open(os.path.join(directory, "serverless.yml"), "w") as f:
            f.write("\n".join(lines) + "\n")
        up = up_class(binary, app=os.path.join(directory, "serverless.yml"))
        try:
            client = _Client(up.gateway)
            for i in range(samples):
                client.get_json(f"/py{i}")
                client.get_json(f"/node{i}")
            log = up.read_log()
        finally:
            up.stop()
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    inits = {"python": [], "node": []}
    for line in log:
        m = re.match(r"\[(py|node)\d+\] REPORT .*Init Duration: ([\d.]+) ms", line)
        if m:
            inits["python" if m.group(1) == "py" else "node"].append(float(m.group(2)))
    python3, real, node = _interpreters()
    results["interpreter"] = {"python3_on_path": python3, "python3_real": real, "node": node}
    results["python"] = {"init_duration": _summary(inits["python"]),
                         "floor_ms": _floor([real, "-c", "pass"], samples)}
    if os.path.realpath(python3) != os.path.realpath(real):
        results["python"]["floor_through_shim_ms"] = _floor([python3, "-c", "pass"], samples)
    results["node"] = {"init_duration": _summary(inits["node"]),
                       "floor_ms": _floor([node, "-e", "0"], samples)}
    resolved = [l for l in log if "version manager's shim" in l]
    results["shim"] = resolved[0] if resolved else None
    _write(results_dir, "coldstart.json", results)
    print("cold start (Init Duration, ms)        median     min     max   floor (bare start-up)")
    for name in ("python", "node"):
        r = results[name]
        d = r["init_duration"]
        extra = (f"   through the shim: {r['floor_through_shim_ms']:.1f}"
                 if "floor_through_shim_ms" in r else "")
        print(f"  {name:<34} {d['median_ms']:7.1f} {d['min_ms']:7.1f} {d['max_ms']:7.1f}"
              f"   {r['floor_ms']:.1f}{extra}")
    if results["shim"]:
        print("  " + results["shim"])
    return results


def _write(results_dir, name, results):
    os.makedirs(results_dir, exist_ok=True)
    with open(os.path.join(results_dir, name), "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
