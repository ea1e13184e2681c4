"""Hot reload through a standby process: while the app is watched, each function that has run keeps
one more runtime process started (interpreter, preload and runtime client loaded, none of the app's
code imported). A code change releases it: it imports the handler as it is now and serves, and its
Init Duration counts from the release. A new standby follows for the next change. None with
--no-watch; none outlives serverlite."""
import os
import re
import shutil
import signal
import tempfile
import threading
import time
import unittest

from harness import APPS, Serverlite
from test_reload import write

APP_YML = """\
service: standby
provider:
  name: aws
  runtime: nodejs20.x
  environment:
    SHARED: from-provider
functions:
  node:
    handler: web/handler.main
    events:
      - httpApi: 'GET /node'
  py:
    runtime: python3.11
    handler: src/handler.main
    events:
      - httpApi: 'GET /py'
  slow:
    runtime: python3.11
    handler: src/slow.main
    events:
      - httpApi: 'GET /slow'
"""

# Top-level code runs when the handler is imported: in a standby, only after its release.
NODE = """\
const loadedAt = Date.now();
console.log("imported node %s");
export const main = async () => ({
  version: %r, pid: process.pid, argv: process.argv.slice(2), loadedAt,
  env: Object.fromEntries(Object.entries(process.env).filter(
    ([k]) => !["AWS_LAMBDA_RUNTIME_API", "_X_AMZN_TRACE_ID"].includes(k))),
});
"""

PY = """\
import os, sys
print("imported py %s")

def main(event, context):
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_LAMBDA_RUNTIME_API",
                                                            "_X_AMZN_TRACE_ID")}
    return {"version": %r, "pid": os.getpid(), "argv": sys.argv[1:], "env": env}
"""

SLOW = """\
import os, time

def main(event, context):
    time.sleep(float((event.get("queryStringParameters") or {}).get("s", "0")))
    return {"version": %r, "pid": os.getpid()}
"""


def stat_fields(pid):
    """The fields of /proc/<pid>/stat after the command's name (state first), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2:].split()


def children(parent):
    """{pid: cmdline} of the live processes whose parent is `parent`."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = stat_fields(entry)
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().split(b"\0")
        except OSError:
            continue
        if fields and fields[0] != "Z" and int(fields[1]) == parent:
            out[int(entry)] = [c.decode(errors="replace") for c in cmdline if c]
    return out


def alive(pid):
    fields = stat_fields(pid)
    return fields is not None and fields[0] != "Z"


def cpu_ticks(pid):
    fields = stat_fields(pid)
    return None if fields is None else int(fields[11]) + int(fields[12])  # utime + stime


def parked(pid, quiet=0.2):
    before = cpu_ticks(pid)
    time.sleep(quiet)
    return before is not None and cpu_ticks(pid) == before


def standbys(sl, client):
    """The pids of the standby processes of the runtime client named `client`."""
    return sorted(pid for pid, cmd in children(sl.proc.pid).items()
                  if "--standby" in cmd and any(c.endswith(client) for c in cmd))


def init_durations(sl, key):
    return [float(m.group(1)) for m in
            (re.match(rf"\[{key}\] REPORT .*Init Duration: ([\d.]+) ms", l)
             for l in sl.stderr().splitlines()) if m]


