"""The command line: version, help, config errors, and `serverlite invoke`."""
import json
import os
import tempfile
import textwrap
import unittest

from harness import app_path, run_cli


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
                    Items: {Type: "AWS::DynamoDB::Table"}
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

    def test_unknown_function_and_bad_event(self):
        r = run_cli("invoke", "-c", app_path("demo"), "nope")
        self.assertEqual(r.returncode, 2)
        self.assertIn("hello", r.stderr)  # lists the functions there are
        r = run_cli("invoke", "-c", app_path("demo"), "hello", "--event", "-", input="{not json")
        self.assertEqual(r.returncode, 2)
        self.assertIn("not valid JSON", r.stderr)


if __name__ == "__main__":
    unittest.main()
