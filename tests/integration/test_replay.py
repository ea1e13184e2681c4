"""`serverlite up --record` and `serverlite replay`: a session recorded against an app replays
green; after a handler changes, the same recording goes red with a readable diff. Cases through
the services check side effects; raw AWS events are routed by their shape; seeds, JUnit XML,
`--speed 1x` and bad case files."""
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.request
import xml.etree.ElementTree as ET

from harness import APPS, BIN, Serverlite, app_path, run_cli


def replay(config, *args, timeout=120):
    return subprocess.run([BIN, "replay", "-c", config, *args], capture_output=True, text=True,
                          timeout=timeout)


def write_cases(path, cases):
    with open(path, "w") as f:
        for case in cases:
            f.write((case if isinstance(case, str) else json.dumps(case)) + "\n")


class RecordThenReplay(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="replay-")
        self.app_dir = os.path.join(self.tmp, "demo")
        shutil.copytree(os.path.join(APPS, "demo"), self.app_dir,
                        ignore=shutil.ignore_patterns(".serverlite"))
        self.config = os.path.join(self.app_dir, "serverless.yml")
        self.recording = os.path.join(self.tmp, "session.jsonl")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def record_session(self):
        with Serverlite(self.config, "--record", self.recording) as sl:
            # stderr is read by a thread of its own: wait for the line rather than race it.
            self.assertTrue(sl.wait_for_log(lambda l: "recording to" in l), sl.stderr())
            get = urllib.request.Request(sl.gateway_url + "/hello?name=rec",
                                         headers={"Authorization": "Bearer s3cret"})
            self.assertEqual(json.loads(urllib.request.urlopen(get, timeout=30).read()),
                             {"message": "Hello, rec!"})
            shout = urllib.request.Request(sl.gateway_url + "/shout", data=b"quiet please",
                                           method="POST")
            self.assertEqual(urllib.request.urlopen(shout, timeout=30).read(), b"QUIET PLEASE")
            lam = sl.boto3_client("lambda")
            out = lam.invoke(FunctionName="hello", Payload=json.dumps(
                {"queryStringParameters": {"name": "api"}, "password": "hunter2"}))
            self.assertEqual(json.loads(out["Payload"].read()), {"message": "Hello, api!"})
        with open(self.recording) as f:
            return [json.loads(line) for line in f]

    def test_a_recorded_session_replays_green_then_red_after_a_change(self):
        cases = self.record_session()
        # Two gateway requests and one Lambda API invocation; the gateway's own invocations
        # are covered by the requests' cases.
        self.assertEqual([c["name"] for c in cases],
                         ["GET /hello", "POST /shout", "hello (Lambda API)"])
        hello = cases[0]
        self.assertEqual(hello["http"]["headers"]["Authorization"], "<redacted>")
        self.assertEqual(hello["http"]["path"], "/hello?name=rec")
        self.assertEqual(hello["expect"], {"status": 200, "body": {"message": "Hello, rec!"}})
        self.assertIn("timestamp", hello)
        self.assertEqual(cases[2]["event"]["password"], "<redacted>")
        self.assertEqual(cases[2]["expect"], {"result": {"message": "Hello, api!"}})

        r = replay(self.config, self.recording)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("PASS  GET /hello", r.stdout)
        self.assertIn("3 passed, 0 failed", r.stdout)

        # A handler changes: the recording catches it, and says what differs.
        handler = os.path.join(self.app_dir, "python", "hello.py")
        with open(handler) as f:
            text = f.read()
        with open(handler, "w") as f:
            f.write(text.replace('f"{os.environ.get(\'GREETING\', \'Hello\')}, {name}!"',
                                 'f"Hi there, {name}!"'))
        junit = os.path.join(self.tmp, "results.xml")
        r = replay(self.config, self.recording, "--junit", junit)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("FAIL  GET /hello", r.stdout)
        self.assertIn('body: $.message: expected "Hello, rec!", got "Hi there, rec!"', r.stdout)
        self.assertIn('result: $.message: expected "Hello, api!", got "Hi there, api!"', r.stdout)
        self.assertIn("PASS  POST /shout", r.stdout)
        self.assertIn("1 passed, 2 failed", r.stdout)
        suite = ET.parse(junit).getroot()
        self.assertEqual(suite.get("tests"), "3")
        self.assertEqual(suite.get("failures"), "2")
        failures = [tc.get("name") for tc in suite.iter("testcase") if tc.find("failure") is not None]
        self.assertEqual(failures, ["GET /hello", "hello (Lambda API)"])


