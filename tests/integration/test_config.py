"""serverless.yml as people write it, through the real binary: the definition found as .yml,
.json or .js, .env files, stage parameters, sources serverlite cannot read, every problem
reported at once, and plugins (serverless-offline's settings, serverless-dotenv-plugin,
serverless-lift's constructs, warnings for the others)."""
import json
import os
import shutil
import socket
import tempfile
import textwrap
import unittest

from harness import APPS, EventLog, Serverlite, app_path, run_cli

HANDLER = "def main(event, context):\n    return {'ok': True}\n"


def write(directory, files):
    for name, content in files.items():
        path = os.path.join(directory, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(textwrap.dedent(content))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Variables(unittest.TestCase):
    """config-vars: .env, params, strToBool, ssm/cf fallbacks, opt:stage, offline's prefix."""

    def env_of(self, sl, path):
        status, _, body = sl.gateway_json("GET", path)
        self.assertEqual(status, 200, body)
        return body

    def test_dev_stage(self):
        with Serverlite(app_path("config-vars")) as sl:
            # serverless-offline: prefix "api", noPrependStageInUrl: REST routes at /api/env,
            # HTTP API routes under /api too.
            env = self.env_of(sl, "/api/env")
            self.assertEqual(self.env_of(sl, "/api/v2/env")["STAGE"], "dev")
            self.assertEqual(sl.gateway("GET", "/dev/env")[0], 404)  # nothing at the usual path
            self.assertEqual(env["STAGE"], "dev")
            self.assertEqual(env["TABLE"], "config-vars-dev-items")
            self.assertEqual(env["GREETING"], "hello from .env")
            self.assertEqual(env["SHARED"], "hello from .env!")  # expanded
            self.assertEqual(env["DOMAIN"], "example.test")
            self.assertEqual(env["DEBUG"], "false")
            self.assertEqual(env["API_KEY"], "local-api-key")
            self.assertEqual(env["PEER_URL"], "http://localhost:9999")
            self.assertNotIn("DOTENV_SECRET", env)  # custom.dotenv.exclude
            err = sl.stderr()
            self.assertIn("provider.environment.STAGE: ${opt:stage, self:provider.stage} has no "
                          "value (no --stage option and no provider.stage): using the stage dev",
                          err)
            self.assertIn("provider.environment.API_KEY: ${ssm:/config-vars/api-key, "
                          "'local-api-key'}: serverlite does not read ssm variables", err)
            self.assertIn("plugins: serverless-prune-plugin is not emulated by serverlite; "
                          "ignored", err)
            self.assertIn("plugins: serverless-step-functions is not emulated yet", err)
            # Deploy-only keys stay silent.
            for key in ("iam", "tracing", "deploymentBucket", "vpc", "package"):
                self.assertNotIn(key + ": not supported", err)
            self.assertEqual(err.count("serverless-prune-plugin"), 1)

    def test_prod_stage_and_param_option(self):
        with Serverlite(app_path("config-vars"), "--stage", "prod", "--param",
                        "domain=cli.example.test") as sl:
            env = self.env_of(sl, "/api/env")
            self.assertEqual(env["STAGE"], "prod")
            self.assertEqual(env["GREETING"], "hello from .env.prod")
            # The Framework reads .env.prod alone; serverless-dotenv-plugin reads .env too, after
            # it, expanding $GREETING with the value .env.prod gave.
            self.assertEqual(env["SHARED"], "hello from .env.prod!")
            self.assertEqual(env["DOMAIN"], "cli.example.test")
            self.assertEqual(env["DEBUG"], "true")
            self.assertNotIn("using the stage", sl.stderr())

    def test_environment_wins_over_dotenv(self):
        with Serverlite(app_path("config-vars"), env={"GREETING": "from the shell"}) as sl:
            self.assertEqual(self.env_of(sl, "/api/env")["GREETING"], "from the shell")


class OfflinePorts(unittest.TestCase):
    def test_http_port_is_used_unless_given(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        port = free_port()
        write(tmp, {"handler.py": HANDLER, "serverless.yml": f"""\
            service: offline-ports
            provider: {{name: aws, runtime: python3.11}}
            plugins: [serverless-offline]
            custom:
              serverless-offline: {{httpPort: {port}}}
            functions:
              f:
                handler: handler.main
                events: [{{httpApi: GET /hello}}]
            """})
        sl = Serverlite(os.path.join(tmp, "serverless.yml"))
        i = sl.cmd.index("--gateway-port")
        del sl.cmd[i:i + 2]
        with sl:
            self.assertEqual(sl.gateway_url, f"http://127.0.0.1:{port}")
            status, _, body = sl.gateway_json("GET", "/hello")
            self.assertEqual((status, body), (200, {"ok": True}))


class Lift(unittest.TestCase):
    def test_queue_construct_triggers_its_worker(self):
        events_dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, events_dir)
        with Serverlite(app_path("config-lift"), env={"CONFIG_EVENTS_DIR": events_dir}) as sl:
            status, _, env = sl.gateway_json("GET", "/info")
            self.assertEqual(status, 200)
            self.assertTrue(env["JOBS_URL"].endswith("/000000000000/config-lift-dev-jobs"),
                            env["JOBS_URL"])
            self.assertEqual(env["JOBS_ARN"], "arn:aws:sqs:us-east-1:000000000000:config-lift-dev-jobs")
            self.assertTrue(env["DLQ_URL"].endswith("/config-lift-dev-jobs-dlq"))
            self.assertEqual(env["BUCKET"], "config-lift-dev-uploads")
            self.assertIn("constructs.uploads: serverlite does not serve S3 yet", sl.stderr())

            sqs = sl.boto3_client("sqs")
            attrs = sqs.get_queue_attributes(QueueUrl=env["JOBS_URL"],
                                             AttributeNames=["All"])["Attributes"]
            self.assertEqual(attrs["VisibilityTimeout"], "36")  # 6 × the worker's 6 s
            self.assertEqual(json.loads(attrs["RedrivePolicy"])["maxReceiveCount"], 2)
            sqs.send_message(QueueUrl=env["JOBS_URL"], MessageBody="job-1")
            log = EventLog(events_dir, "config-lift")
            events = log.wait_for("jobsWorker", lambda e: e, timeout=20)
            self.assertEqual(events[0]["Records"][0]["body"], "job-1")


class Files(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)

    def invoke(self, *args):
        return run_cli("invoke", "-c", self.tmp, *args, cwd=self.tmp)

    def test_json_definition(self):
        write(self.tmp, {"handler.py": HANDLER, "serverless.json": json.dumps({
            "service": "from-json", "provider": {"name": "aws", "runtime": "python3.11"},
            "functions": {"f": {"handler": "handler.main"}}})})
        r = self.invoke("f")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), {"ok": True})

    @unittest.skipUnless(shutil.which("node"), "node is not installed")
    def test_javascript_definition(self):
        write(self.tmp, {"handler.py": HANDLER, "serverless.js": """\
            const provider = { name: 'aws', runtime: 'python3.11' };
            module.exports = Promise.resolve({
              service: 'from-js', provider, functions: { f: { handler: 'handler.main' } } });
            """})
        r = run_cli("invoke", "f", cwd=self.tmp)  # found in the current directory
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), {"ok": True})

    def test_every_problem_at_once(self):
        write(self.tmp, {"handler.py": HANDLER, "serverless.yml": """\
            service: many-problems
            provider: {name: aws, runtime: python3.11}
            custom:
              token: ${env:NOT_SET_ANYWHERE}
            functions:
              a: {handler: missing.main}
              b: {handler: handler.main, timeout: 0}
              c:
                handler: handler.main
                events: [{sqs: {}}]
            """})
        r = self.invoke("b")
        self.assertEqual(r.returncode, 2)
        errors = [l for l in r.stderr.splitlines() if l.startswith("serverlite: error: ")]
        self.assertEqual(len(errors), 4, r.stderr)
        self.assertIn("custom.token: cannot resolve ${env:NOT_SET_ANYWHERE}", errors[0])
        self.assertIn("functions.a.handler", errors[1])
        self.assertIn("functions.b.timeout", errors[2])
        self.assertIn("functions.c.events[0]", errors[3])
        self.assertIn("serverlite: 4 problems in serverless.yml", r.stderr)

    def test_no_definition_found(self):
        r = self.invoke("f")
        self.assertEqual(r.returncode, 2)
        self.assertIn("no serverless.yml, serverless.yaml, serverless.json, serverless.js or "
                      "serverless.ts in", r.stderr)


if __name__ == "__main__":
    unittest.main()
