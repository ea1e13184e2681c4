"""The command line: version, help, config errors, `serverlite invoke` (one event, or many from
a JSON Lines file or a directory; the app's services in process, or an endpoint given) and
`serverlite generate-event`."""
import base64
import json
import os
import tempfile
import textwrap
import unittest

from harness import ROOT, app_path, run_cli


def write_app(tmp, yml, files=None):
    with open(os.path.join(tmp, "serverless.yml"), "w") as f:
        f.write(textwrap.dedent(yml))
    for name, content in (files or {}).items():
        path = os.path.join(tmp, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(textwrap.dedent(content))
    return os.path.join(tmp, "serverless.yml")


HANDLER = {"handler.py": "def main(event, context):\n    return {'ok': True}\n"}


class VersionAndHelp(unittest.TestCase):
    def test_version(self):
        for args in (["--version"], ["version"]):
            r = run_cli(*args)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertRegex(r.stdout.strip(), r"^serverlite \d+\.\d+\.\d+$")

    def test_help_on_every_command(self):
        for cmd in ([], ["up"], ["invoke"]):
            r = run_cli(*cmd, "--help")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("Usage", r.stdout)
        self.assertIn("--gateway-port", run_cli("up", "--help").stdout)
        self.assertIn("--event", run_cli("invoke", "--help").stdout)

    def test_bad_usage_exits_2(self):
        self.assertEqual(run_cli("up", "--no-such-flag").returncode, 2)
        self.assertEqual(run_cli("up", "--state", "x", "--ephemeral").returncode, 2)


class BrokenConfig(unittest.TestCase):
    """A broken serverless.yml names the file, the key path and the problem; exit code 2."""

    def check(self, yml, *expected, files=HANDLER, env=None):
        with tempfile.TemporaryDirectory() as tmp:
            path = write_app(tmp, yml, files)
            for cmd in (["up", "-c", path, "--ephemeral", "--port", "0", "--gateway-port", "0"],
                        ["invoke", "-c", path, "f"]):
                r = run_cli(*cmd)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn("serverless.yml", r.stderr)
                for e in expected:
                    self.assertIn(e, r.stderr)

    def test_yaml_syntax_error(self):
        self.check("service: x\nprovider: [unclosed\n", "line")

    def test_unknown_runtime(self):
        self.check("""
            service: x
            provider: {name: aws, runtime: ruby3.2}
            functions:
              f: {handler: handler.main}
        """, "runtime", "ruby3.2")

    def test_missing_handler_file(self):
        self.check("""
            service: x
            provider: {name: aws, runtime: python3.11}
            functions:
              f: {handler: nowhere.main}
        """, "functions.f.handler", "nowhere")

    def test_unresolvable_variable(self):
        self.check("""
            service: x
            provider:
              name: aws
              runtime: python3.11
              environment:
                TOKEN: ${env:SERVERLITE_TEST_SURELY_UNSET}
            functions:
              f: {handler: handler.main}
        """, "provider.environment.TOKEN", "SERVERLITE_TEST_SURELY_UNSET")

    def test_missing_file(self):
        r = run_cli("up", "-c", "/nonexistent/serverless.yml")
        self.assertEqual(r.returncode, 2)
        self.assertIn("/nonexistent/serverless.yml", r.stderr)

    def test_unsupported_keys_warn_once_and_are_ignored(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = write_app(tmp, """
                service: x
                provider: {name: aws, runtime: python3.11}
                functions:
                  f:
                    handler: handler.main
                    layers: ['arn:aws:lambda:us-east-1:000000000000:layer:x:1']
                    events:
                      - schedule: rate(1 minute)
            """, HANDLER)
            r = run_cli("invoke", "-c", path, "f")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stderr.count("functions.f.layers"), 1, r.stderr)
            self.assertIn("warning", r.stderr)
            self.assertIn("schedule", r.stderr)


class Invoke(unittest.TestCase):
    def test_prints_the_result_and_exits_0(self):
        r = run_cli("invoke", "-c", app_path("demo"), "env")
        self.assertEqual(r.returncode, 0, r.stderr)
        result = json.loads(r.stdout)
        self.assertEqual(result["AWS_LAMBDA_FUNCTION_NAME"], "demo-dev-env")
        # The Lambda log lines go to stderr, prefixed with the function.
        self.assertRegex(r.stderr, r"\[env\] START RequestId: [0-9a-f-]{36} Version: \$LATEST")
        self.assertRegex(r.stderr, r"\[env\] REPORT RequestId: .*\tDuration: [\d.]+ ms\t"
                                   r"Billed Duration: \d+ ms\tMemory Size: 1024 MB\t"
                                   r"Max Memory Used: \d+ MB\tInit Duration: [\d.]+ ms")

    def test_event_from_file_and_stdin(self):
        event = {"queryStringParameters": {"name": "cli"}}
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(event, f)
        try:
            r = run_cli("invoke", "-c", app_path("demo"), "hello", "--event", f.name)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(json.loads(r.stdout)["message"], "Hello, cli!")
        finally:
            os.unlink(f.name)
        r = run_cli("invoke", "-c", app_path("demo"), "hello", "--event", "-",
                    input=json.dumps(event))
        self.assertEqual(json.loads(r.stdout)["message"], "Hello, cli!")

    def test_many_events_from_json_lines_and_directories(self):
        with tempfile.TemporaryDirectory() as d:
            lines = os.path.join(d, "events.jsonl")
            with open(lines, "w") as f:
                for name in ("a", "b", "c"):
                    f.write(json.dumps({"queryStringParameters": {"name": name}}) + "\n")
                f.write("\n")  # blank lines are skipped
            r = run_cli("invoke", "-c", app_path("demo"), "hello", "--event", lines)
            self.assertEqual(r.returncode, 0, r.stderr)
            results = [json.loads(line) for line in r.stdout.splitlines()]
            self.assertEqual([x["message"] for x in results],
                             ["Hello, a!", "Hello, b!", "Hello, c!"])
            # A directory: its *.json files (one event each) and *.jsonl files, in name order.
            with open(os.path.join(d, "0-first.json"), "w") as f:
                json.dump({"queryStringParameters": {"name": "first"}}, f, indent=2)
            with open(os.path.join(d, "notes.txt"), "w") as f:
                f.write("not an event")
            r = run_cli("invoke", "-c", app_path("demo"), "hello", "--event", d)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual([json.loads(line)["message"] for line in r.stdout.splitlines()],
                             ["Hello, first!", "Hello, a!", "Hello, b!", "Hello, c!"])
            with open(lines, "a") as f:
                f.write("{broken\n")
            r = run_cli("invoke", "-c", app_path("demo"), "hello", "--event", lines)
            self.assertEqual(r.returncode, 2)
            self.assertIn("events.jsonl:5: the event is not valid JSON", r.stderr)
        # A failing event among others: every result is printed, the exit status says so.
        events = "\n".join(json.dumps(e) for e in ({}, {}, {})) + "\n"
        r = run_cli("invoke", "-c", app_path("edge-cases"), "boom", "--event", "-", input=events)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(len(r.stdout.splitlines()), 3)

    def test_every_sample_event_reaches_a_handler(self):
        """fixtures/events holds one event of each source; each goes through invoke as is."""
        events = os.path.join(ROOT, "fixtures", "events")
        names = sorted(n for n in os.listdir(events) if n.endswith(".json"))
        self.assertEqual(len(names), 9)
        r = run_cli("invoke", "-c", app_path("demo"), "env", "--event", events)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(r.stdout.splitlines()), 9)

    def test_generate_event(self):
        shapes = {"apigateway-rest": "httpMethod", "apigateway-http": "routeKey",
                  "sqs": "Records", "kinesis": "Records", "dynamodb-stream": "Records",
                  "schedule": "detail-type", "eventbridge": "detail", "sns": "Records",
                  "s3": "Records"}
        for source, key in shapes.items():
            r = run_cli("generate-event", source)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn(key, json.loads(r.stdout), source)
        r = run_cli("generate-event", "apigateway-http", "--method", "POST", "--path", "/items",
                    "--body", '{"name": "x"}', "--header", "X-Trace: 1")
        event = json.loads(r.stdout)
        self.assertEqual(event["requestContext"]["http"]["method"], "POST")
        self.assertEqual(event["rawPath"], "/items")
        self.assertEqual(event["headers"]["x-trace"], "1")
        r = run_cli("generate-event", "kinesis", "--stream", "clicks", "--data", "hi")
        record = json.loads(r.stdout)["Records"][0]
        self.assertTrue(record["eventSourceARN"].endswith(":stream/clicks"))
        self.assertEqual(base64.b64decode(record["kinesis"]["data"]), b"hi")
        # The fixtures are what generate-event prints with a fixed clock.
        for source in shapes:
            r = run_cli("generate-event", source, "--fixed-clock")
            with open(os.path.join(ROOT, "fixtures", "events", source + ".json")) as f:
                self.assertEqual(json.loads(r.stdout), json.load(f), source)
        r = run_cli("generate-event", "sqs", "--count", "0")
        self.assertEqual(r.returncode, 2)
        self.assertIn("count", r.stderr)
        # A generated event pipes straight into invoke.
        r = run_cli("generate-event", "apigateway-rest", "--query", "name=piped")
        r = run_cli("invoke", "-c", app_path("demo"), "hello", "--event", "-", input=r.stdout)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_deployed_name_works_too(self):
        r = run_cli("invoke", "-c", app_path("demo"), "demo-dev-hello")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_failed_function_exits_non_zero_with_the_error(self):
        r = run_cli("invoke", "-c", app_path("edge-cases"), "boom")
        self.assertEqual(r.returncode, 1)
        err = json.loads(r.stdout)
        self.assertEqual(err["errorType"], "ValueError")
        self.assertEqual(err["errorMessage"], "boom")

    def test_interpreter_version_mismatch_is_a_warning(self):
        # The python3 on PATH is not 3.8; serverlite runs it anyway and says so once.
        with tempfile.TemporaryDirectory() as tmp:
            path = write_app(tmp, """
                service: x
                provider: {name: aws, runtime: python3.8}
                functions:
                  f: {handler: handler.main}
            """, HANDLER)
            r = run_cli("invoke", "-c", path, "f")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), {"ok": True})
        self.assertRegex(r.stderr, r"\[f\] warning: runtime python3\.8 declared, but the python on "
                                   r"PATH is 3\.\d+")

    def test_cloudformation_functions_in_environment(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = write_app(tmp, """
                service: cfn
                provider:
                  name: aws
                  runtime: python3.11
                  environment:
                    WHERE: !Sub "${AWS::Region}/${AWS::StackName}"
                    TABLE: !Ref Items
                    TOPIC: !Ref Alerts
                functions:
                  f: {handler: handler.main}
                resources:
                  Resources:
                    Items:
                      Type: "AWS::DynamoDB::Table"
                      Properties:
                        AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
                        KeySchema: [{AttributeName: id, KeyType: HASH}]
                        BillingMode: PAY_PER_REQUEST
                    Alerts: {Type: "AWS::SNS::Topic"}
            """, {"handler.py": "import os\ndef main(e, c):\n"
                                "    return {k: os.environ.get(k) for k in ('WHERE', 'TABLE', "
                                "'TOPIC')}\n"})
            r = run_cli("invoke", "-c", path, "f")
        self.assertEqual(r.returncode, 0, r.stderr)
        # Tables are emulated (Ref gives the name); SNS topics are not, so TOPIC is left unset.
        self.assertEqual(json.loads(r.stdout),
                         {"WHERE": "us-east-1/cfn-dev", "TABLE": "cfn-dev-Items", "TOPIC": None})
        self.assertIn("resources.Resources.Alerts: AWS::SNS::Topic is not supported yet", r.stderr)
        self.assertIn("so TOPIC is not set", r.stderr)

    def test_services_run_in_process_unless_an_endpoint_is_given(self):
        # By default the handler's AWS_ENDPOINT_URL names services this invoke started.
        r = run_cli("invoke", "-c", app_path("demo"), "env")
        self.assertEqual(r.returncode, 0, r.stderr)
        url = json.loads(r.stdout)["AWS_ENDPOINT_URL"]
        self.assertRegex(url, r"^http://127\.0\.0\.1:\d+$")
        self.assertIn(f"the app's services run in this process (in memory) at {url}", r.stderr)
        # --aws-endpoint: nothing is started, the handler gets that URL.
        r = run_cli("invoke", "-c", app_path("demo"), "env", "--aws-endpoint",
                    "http://127.0.0.1:4566")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["AWS_ENDPOINT_URL"], "http://127.0.0.1:4566")
        self.assertNotIn("services run in this process", r.stderr)
        # The two exclude each other.
        r = run_cli("invoke", "-c", app_path("demo"), "env", "--aws-endpoint", "http://x",
                    "--state", "/tmp/x")
        self.assertEqual(r.returncode, 2)

    def test_unknown_function_and_bad_event(self):
        r = run_cli("invoke", "-c", app_path("demo"), "nope")
        self.assertEqual(r.returncode, 2)
        self.assertIn("hello", r.stderr)  # lists the functions there are
        r = run_cli("invoke", "-c", app_path("demo"), "hello", "--event", "-", input="{not json")
        self.assertEqual(r.returncode, 2)
        self.assertIn("not valid JSON", r.stderr)


if __name__ == "__main__":
    unittest.main()
