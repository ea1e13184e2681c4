"""The environment a handler finds is Lambda's: the AWS SDK its runtime includes is there
(v3 for nodejs18.x and later, v2 for nodejs16.x and older, boto3 for Python), the app's own copy
wins, and whichever SDK a handler uses, its calls arrive at serverlite, never at real AWS, even
with a hard-coded real SQS QueueUrl and with SDKs that ignore AWS_ENDPOINT_URL (the v2 SDK,
Debian's botocore 1.29).

The Node SDKs are installed once into the user's cache (~/.cache/serverlite/sdk) by setUpClass,
the only step that needs the network (the npm registry); scripts/setup does the same."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import ROOT, Serverlite, app_path

SDK_INSTALLER = os.path.join(ROOT, "emulator", "runtimes", "node", "sdk.cjs")
REAL_QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/000000000000/sdk-env-inbox"


def install_node_sdks():
    r = subprocess.run(["node", SDK_INSTALLER, "install", "all"], capture_output=True, text=True,
                       timeout=900)
    if r.returncode != 0:
        raise RuntimeError("installing the Node SDKs failed:\n" + r.stdout + r.stderr)


def bin_dir_with(**links):
    """A directory of symlinks (name → target), to put first on PATH."""
    d = tempfile.mkdtemp(prefix="serverlite-bin-")
    for name, target in links.items():
        os.symlink(target, os.path.join(d, name))
    return d


def invoke(client, name, payload):
    r = client.invoke(FunctionName=name, Payload=json.dumps(payload).encode())
    body = json.loads(r["Payload"].read() or b"null")
    return r.get("FunctionError"), body


class SdkEnv(unittest.TestCase):
    """The fixture app sdk-env, run with Debian's python3 (botocore 1.29, which ignores
    AWS_ENDPOINT_URL) as the Python interpreter."""

    @classmethod
    def setUpClass(cls):
        install_node_sdks()
        cls.bin = bin_dir_with(python3="/usr/bin/python3")
        env = {"PATH": cls.bin + os.pathsep + os.environ["PATH"]}
        cls.sl = Serverlite(app_path("sdk-env"), env=env).__enter__()
        cls.client = cls.sl.boto3_client("lambda")
        cls.dynamodb = cls.sl.boto3_client("dynamodb")
        cls.sqs = cls.sl.boto3_client("sqs")
        cls.inbox = cls.sqs.get_queue_url(QueueName="sdk-env-inbox")["QueueUrl"]
        cls.received = []

    @classmethod
    def tearDownClass(cls):
        cls.sl.__exit__(None, None, None)
        shutil.rmtree(cls.bin, ignore_errors=True)

    def item(self, key):
        got = self.dynamodb.get_item(TableName="sdk-env-items", Key={"id": {"S": key}},
                                     ConsistentRead=True)
        return got.get("Item")

    def queued(self, body):
        for _ in range(10):
            if body in self.received:
                return True
            got = self.sqs.receive_message(QueueUrl=self.inbox, MaxNumberOfMessages=10,
                                           WaitTimeSeconds=1).get("Messages", [])
            for m in got:
                self.received.append(m["Body"])
                self.sqs.delete_message(QueueUrl=self.inbox, ReceiptHandle=m["ReceiptHandle"])
        return body in self.received

    def assert_arrived(self, function, key, sdk):
        error, body = invoke(self.client, "sdk-env-dev-" + function, {"id": key})
        self.assertIsNone(error, body)
        self.assertEqual(self.item(key), {"id": {"S": key}, "sdk": {"S": sdk}})
        self.assertTrue(self.queued(key), f"{key} not in the queue")
        return body

    def test_sdk_v3_commonjs_handler_reaches_serverlite_also_with_a_real_queue_url(self):
        self.assert_arrived("v3cjs", "v3-cjs-1", "v3-cjs")
        # v3's SQS client sends to the QueueUrl's host: it was turned back to serverlite.
        self.assertTrue(self.sl.wait_for_log(
            lambda l: "sqs.us-east-1.amazonaws.com was sent to serverlite" in l), self.sl.stderr())

    def test_sdk_v3_es_module_handler_imports_the_runtime_sdk(self):
        self.assert_arrived("v3esm", "v3-esm-1", "v3-esm")

    def test_sdk_v2_on_nodejs16_reaches_serverlite_although_it_ignores_the_endpoint_variable(self):
        self.assert_arrived("v2", "v2-1", "v2")

    def test_nodejs20_has_no_sdk_v2_as_on_lambda(self):
        error, body = invoke(self.client, "sdk-env-dev-v2missing", {"id": "none"})
        self.assertEqual(error, "Unhandled")
        self.assertIn("Cannot find module 'aws-sdk'", body["errorMessage"])
        self.assertIsNone(self.item("none"))

    def test_boto3_with_a_botocore_that_ignores_the_endpoint_variable_reaches_serverlite(self):
        body = self.assert_arrived("boto3", "boto3-1", "boto3")
        # Debian's botocore: older than the versions that read AWS_ENDPOINT_URL themselves.
        self.assertTrue(body["botocore"].startswith("1.29."), body)
        self.assertEqual(body["endpoint"], self.sl.aws_url)

    def test_the_environment_has_is_offline_and_per_service_endpoints(self):
        for function in ("env", "pyenv"):
            error, env = invoke(self.client, "sdk-env-dev-" + function, {})
            self.assertIsNone(error, env)
            self.assertEqual(env["IS_OFFLINE"], "true")
            self.assertEqual(env["AWS_ENDPOINT_URL"], self.sl.aws_url)
            for service in ("DYNAMODB", "DYNAMODB_STREAMS", "SQS", "KINESIS", "LAMBDA"):
                self.assertEqual(env["AWS_ENDPOINT_URL_" + service], self.sl.aws_url)
        self.assertIn("preload.cjs", invoke(self.client, "sdk-env-dev-env", {})[1]["NODE_OPTIONS"])
        self.assertTrue(invoke(self.client, "sdk-env-dev-pyenv", {})[1]["PYTHONPATH"])


OWN_APP = """\
service: own-sdk
provider: {name: aws, runtime: nodejs20.x}
functions:
  owncjs: {handler: own.handler}
  ownesm: {handler: ownesm.handler}
  needs: {handler: needs.handler}
  boto: {handler: boto.handler, runtime: python3.11}
