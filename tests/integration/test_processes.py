"""Nothing a handler starts outlives serverlite; handlers inherit none of its descriptors; a
handler's output is streamed, whatever its size; only a worker answers its own invocations."""
import concurrent.futures
import json
import os
import shutil
import signal
import socket
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from harness import Serverlite, ServerTestCase, app_path, memory_measuring_env

APP = app_path("processes")


def process_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(") ", 1)[1][0] not in "ZX"
    except (FileNotFoundError, ProcessLookupError):
        return False


def wait_until(predicate, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def fd_targets(pid):
    out = {}
    for name in os.listdir(f"/proc/{pid}/fd"):
        try:
            out[int(name)] = os.readlink(f"/proc/{pid}/fd/{name}")
        except OSError:
            pass
    return out


def listening_sockets():
    """"socket:[INODE]" of every listening TCP socket on this host."""
    out = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if fields[3] == "0A":
                    out.add(f"socket:[{fields[9]}]")
    return out


def vm_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def invoke(client, name, event=None):
    res = client.invoke(FunctionName=f"procs-dev-{name}",
                        Payload=json.dumps(event or {}).encode())
    return res, json.loads(res["Payload"].read())


class Leftovers(unittest.TestCase):
    """Handlers whose children leave their session (setsid, Node's detached spawn)."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="serverlite-procs-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.children = []
        self.addCleanup(self._kill_children)
        self.servers = []
        self.addCleanup(self._stop_servers)

    def _kill_children(self):
        for pid in self.children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def _stop_servers(self):
        for sl in self.servers:
            if sl.proc is not None and sl.proc.poll() is None:
                sl.stop(signal.SIGKILL)

    def start(self, *args, ports=None):
        sl = Serverlite(APP, *args)
        if ports:  # fixed ports instead of the harness's ephemeral ones
            sl.cmd[sl.cmd.index("--port") + 1] = str(ports[0])
            sl.cmd[sl.cmd.index("--gateway-port") + 1] = str(ports[1])
        self.servers.append(sl)
        sl.start()
        return sl

    def spawn_children(self, sl):
        """A setsid child from a Python handler and a detached one from a Node handler."""
        client = sl.boto3_client("lambda")
        pids = []
        for name in ("spawn", "spawn-node"):
            pid_file = os.path.join(self.tmp, name + ".pid")
            res, out = invoke(client, name, {"pid_file": pid_file})
            self.assertNotIn("FunctionError", res, out)
            pid = int(open(pid_file).read())
            self.children.append(pid)
            pids.append(pid)
        client.close()
        for pid in pids:
            self.assertTrue(process_alive(pid))
            # They did leave the worker's session.
            self.assertEqual(os.getsid(pid), pid)
        return pids

    def test_sigterm_and_sigint_end_what_handlers_started(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            with self.subTest(signal=sig.name):
                sl = self.start()
                pids = self.spawn_children(sl)
                self.assertEqual(sl.stop(sig), 0)
                for pid in pids:
                    self.assertFalse(process_alive(pid), f"pid {pid} outlived serverlite")

    def test_a_start_after_kill_9_ends_what_the_killed_run_left(self):
        state = os.path.join(self.tmp, "state")
        aws_port, gateway_port = ports = free_ports(2)
        first = self.start("--state", state, ports=ports)
        pids = self.spawn_children(first)
        first.stop(signal.SIGKILL)
        # kill -9 leaves them running: nobody was there to end them.
        time.sleep(0.3)
        for pid in pids:
            self.assertTrue(process_alive(pid))
        # The next start on the same state directory and ports ends them and binds.
        second = self.start("--state", state, ports=ports)
        self.assertIn(f":{aws_port}", second.aws_url)
        for pid in pids:
            self.assertFalse(process_alive(pid), f"pid {pid} survived the next start")
        self.assertIn("ended 2 process(es) left running by a previous run", second.stderr())
        # ... and does not end processes of a run that is still going: a third serverlite on
        # the same state directory while the second runs.
        more = self.spawn_children(second)
        third = Serverlite(APP, "--state", state)
        self.servers.append(third)
        try:
            third.start()
        except RuntimeError:
            pass  # the store may refuse a second user; what matters is below
        for pid in more:
            self.assertTrue(process_alive(pid))
        third.stop(signal.SIGKILL)
        self.assertEqual(second.stop(), 0)
        for pid in more:
            self.assertFalse(process_alive(pid))

    def test_leftovers_of_a_killed_run_hold_none_of_its_ports(self):
        # An ephemeral run keeps no record, so what it leaves after kill -9 stays running; it
        # holds none of serverlite's descriptors, so the next start binds the same ports.
        aws_port, gateway_port = ports = free_ports(2)
        first = self.start(ports=ports)
        pids = self.spawn_children(first)
        first.stop(signal.SIGKILL)
        time.sleep(0.3)
        for pid in pids:
            self.assertTrue(process_alive(pid))
            held = set(fd_targets(pid).values()) & listening_sockets()
            self.assertEqual(held, set(), f"pid {pid} holds listening sockets")
        second = self.start(ports=ports)
        self.assertIn(f":{aws_port}", second.aws_url)
        self.assertIn(f":{gateway_port}", second.gateway_url)


class Descriptors(unittest.TestCase):
    def test_handlers_inherit_no_descriptor_of_serverlite(self):
        with tempfile.TemporaryDirectory() as state, \
                Serverlite(APP, "--state", state) as sl:
            client = sl.boto3_client("lambda")
            # Another worker is running, so there are other workers' listeners and pipes too.
            res, _ = invoke(client, "spawn", {"seconds": 0})
            self.assertNotIn("FunctionError", res)
            res, out = invoke(client, "fds")
            self.assertNotIn("FunctionError", res, out)
            client.close()
            mine = {t for fd, t in fd_targets(sl.proc.pid).items()}
            self.assertTrue(any(t.endswith("state.db") for t in mine))
            handler = {int(fd): t for fd, t in out["fds"].items()}
            own_std = {handler.get(fd) for fd in (0, 1, 2)}
            for fd, target in handler.items():
                # stdin, stdout, stderr, and copies of them the runtime keeps
                if fd <= 2 or target in own_std:
                    continue
                self.assertFalse(target.endswith("state.db") or target.endswith("state.db-wal"),
                                 (fd, target))
                self.assertNotIn(target, mine, f"the handler holds serverlite's fd {fd}")
            sockets = [t for fd, t in handler.items() if t.startswith("socket:")]
            # Its own Runtime API connection only.
            self.assertLessEqual(len(sockets), 1, handler)


class Output(unittest.TestCase):
    def test_closing_stdout_does_not_fail_the_next_invocation(self):
        cases = [("close-stdout", "fd"), ("close-stdout", "object"),
                 ("close-stdout-node", "fd"), ("close-stdout-node", "end")]
        for name, how in cases:
            with self.subTest(function=name, how=how), Serverlite(APP) as sl:
                client = sl.boto3_client("lambda")
                res, out = invoke(client, name, {"how": how})
                self.assertNotIn("FunctionError", res, out)
                for _ in range(3):
                    res, out = invoke(client, name)
                    self.assertNotIn("FunctionError", res, out)
                    self.assertEqual(out["closed"], None)
                client.close()
                self.assertNotIn("Runtime.ExitError", sl.stderr())
                # The later invocations' lines reached the log too.
                def logged():
                    return [l for l in sl.stderr().splitlines() if "before closing stdout" in l]
                wait_until(lambda: len(logged()) >= 4, timeout=5)
                self.assertEqual(len(logged()), 4, logged())

    def test_a_large_output_is_streamed_to_the_log(self):
        with Serverlite(APP, env=memory_measuring_env()) as sl:
            client = sl.boto3_client("lambda")
            invoke(client, "loud", {"mb": 0.01})  # a warm worker, and the log's buffers in use
            before = vm_rss_kib(sl.proc.pid)
            res, out = invoke(client, "loud", {"mb": 50})
            self.assertNotIn("FunctionError", res, out)
            after = vm_rss_kib(sl.proc.pid)
            rid = res["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
            self.assertTrue(sl.wait_for_log(lambda l: f"[loud] REPORT RequestId: {rid}" in l))
            client.close()
            lines = [l for l in sl.stderr_lines if l.startswith("[loud] xxx")]
            # Everything reached the log, line by line (the first call's too).
            self.assertEqual(len(lines), out["lines"] + 10)
            self.assertEqual(out["bytes"], 50 * 1000 * 1000)
            # 50 MB went through; serverlite holds a bounded part of it.
            self.assertLess(after - before, 8 * 1024, f"VmRSS {before} kB → {after} kB")
            print(f"\nVmRSS around 50 MB of handler output: {before} kB → {after} kB")

    def test_a_long_line_is_logged_in_pieces(self):
        with Serverlite(APP) as sl:
            client = sl.boto3_client("lambda")
            res, out = invoke(client, "loud", {"mb": 0.4, "line": 200000})
            self.assertEqual(out["lines"], 2)
            rid = res["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
            self.assertTrue(sl.wait_for_log(lambda l: f"[loud] REPORT RequestId: {rid}" in l))
            client.close()
            pieces = [l[len("[loud] "):] for l in sl.stderr_lines if l.startswith("[loud] xxx")]
            self.assertEqual([len(p) for p in pieces], [65536, 65536, 65536, 3391] * 2)


class RuntimeApi(ServerTestCase):
    APP = "processes"

    def post(self, url, body=b"{}"):
        req = urllib.request.Request(url, data=body, method="GET" if body is None else "POST")
        try:
            with urllib.request.urlopen(req, timeout=10) as res:
                return res.status, res.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def test_only_the_worker_answers_its_invocation(self):
        with tempfile.TemporaryDirectory() as tmp:
            info = os.path.join(tmp, "info.json")
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                call = pool.submit(invoke, self.client, "reveal", {"file": info, "sleep": 2})
                self.assertTrue(wait_until(lambda: os.path.exists(info)))
                revealed = json.load(open(info))
                base = f"http://{revealed['api']}/2018-06-01/runtime/invocation/"
                for verb in ("response", "error"):
                    status, body = self.post(base + revealed["id"] + "/" + verb, b'{"fake": 1}')
                    self.assertEqual(status, 403, body)
                    self.assertIn("serves only the process serverlite started", body.decode())
                status, _ = self.post(base + "next", None)
                self.assertEqual(status, 403)
                res, out = call.result(timeout=30)
        self.assertNotIn("FunctionError", res, out)
        self.assertEqual(out, {"real": True})
        self.assertTrue(self.sl.wait_for_log(lambda l: "[reveal] Runtime API: refused" in l))


if __name__ == "__main__":
    unittest.main()

    def test_the_worker_itself_is_refused_a_foreign_host(self):
        # From inside the worker's process tree the connection passes; the Host check still
        # stands against DNS rebinding.
        res, out = invoke(self.client, "runtime-host", {"host": "evil.example"})
        self.assertNotIn("FunctionError", res, out)
        self.assertEqual(out["status"], 403, out)
        self.assertIn("--allow-host", out["body"])
        res, out = invoke(self.client, "runtime-host", {"host": "127.0.0.1"})
        self.assertEqual(out["status"], 404, out)