class StandbyApp(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="serverlite-standby-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        os.makedirs(self.path("web"))
        os.makedirs(self.path("src"))
        with open(self.path("serverless.yml"), "w") as f:
            f.write(APP_YML)
        write(self.path("web", "handler.mjs"), NODE % ("n1", "n1"))
        write(self.path("src", "handler.py"), PY % ("p1", "p1"))
        write(self.path("src", "slow.py"), SLOW % "s1")

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def get(self, sl, route):
        status, _, body = sl.gateway_json("GET", route)
        self.assertEqual(status, 200, body)
        return body

    def wait_for_version(self, sl, route, version, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            body = self.get(sl, route)
            if body["version"] == version:
                return body
            time.sleep(0.005)
        self.fail(f"{route} never answered {version}\n" + sl.stderr())

    def wait_for_standby(self, sl, client, other_than=(), timeout=10):
        """A standby started and waiting (its CPU time no longer grows)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [p for p in standbys(sl, client) if p not in other_than]
            if found and parked(found[0]):
                return found[0]
            time.sleep(0.02)
        self.fail(f"no standby of {client} started\n" + sl.stderr())


class Standby(StandbyApp):
    def wait_for_inits(self, sl, key, n):
        deadline = time.monotonic() + 5
        while len(init_durations(sl, key)) < n and time.monotonic() < deadline:
            time.sleep(0.02)
        inits = init_durations(sl, key)
        self.assertEqual(len(inits), n, sl.stderr())
        return inits

    def check_change_served_by_standby(self, sl, key, route, client, template, versions):
        first = self.get(sl, route)
        cold_init = self.wait_for_inits(sl, key, 1)[0]
        seen = {first["pid"]}
        for version in versions:
            standby = self.wait_for_standby(sl, client, other_than=seen)
            # It has imported nothing of the app's: the old version's import line came once per
            # worker that served, never from the standby.
            write(self.path(*template[0]), template[1] % (version, version))
            body = self.wait_for_version(sl, route, version)
            # The standby serves the new code; the runtime client took --standby off argv.
            self.assertEqual(body["pid"], standby, sl.stderr())
            self.assertEqual(body["argv"], [])
            # Its environment is the one a new worker gets.
            self.assertEqual(body["env"], first["env"])
            seen.add(standby)
        # The replaced workers are gone.
        time.sleep(0.2)
        for pid in seen - {body["pid"]}:
            self.assertFalse(alive(pid), f"worker {pid} still runs")
        # Init Duration counts from the release: the import, not the interpreter's start-up.
        inits = self.wait_for_inits(sl, key, len(versions) + 1)
        for init in inits[1:]:
            self.assertLess(init, cold_init * 0.7, (cold_init, inits))
        self.assertEqual(sum(f"imported {key} " in l for l in sl.stderr_lines),
                         len(versions) + 1, sl.stderr())

    def test_node_change_is_served_by_the_standby_then_a_new_one(self):
        with Serverlite(self.path("serverless.yml")) as sl:
            self.check_change_served_by_standby(
                sl, "node", "/node", "bootstrap.mjs",
                (("web", "handler.mjs"), NODE), ["n2", "n3"])

    def test_python_change_is_served_by_the_standby_then_a_new_one(self):
        with Serverlite(self.path("serverless.yml")) as sl:
            self.check_change_served_by_standby(
                sl, "py", "/py", "bootstrap.py",
                (("src", "handler.py"), PY), ["p2", "p3"])

    def test_at_the_limit_the_standby_is_the_next_worker_started(self):
        # One worker at most, busy at the change: the invocation after it waits for that worker
        # to finish (on the old code), then runs in the standby.
        with Serverlite(self.path("serverless.yml"), "--function-concurrency", "1") as sl:
            self.get(sl, "/slow")
            standby = self.wait_for_standby(sl, "bootstrap.py")
            answers = {}
            t = threading.Thread(target=lambda: answers.update(old=self.get(sl, "/slow?s=1.5")))
            t.start()
            time.sleep(0.5)
            write(self.path("src", "slow.py"), SLOW % "s2")
            self.assertTrue(sl.wait_for_log(lambda l: "src/slow.py changed" in l), sl.stderr())
            self.assertEqual(self.get(sl, "/slow"), {"version": "s2", "pid": standby})
            t.join(10)
            self.assertEqual(answers["old"]["version"], "s1")

    def test_only_functions_that_ran_get_a_standby(self):
        with Serverlite(self.path("serverless.yml")) as sl:
            self.assertTrue(sl.wait_for_log(lambda l: "for code changes" in l), sl.stderr())
            time.sleep(0.3)
            self.assertEqual(standbys(sl, "bootstrap.mjs") + standbys(sl, "bootstrap.py"), [])
            self.get(sl, "/node")
            self.wait_for_standby(sl, "bootstrap.mjs")
            time.sleep(0.3)
            self.assertEqual(len(standbys(sl, "bootstrap.mjs")), 1)
            self.assertEqual(standbys(sl, "bootstrap.py"), [])

    def test_no_standby_with_no_watch(self):
        with Serverlite(self.path("serverless.yml"), "--no-watch") as sl:
            self.get(sl, "/node")
            self.get(sl, "/py")
            time.sleep(0.5)
            self.assertEqual(standbys(sl, "bootstrap.mjs") + standbys(sl, "bootstrap.py"), [])

    def test_a_standby_that_died_falls_back_to_a_new_worker(self):
        with Serverlite(self.path("serverless.yml")) as sl:
            self.get(sl, "/node")
            standby = self.wait_for_standby(sl, "bootstrap.mjs")
            os.kill(standby, signal.SIGKILL)
            self.assertTrue(
                sl.wait_for_log(lambda l: l.startswith("[node] standby process exited")),
                sl.stderr())
            write(self.path("web", "handler.mjs"), NODE % ("n2", "n2"))
            body = self.wait_for_version(sl, "/node", "n2")
            self.assertNotEqual(body["pid"], standby)
            # The pool keeps a standby again for the change after.
            self.wait_for_standby(sl, "bootstrap.mjs", other_than=(standby,))

    def test_no_process_left_after_sigterm(self):
        sl = Serverlite(self.path("serverless.yml"))
        sl.start()
        try:
            pids = {self.get(sl, "/node")["pid"], self.get(sl, "/py")["pid"]}
            pids.add(self.wait_for_standby(sl, "bootstrap.mjs"))
            pids.add(self.wait_for_standby(sl, "bootstrap.py"))
        finally:
            self.assertEqual(sl.stop(signal.SIGTERM), 0)
        deadline = time.monotonic() + 5
        while any(alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual([p for p in pids if alive(p)], [])


FIXTURE = os.path.join(APPS, "typescript")
INSTALLED = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
                         "serverlite", "esbuild")


class TypeScriptStandby(unittest.TestCase):
    """A TypeScript handler's standby is built at its release, from the sources as they are."""

    def test_a_change_to_an_imported_module_is_rebuilt_and_served_by_the_standby(self):
        if not os.path.isfile(os.path.join(INSTALLED, "installed-lock.json")):
            self.skipTest(f"no esbuild in {INSTALLED}: run scripts/setup")
        tmp = tempfile.mkdtemp(prefix="serverlite-standby-ts-")
        self.addCleanup(shutil.rmtree, tmp, True)
        app = os.path.join(tmp, "app")
        shutil.copytree(FIXTURE, app)
        cache = os.path.join(tmp, "cache")
        os.makedirs(cache)
        os.symlink(INSTALLED, os.path.join(cache, "esbuild"))
        greet = os.path.join(app, "src", "lib", "greet.ts")
        with open(greet) as f:
            source = f.read()
        env = {"SERVERLITE_CACHE_DIR": cache, "npm_config_offline": "true"}
        with Serverlite(os.path.join(app, "serverless.yml"), env=env) as sl:
            status, _, body = sl.gateway_json("GET", "/hello?name=a")
            self.assertEqual((status, body["message"]), (200, "hello, a"), body)
            deadline = time.monotonic() + 10
            while not standbys(sl, "bootstrap.mjs") and time.monotonic() < deadline:
                time.sleep(0.02)
            standby = standbys(sl, "bootstrap.mjs")
            self.assertEqual(len(standby), 1, sl.stderr())
            write(greet, source.replace("`hello, ${name}`", "`hi, ${name}`"))
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                status, _, body = sl.gateway_json("GET", "/hello?name=a")
                if body.get("message") == "hi, a":
                    break
                time.sleep(0.01)
            self.assertEqual(body.get("message"), "hi, a", sl.stderr())
            # The built code, with the same task root as any worker of the function.
            self.assertTrue(body["taskRoot"].startswith(os.path.join(cache, "build")), body)
            self.assertEqual(body["flavor"], "local-build")
            # Served by the released standby, which runs on.
            node = [p for p, cmd in children(sl.proc.pid).items()
                    if any(c.endswith("bootstrap.mjs") for c in cmd)]
            self.assertIn(standby[0], node, sl.stderr())
            self.assertEqual(sum(l.startswith("[hello] built src/hello.ts") for l in
                                 sl.stderr_lines), 2, sl.stderr())


if __name__ == "__main__":
    unittest.main()