"""


class SdkResolution(unittest.TestCase):
    """An app that bundles its own @aws-sdk/client-dynamodb gets it; with an empty SDK cache and
    no npm, a handler that needs the runtime's SDK fails with the module, the reason and the
    command that installs it."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="serverlite-sdk-")
        app = os.path.join(cls.tmp, "app")
        own = os.path.join(app, "node_modules", "@aws-sdk", "client-dynamodb")
        os.makedirs(own)
        with open(os.path.join(own, "package.json"), "w") as f:
            json.dump({"name": "@aws-sdk/client-dynamodb", "version": "0.0.1", "main": "index.js"}, f)
        with open(os.path.join(own, "index.js"), "w") as f:
            f.write("exports.whose = 'the app';\n")
        files = {
            "serverless.yml": OWN_APP,
            "own.js": "exports.handler = async () => require('@aws-sdk/client-dynamodb').whose;\n",
            "ownesm.mjs": "import { whose } from '@aws-sdk/client-dynamodb';\n"
                          "export const handler = async () => whose;\n",
            "needs.js": "const { SQSClient } = require('@aws-sdk/client-sqs');\n"
                        "exports.handler = async () => typeof SQSClient;\n",
            "boto.py": "def handler(event, context):\n    import boto3\n",
        }
        for name, text in files.items():
            with open(os.path.join(app, name), "w") as f:
                f.write(text)
        # PATH: node, and a python3 without boto3 (a virtual environment of Debian's); no npm.
        # The SDK cache: empty.
        venv = os.path.join(cls.tmp, "venv")
        subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", venv], check=True)
        cls.bin = bin_dir_with(node=shutil.which("node"))
        env = {"PATH": os.path.join(venv, "bin") + os.pathsep + cls.bin,
               "XDG_CACHE_HOME": os.path.join(cls.tmp, "cache")}
        cls.sl = Serverlite(os.path.join(app, "serverless.yml"), env=env).__enter__()
        cls.client = cls.sl.boto3_client("lambda")

    @classmethod
    def tearDownClass(cls):
        cls.sl.__exit__(None, None, None)
        shutil.rmtree(cls.tmp, ignore_errors=True)
        shutil.rmtree(cls.bin, ignore_errors=True)

    def test_the_apps_own_sdk_wins_for_require_and_import(self):
        self.assertEqual(invoke(self.client, "own-sdk-dev-owncjs", {}), (None, "the app"))
        self.assertEqual(invoke(self.client, "own-sdk-dev-ownesm", {}), (None, "the app"))

    def test_a_missing_sdk_that_cannot_be_installed_says_what_to_run(self):
        error, body = invoke(self.client, "own-sdk-dev-needs", {})
        self.assertEqual(error, "Unhandled")
        message = body["errorMessage"]
        self.assertIn("Cannot find module '@aws-sdk/client-sqs'", message)
        self.assertIn("npm is not on PATH", message)
        self.assertIn("npm ci --ignore-scripts", message)
        self.assertIn(os.path.join(self.tmp, "cache", "serverlite", "sdk", "node-v3-"), message)

    def test_a_python_without_boto3_says_how_to_install_it(self):
        error, body = invoke(self.client, "own-sdk-dev-boto", {})
        self.assertEqual(error, "Unhandled")
        self.assertEqual(body["errorType"], "ModuleNotFoundError")
        self.assertIn("No module named 'boto3'", body["errorMessage"])
        self.assertIn("apt-get install python3-boto3", body["errorMessage"])


if __name__ == "__main__":
    unittest.main()