SECRET_ECHO_APP = """service: secret-echo
provider:
  name: aws
  runtime: python3.11
functions:
  login:
    handler: login.handler
    events:
      - httpApi: {method: POST, path: /login}
  check:
    handler: login.check
"""

SECRET_ECHO_HANDLER = """import json


def handler(event, context):
    body = json.loads(event["body"])
    return {"statusCode": 200, "headers": {"content-type": "application/json"},
            "body": json.dumps({"user": body["user"], "password": body["password"],
                                "said": "your password is " + body["password"],
                                "auth": event["headers"].get("authorization"),
                                "token": "issued-" + context.aws_request_id})}


def check(event, context):
    return {"echo": event["apiKey"], "note": "key " + event["apiKey"] + " accepted"}
"""


class RecordingRedactsSecretsEverywhere(unittest.TestCase):
    """Secrets leave the recording's answers as they leave its requests, and the recording still
    replays green: the replayed request carries "<redacted>" and gets it back where the handler
    echoed the secret, and a "<redacted>" in an answer stands for any value (a new token)."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="replay-secrets-")
        with open(os.path.join(self.tmp, "serverless.yml"), "w") as f:
            f.write(SECRET_ECHO_APP)
        with open(os.path.join(self.tmp, "login.py"), "w") as f:
            f.write(SECRET_ECHO_HANDLER)
        self.config = os.path.join(self.tmp, "serverless.yml")
        self.recording = os.path.join(self.tmp, "session.jsonl")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_secrets_are_redacted_from_answers_and_the_recording_replays_green(self):
        with Serverlite(self.config, "--record", self.recording) as sl:
            self.assertTrue(sl.wait_for_log(lambda l: "recording to" in l), sl.stderr())
            req = urllib.request.Request(
                sl.gateway_url + "/login?token=qs-secret-1",
                data=json.dumps({"user": "ann", "password": "hunter2"}).encode(),
                headers={"Authorization": "Bearer s3cret-header", "content-type": "application/json"},
                method="POST")
            with urllib.request.urlopen(req, timeout=30) as res:
                self.assertEqual(json.loads(res.read())["password"], "hunter2")
            lam = sl.boto3_client("lambda")
            out = lam.invoke(FunctionName="check", Payload=json.dumps({"apiKey": "k-12345"}))
            self.assertEqual(json.loads(out["Payload"].read())["echo"], "k-12345")
        with open(self.recording) as f:
            text = f.read()
        for secret in ("hunter2", "s3cret-header", "qs-secret-1", "k-12345"):
            self.assertNotIn(secret, text)
        login, check = [json.loads(line) for line in text.splitlines()]
        self.assertEqual(login["http"]["path"], "/login?token=%3Credacted%3E")
        body = login["expect"]["body"]
        self.assertEqual(body["user"], "ann")
        self.assertEqual(body["password"], "<redacted>")
        self.assertEqual(body["said"], "your password is <redacted>")
        self.assertEqual(body["auth"], "<redacted>")
        self.assertEqual(body["token"], "<redacted>")  # by its name: it is a new one each time
        self.assertEqual(check["expect"]["result"],
                         {"echo": "<redacted>", "note": "key <redacted> accepted"})

        r = replay(self.config, self.recording)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("2 passed, 0 failed", r.stdout)


class ReplayAgainstHeldState(unittest.TestCase):
    def test_a_state_directory_in_use_is_an_error_not_an_abort(self):
        tmp = tempfile.mkdtemp(prefix="replay-state-")
        try:
            state = os.path.join(tmp, "state")
            cases = os.path.join(tmp, "cases.jsonl")
            write_cases(cases, [{"function": "hello", "event": {}}])
            with Serverlite(app_path("demo"), "--state", state):
                r = replay(app_path("demo"), cases, "--state", state)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn("serverlite: error:", r.stderr)
            self.assertIn("in use by another serverlite", r.stderr)
            self.assertNotIn("terminate called", r.stderr)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class ReplayThroughServices(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="replay-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def cases(self, cases):
        path = os.path.join(self.tmp, "cases.jsonl")
        write_cases(path, cases)
        return path

    def test_queue_case_checks_what_the_trigger_sent_on(self):
        path = self.cases([
            {"name": "task goes through", "queue": "queues-dev-Tasks",
             "messages": ["job-1"],
             "expect": {"sideEffects": [{"queue": "queues-dev-Results",
                                         "message": {"function": "queues-dev-worker",
                                                     "record": {"body": "job-1"}}}]}},
            {"name": "wrong expectation", "queue": "queues-dev-Tasks", "messages": ["job-2"],
             "expect": {"sideEffects": [{"queue": "queues-dev-Results",
                                         "message": {"record": {"body": "job-3"}}}]}},
        ])
        r = replay(app_path("queues"), path)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("PASS  task goes through", r.stdout)
        self.assertIn("FAIL  wrong expectation", r.stdout)
        self.assertIn("sideEffects[0]", r.stdout)

    def test_table_seed_put_and_item_checks(self):
        path = self.cases([
            {"seed": {"table": "orders", "items": [
                {"customer": "ann", "placed": 1, "total": 10}]}},
            {"name": "put an order", "table": "orders",
             "put": {"customer": "ann", "placed": 2, "total": 25},
             "expect": {"sideEffects": [
                 {"table": "orders", "key": {"customer": "ann", "placed": 1},
                  "item": {"total": 10}},
                 {"table": "orders", "key": {"customer": "ann", "placed": 2},
                  "item": {"total": 25}},
                 {"table": "orders", "key": {"customer": "bob", "placed": 1}, "absent": True}]}},
            {"name": "missing item", "table": "orders",
             "put": {"customer": "cy", "placed": 1},
             "expect": {"sideEffects": [{"table": "orders",
                                         "key": {"customer": "cy", "placed": 9},
                                         "item": {}}]}},
        ])
        r = replay(app_path("tables"), path)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("PASS  put an order", r.stdout)
        self.assertIn("FAIL  missing item", r.stdout)
        self.assertIn("1 passed, 1 failed", r.stdout)

    def test_raw_events_are_routed_by_their_shape(self):
        sqs = json.loads(run_cli("generate-event", "sqs", "--queue", "queues-dev-Tasks",
                                 "--body", "raw").stdout)
        unknown = json.loads(run_cli("generate-event", "sqs", "--queue", "nobody").stdout)
        path = self.cases([json.dumps(sqs), {"name": "nobody's", "event": unknown}])
        r = replay(app_path("queues"), path)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("PASS  ", r.stdout.splitlines()[0])
        self.assertIn("ERROR nobody's", r.stdout)
        self.assertIn("no function", r.stdout)
        # Two functions take Orders' stream in table-streams: ambiguity lists them.
        ddb = json.loads(run_cli("generate-event", "dynamodb-stream", "--table",
                                 "stream-orders").stdout)
        path = self.cases([{"name": "which one", "event": ddb}])
        r = replay(app_path("table-streams"), path)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("recorder", r.stdout)
        self.assertIn("inserts", r.stdout)

    def test_schedule_and_s3_events_reach_the_function_declaring_them(self):
        app_dir = os.path.join(self.tmp, "notify")
        os.makedirs(app_dir)
        with open(os.path.join(app_dir, "handler.py"), "w") as f:
            f.write("def main(event, context):\n"
                    "    return {'got': event.get('detail-type') or "
                    "event['Records'][0]['s3']['object']['key']}\n")
        with open(os.path.join(app_dir, "serverless.yml"), "w") as f:
            f.write("service: notify\nprovider: {name: aws, runtime: python3.11}\n"
                    "functions:\n"
                    "  nightly:\n    handler: handler.main\n"
                    "    events: [{schedule: {rate: rate(1 day), name: nightly}}]\n"
                    "  uploads:\n    handler: handler.main\n"
                    "    events: [{s3: {bucket: photos, event: 's3:ObjectCreated:*'}}]\n")
        schedule = json.loads(run_cli("generate-event", "schedule", "--rule", "nightly").stdout)
        upload = json.loads(run_cli("generate-event", "s3", "--bucket", "photos",
                                    "--key", "cat.jpg").stdout)
        path = self.cases([{"name": "tick", "event": schedule,
                            "expect": {"result": {"got": "Scheduled Event"}}},
                           {"name": "upload", "event": upload,
                            "expect": {"result": {"got": "cat.jpg"}}}])
        r = replay(os.path.join(app_dir, "serverless.yml"), path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("2 passed, 0 failed", r.stdout)
        self.assertIn("not triggered by serverlite yet", r.stderr)

    def test_s3_events_follow_the_key_rules_and_unnamed_schedules_are_named_by_their_rate(self):
        app_dir = os.path.join(self.tmp, "rules")
        os.makedirs(app_dir)
        with open(os.path.join(app_dir, "handler.py"), "w") as f:
            f.write("import os\n"
                    "def main(event, context):\n"
                    "    return {'by': os.environ['AWS_LAMBDA_FUNCTION_NAME'].split('-')[-1]}\n")
        with open(os.path.join(app_dir, "serverless.yml"), "w") as f:
            f.write("service: rules\nprovider: {name: aws, runtime: python3.11}\n"
                    "functions:\n"
                    "  jpgs:\n    handler: handler.main\n"
                    "    events: [{s3: {bucket: photos, event: 's3:ObjectCreated:*',\n"
                    "               rules: [{prefix: uploads/}, {suffix: .jpg}]}}]\n"
                    "  pngs:\n    handler: handler.main\n"
                    "    events: [{s3: {bucket: photos, event: 's3:ObjectCreated:*',\n"
                    "               rules: [{suffix: .png}]}}]\n"
                    "  removed:\n    handler: handler.main\n"
                    "    events: [{s3: {bucket: photos, event: 's3:ObjectRemoved:*'}}]\n"
                    "  hourly:\n    handler: handler.main\n"
                    "    events: [{schedule: rate(1 hour)}]\n"
                    "  daily:\n    handler: handler.main\n"
                    "    events: [{schedule: {rate: ['cron(0 1 * * ? *)']}}]\n")

        def upload(key):
            return json.loads(run_cli("generate-event", "s3", "--bucket", "photos",
                                      "--key", key).stdout)
        schedule = json.loads(run_cli("generate-event", "schedule").stdout)
        path = self.cases([
            {"name": "a jpg in uploads/", "event": upload("uploads/cat.jpg"),
             "expect": {"result": {"by": "jpgs"}}},
            {"name": "a png anywhere", "event": upload("x/dog.png"),
             "expect": {"result": {"by": "pngs"}}}])
        r = replay(os.path.join(app_dir, "serverless.yml"), path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("2 passed, 0 failed", r.stdout)

        # A jpg outside uploads/ matches no rule: no function takes it.
        path = self.cases([{"name": "stray", "event": upload("elsewhere/cat.jpg")}])
        r = replay(os.path.join(app_dir, "serverless.yml"), path)
        self.assertNotEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn("PASS", r.stdout)

        # Two unnamed schedules: the error names each by its expression.
        path = self.cases([{"name": "tick", "event": schedule}])
        r = replay(os.path.join(app_dir, "serverless.yml"), path)
        self.assertNotEqual(r.returncode, 0, r.stdout + r.stderr)
        out = r.stdout + r.stderr
        self.assertIn("schedule rate(1 hour)", out)
        self.assertIn("schedule cron(0 1 * * ? *)", out)
        self.assertNotIn("(schedule )", out)

    def test_speed_1x_keeps_the_recorded_spacing(self):
        path = self.cases([
            {"name": "first", "function": "hello", "event": {},
             "timestamp": "2026-01-01T10:00:00.000Z"},
            {"name": "second", "function": "hello", "event": {},
             "timestamp": "2026-01-01T10:00:01.500Z"},
        ])
        started = time.monotonic()
        r = replay(app_path("demo"), path, "--speed", "1x")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertGreaterEqual(time.monotonic() - started, 1.5)
        started = time.monotonic()
        r = replay(app_path("demo"), path)  # max: back to back
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_timestamped_cases_run_on_the_clock_at_their_times(self):
        # The gateway stamps the event with serverlite's clock, moved to each case's own time.
        path = self.cases([
            {"name": "at ten", "timestamp": "2026-01-01T10:00:00.000Z",
             "http": {"method": "GET", "path": "/echo2/clock"},
             "expect": {"status": 200, "body": {"event": {"requestContext": {
                 "timeEpoch": 1767261600000}}}, "match": "subset"}},
            {"name": "a minute later", "timestamp": "2026-01-01T10:01:00.000Z",
             "http": {"method": "GET", "path": "/echo2/clock"},
             "expect": {"status": 200, "body": {"event": {"requestContext": {
                 "timeEpoch": 1767261660000}}}, "match": "subset"}},
        ])
        r = replay(app_path("demo"), path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("2 passed, 0 failed", r.stdout)

    def test_bad_case_files_exit_2_naming_the_line(self):
        path = self.cases([{"function": "hello", "event": {}},
                           {"function": "hello", "expct": {"status": 200}}])
        r = replay(app_path("demo"), path)
        self.assertEqual(r.returncode, 2)
        self.assertIn("cases.jsonl:2", r.stderr)
        self.assertIn("expect", r.stderr)


if __name__ == "__main__":
    unittest.main()
