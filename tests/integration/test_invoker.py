"""Worker processes: warm reuse, logs, limits, environment, shutdown."""
import concurrent.futures
import json
import os
import signal
import subprocess
import tempfile
import threading
import time
import unittest

from harness import BIN, Serverlite, ServerTestCase, app_path


def process_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


class Workers(ServerTestCase):
    APP = "edge-cases"

    def call(self, name, payload=b"{}"):
        res = self.client.invoke(FunctionName=f"edge-dev-{name}", Payload=payload)
        return res, json.loads(res["Payload"].read())

    def test_workers_stay_warm(self):
        _, first = self.call("busy")
        _, second = self.call("busy")
        self.assertEqual(first["pid"], second["pid"])

    def test_log_lines_per_invocation(self):
        res = self.client.invoke(FunctionName="edge-dev-printer", Payload=b"{}")
        rid = res["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
        self.assertTrue(self.sl.wait_for_log(lambda l: l.startswith(f"[printer] REPORT RequestId: {rid}")))
        lines = [l for l in self.sl.stderr().splitlines() if l.startswith("[printer]")]
        start = lines.index(f"[printer] START RequestId: {rid} Version: $LATEST")
        end = lines.index(f"[printer] END RequestId: {rid}")
        # The handler's three stdout lines and one stderr line land between START and END.
        self.assertGreaterEqual(end - start - 1, 4, lines)
        report = next(l for l in lines if l.startswith(f"[printer] REPORT RequestId: {rid}"))
        self.assertRegex(report, r"Duration: [\d.]+ ms\tBilled Duration: \d+ ms\t"
                                 r"Memory Size: 1024 MB\tMax Memory Used: \d+ MB")

    def test_init_duration_only_on_a_cold_start(self):
        # A server of its own, so no other test has warmed the function already.
        with Serverlite(app_path("edge-cases")) as sl:
            client = sl.boto3_client("lambda")
            rids = []
            for _ in range(2):
                res = client.invoke(FunctionName="edge-dev-node-cb", Payload=b"{}")
                rids.append(res["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"])
            self.assertTrue(sl.wait_for_log(lambda l: f"REPORT RequestId: {rids[1]}" in l))
            lines = sl.stderr().splitlines()
        cold = next(l for l in lines if f"REPORT RequestId: {rids[0]}" in l)
        warm = next(l for l in lines if f"REPORT RequestId: {rids[1]}" in l)
        self.assertIn("Init Duration", cold)
        self.assertNotIn("Init Duration", warm)

    def test_timeout_kills_the_whole_process_group(self):
        with tempfile.TemporaryDirectory() as tmp:
            pid_file = os.path.join(tmp, "child.pid")
            payload = json.dumps({"sleep": 5, "child_pid_file": pid_file}).encode()
            res, err = self.call("slow", payload)
            self.assertEqual(err["errorType"], "Sandbox.Timedout")
            child = int(open(pid_file).read())
        # The handler's own child process was killed with it (gone, or a zombie until reaped).
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and process_alive(child):
            time.sleep(0.05)
        self.assertFalse(process_alive(child))
        self.assertTrue(self.sl.wait_for_log(lambda l: "Task timed out after 1.00 seconds" in l))
        self.assertTrue(self.sl.wait_for_log(lambda l: l.startswith("[slow] REPORT") and "Status: timeout" in l))
        # The next call gets a fresh worker and still works.
        res, out = self.call("slow", b'{"sleep": 0}')
        self.assertNotIn("FunctionError", res)

    def test_out_of_memory_is_logged(self):
        self.call("hog")
        self.assertTrue(self.sl.wait_for_log(
            lambda l: l.startswith("[hog] REPORT") and "Error Type: Runtime.OutOfMemory" in l))

    def test_handler_environment(self):
        _, ctx = self.call("ctx")
        blob = json.dumps(ctx)
        for name in ("AWS_LAMBDA_FUNCTION_NAME", "AWS_REGION", "_HANDLER", "AWS_ENDPOINT_URL",
                     "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT"):
            self.assertIn(name, blob)

    def test_concurrent_calls_run_in_parallel_workers(self):
        # node-cb has no reservedConcurrency (the local limit is 10): 4 calls run at once, not in
        # turn.
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda _: self.call("node-cb"), range(4)))
        status = json.loads(self.sl.request("GET", self.sl.aws_url + "/_serverlite/functions")[2])
        node_cb = next(f for f in status["functions"] if f["key"] == "node-cb")
        self.assertGreaterEqual(node_cb["workers"], 2)


    def test_handlers_that_wait_get_their_concurrency(self):
        # `slow` sleeps as long as it is told (no reservedConcurrency: local limit 10). A pool first
        # lets a call wait briefly for a warm worker; for handlers that wait on I/O it must
        # still grow past two workers per core, so 8 calls of 0.8 s all run side by side.
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(
                lambda _: self.call("slow", json.dumps({"sleep": 0.8}).encode()), range(8)))
        for res, body in results:
            self.assertNotIn("FunctionError", res)
            self.assertEqual(body, {"slept": 0.8})
        status = json.loads(self.sl.request("GET", self.sl.aws_url + "/_serverlite/functions")[2])
        slow = next(f for f in status["functions"] if f["key"] == "slow")
        self.assertGreaterEqual(slow["workers"], 6)


class Environment(unittest.TestCase):
    def test_env_inside_a_handler(self):
        with Serverlite(app_path("demo"), env={"DEMO_GREETING": "Howdy"}) as sl:
            res = sl.boto3_client("lambda").invoke(FunctionName="demo-dev-env", Payload=b"{}")
            env = json.loads(res["Payload"].read())
        self.assertEqual(env["AWS_LAMBDA_FUNCTION_NAME"], "demo-dev-env")
        self.assertEqual(env["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST")
        self.assertEqual(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "1024")
        self.assertEqual(env["AWS_REGION"], "us-east-1")
        self.assertEqual(env["AWS_DEFAULT_REGION"], "us-east-1")
        self.assertEqual(env["_HANDLER"], "python/env.handler")
        self.assertEqual(env["LAMBDA_TASK_ROOT"], os.path.dirname(app_path("demo")))
        self.assertEqual(env["AWS_ENDPOINT_URL"], sl.aws_url)
        self.assertRegex(env["AWS_LAMBDA_RUNTIME_API"], r"^127\.0\.0\.1:\d+$")
        self.assertIn("AWS_ACCESS_KEY_ID", env)
        self.assertEqual(env["GREETING"], "Howdy")


class StateDirectory(unittest.TestCase):
    def test_state_dir_holds_the_database(self):
        with tempfile.TemporaryDirectory() as tmp:
            state = os.path.join(tmp, "state")
            with Serverlite(app_path("demo"), "--state", state) as sl:
                status, _, raw = sl.request("GET", sl.aws_url + "/_serverlite/health")
                self.assertEqual(json.loads(raw)["state"], state)
            self.assertTrue(os.path.exists(os.path.join(state, "state.db")))

    def test_the_state_is_its_users_alone(self):
        # Was 0755 and 0644 (the umask's): any local user could read the app's state.
        import stat
        with tempfile.TemporaryDirectory() as tmp:
            state = os.path.join(tmp, "state")
            with Serverlite(app_path("queues"), "--state", state) as sl:
                sqs = sl.boto3_client("sqs")
                url = sqs.get_queue_url(QueueName="queues-jobs")["QueueUrl"]
                sqs.send_message(QueueUrl=url, MessageBody="private")
                mode = lambda p: stat.S_IMODE(os.stat(p).st_mode)
                self.assertEqual(mode(state), 0o700)
                files = [f for f in os.listdir(state) if f.startswith("state.db")]
                self.assertIn("state.db-wal", files)
                for f in files:
                    self.assertEqual(mode(os.path.join(state, f)), 0o600, f)


    def test_a_second_serverlite_on_the_same_state_is_refused(self):
        # The state's lock file is held by the first: the second stops at once, saying why, and
        # the first goes on serving.
        with tempfile.TemporaryDirectory() as tmp:
            state = os.path.join(tmp, "state")
            with Serverlite(app_path("queues"), "--state", state) as sl:
                started = time.monotonic()
                second = subprocess.run(
                    [BIN, "up", "-c", app_path("queues"), "--port", "0", "--gateway-port", "0",
                     "--state", state], capture_output=True, text=True, timeout=60)
                self.assertNotEqual(second.returncode, 0)
                self.assertIn("in use by another serverlite", second.stderr)
                self.assertLess(time.monotonic() - started, 30)
                sqs = sl.boto3_client("sqs")
                url = sqs.get_queue_url(QueueName="queues-jobs")["QueueUrl"]
                sqs.send_message(QueueUrl=url, MessageBody="still here")
                got = sqs.receive_message(QueueUrl=url)["Messages"]
                self.assertEqual(got[0]["Body"], "still here")
            # Once the first has ended, the state opens again.
            with Serverlite(app_path("queues"), "--state", state) as sl:
                status, _, _ = sl.request("GET", sl.aws_url + "/_serverlite/health")
                self.assertEqual(status, 200)


class OpenFiles(unittest.TestCase):
    def test_the_soft_limit_is_raised_to_the_hard_one(self):
        import resource
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        limit = lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
        with Serverlite(app_path("demo"), preexec_fn=limit) as sl:
            with open(f"/proc/{sl.proc.pid}/limits") as f:
                line = next(l for l in f if l.startswith("Max open files"))
            self.assertEqual(line.split()[3], str(hard) if hard != resource.RLIM_INFINITY
                             else "unlimited")


class Shutdown(unittest.TestCase):
    def test_sigterm_lets_in_flight_requests_finish_and_exits_0(self):
        sl = Serverlite(app_path("edge-cases"))
        sl.start()
        result = {}

        def slow_call():
            result["r"] = sl.gateway("GET", "/busy")

        t = threading.Thread(target=slow_call)
        t.start()
        self.assertTrue(sl.wait_for_log(lambda l: l.startswith("[busy] START")))
        code = sl.stop(signal.SIGTERM)
        t.join(10)
        self.assertEqual(code, 0, sl.stderr())
        status, _, body = result["r"]
        self.assertEqual(status, 200)
        # The worker process did not outlive serverlite.
        self.assertFalse(process_alive(json.loads(body)["pid"]))

    def test_workers_do_not_outlive_a_killed_serverlite(self):
        # Reproduces orphaned workers left running after kill -9 of serverlite.
        sl = Serverlite(app_path("edge-cases"))
        sl.start()
        status, _, body = sl.gateway("GET", "/busy")
        self.assertEqual(status, 200)
        worker = json.loads(body)["pid"]
        self.assertTrue(process_alive(worker))
        sl.stop(signal.SIGKILL)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and process_alive(worker):
            time.sleep(0.05)
        self.assertFalse(process_alive(worker))

    def test_sigint_exits_0(self):
        sl = Serverlite(app_path("demo"))
        sl.start()
        sl.gateway("GET", "/hello")
        self.assertEqual(sl.stop(signal.SIGINT), 0, sl.stderr())


if __name__ == "__main__":
    unittest.main()
