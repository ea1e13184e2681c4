"""The environment a handler finds is Lambda's: the AWS SDK its runtime includes is there
(v3 for nodejs18.x and later, v2 for nodejs16.x and older, boto3 for Python), the app's own copy
wins, and whichever SDK a handler uses, its calls arrive at serverlite, never at real AWS, even
with a hard-coded real SQS QueueUrl and with SDKs that ignore AWS_ENDPOINT_URL (the v2 SDK,
Debian's botocore 1.29).

The Node SDKs are installed once into the user's cache (~/.cache/serverlite/sdk) by setUpClass,
the only step that needs the network (the npm registry); scripts/setup does the same."""
import http.server
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
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
    AWS_ENDPOINT_URL) as the Python interpreter, and with up --verify-signatures."""

    @classmethod
    def setUpClass(cls):
        install_node_sdks()
        cls.bin = bin_dir_with(python3="/usr/bin/python3")
        env = {"PATH": cls.bin + os.pathsep + os.environ["PATH"]}
        # Signatures checked: each SDK must have signed its calls for serverlite itself, not
        # for an AWS host its requests were turned away from.
        cls.sl = Serverlite(app_path("sdk-env"), "--verify-signatures", env=env).__enter__()
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
        # v3's SQS client would send to the QueueUrl's host: it kept to serverlite's endpoint.
        self.assertNotIn("sent to serverlite", self.sl.stderr())
        self.assertNotIn("using QueueUrl host as endpoint", self.sl.stderr())

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


GUARD_SCRIPT = r"""
const http = require("http"), https = require("https");
const done = (label) => (res) => { res.resume(); res.on("end", () => console.log(label, res.statusCode)); };
https.get("https://s3.amazonaws.com/get-url", done("get-url"));
https.request({ hostname: "dynamodb.us-east-1.amazonaws.com", path: "/options", method: "POST",
                headers: { Host: "dynamodb.us-east-1.amazonaws.com" } }, done("options")).end("{}");
http.request(new URL("http://sqs.eu-west-1.amazonaws.com/url-object"), done("url-object")).end();
https.request("https://lambda.cn-north-1.amazonaws.com.cn/china", { method: "PUT" }, done("china")).end();
http.get({ host: "127.0.0.1", port: process.env.PORT, path: "/local" }, done("local"));
"""


HTTP2_SCRIPT = r"""
const http2 = require("http2");
const server = http2.createServer();
server.on("stream", (stream, headers) => {
  stream.respond({ ":status": 200 });
  stream.end(headers[":authority"] + " " + headers[":path"]);
});
server.listen(Number(process.env.PORT), "127.0.0.1", () => {
  const session = http2.connect("https://kinesis.us-east-1.amazonaws.com");
  const req = session.request({ ":path": "/h2" });
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (d) => { body += d; });
  req.on("end", () => { console.log("h2", body); session.close(); server.close(); });
  req.end();
});
"""

HTTP2_REFUSED_SCRIPT = r"""
try {
  require("node:http2").connect("https://kinesis.us-east-1.amazonaws.com");
  console.log("connected");
} catch (e) {
  console.log(e.message);
}
"""


class PreloadGuard(unittest.TestCase):
    """The Node preload on its own, against a recording server standing in for serverlite: every
    form of http(s).request/get for an AWS host arrives there, over plain HTTP, with its Host;
    without AWS_ENDPOINT_URL such a request fails at once instead of leaving the machine."""

    @classmethod
    def setUpClass(cls):
        cls.seen = []

        class Recorder(http.server.BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("content-length") or 0)
                self.rfile.read(length)
                cls.seen.append((self.command, self.path, self.headers["host"]))
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            do_GET = do_POST = do_PUT = _answer

            def log_message(self, *args):
                pass

        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.port = cls.server.server_address[1]
        cls.preload = os.path.join(ROOT, "emulator", "runtimes", "node", "preload.cjs")

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def run_node(self, **env):
        full = {"PATH": os.environ["PATH"], "PORT": str(self.port), **env}
        return subprocess.run(["node", "--require", self.preload, "-e", GUARD_SCRIPT], env=full,
                              capture_output=True, text=True, timeout=60)

    def test_requests_for_aws_hosts_go_to_the_endpoint(self):
        r = self.run_node(AWS_ENDPOINT_URL=f"http://127.0.0.1:{self.port}")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(r.stdout.split("\n")[:-1]),
                         ["china 200", "get-url 200", "local 200", "options 200", "url-object 200"])
        host = f"127.0.0.1:{self.port}"
        self.assertEqual(sorted(self.seen), sorted([
            ("GET", "/get-url", host), ("POST", "/options", host), ("GET", "/url-object", host),
            ("PUT", "/china", host), ("GET", "/local", host)]))
        for name in ("s3.amazonaws.com", "dynamodb.us-east-1.amazonaws.com",
                     "sqs.eu-west-1.amazonaws.com", "lambda.cn-north-1.amazonaws.com.cn"):
            self.assertIn(f"a request for the AWS host {name} was sent to serverlite", r.stderr)

    def test_without_an_endpoint_they_fail_at_once(self):
        r = self.run_node()
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("refused a request for the AWS host s3.amazonaws.com", r.stderr)

    def test_an_http2_session_for_an_aws_host_opens_on_the_endpoint(self):
        port = None
        for _ in range(3):  # the free port found may be taken before node listens on it
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            full = {"PATH": os.environ["PATH"], "PORT": str(port),
                    "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"}
            r = subprocess.run(["node", "--require", self.preload, "-e", HTTP2_SCRIPT], env=full,
                               capture_output=True, text=True, timeout=60)
            if "EADDRINUSE" not in r.stderr:
                break
        self.assertEqual(r.returncode, 0, r.stderr)
        # The local h2c server got the request: its :authority is the endpoint's.
        self.assertEqual(r.stdout.strip(), f"h2 127.0.0.1:{port} /h2")
        self.assertIn("a request for the AWS host kinesis.us-east-1.amazonaws.com was sent to "
                      "serverlite", r.stderr)

    def test_an_http2_session_for_an_aws_host_without_an_endpoint_fails_at_once(self):
        r = subprocess.run(["node", "--require", self.preload, "-e", HTTP2_REFUSED_SCRIPT],
                           env={"PATH": os.environ["PATH"]}, capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("refused a request for the AWS host kinesis.us-east-1.amazonaws.com",
                      r.stdout)


SITE_SCRIPT = r"""
import json, boto3, botocore.session
out = {
    "dynamodb": boto3.client("dynamodb").meta.endpoint_url,
    "secretsmanager": boto3.client("secretsmanager").meta.endpoint_url,
    "explicit": boto3.client("sqs", endpoint_url="http://127.0.0.1:7").meta.endpoint_url,
    "session": botocore.session.get_session().create_client("kinesis").meta.endpoint_url,
    "resource": boto3.resource("dynamodb").meta.client.meta.endpoint_url,
}
print(json.dumps(out))
"""


class PythonSite(unittest.TestCase):
    """The sitecustomize on its own, with Debian's botocore 1.29 (which reads no endpoint
    variable itself): clients that name no endpoint get AWS_ENDPOINT_URL_<SERVICE>, else
    AWS_ENDPOINT_URL; one that names its endpoint keeps it."""

    def test_clients_get_the_endpoint_variables(self):
        site = os.path.join(ROOT, "emulator", "runtimes", "python", "site")
        env = {"PATH": os.environ["PATH"], "PYTHONPATH": site, "AWS_DEFAULT_REGION": "us-east-1",
               "AWS_ENDPOINT_URL": "http://127.0.0.1:4",
               "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:5",
               "AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://127.0.0.1:6"}
        r = subprocess.run(["/usr/bin/python3", "-c", SITE_SCRIPT], env=env, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), {
            "dynamodb": "http://127.0.0.1:5", "secretsmanager": "http://127.0.0.1:6",
            "explicit": "http://127.0.0.1:7", "session": "http://127.0.0.1:4",
            "resource": "http://127.0.0.1:5"})


    def test_connections_to_aws_hosts_are_refused_below_every_client(self):
        site = os.path.join(ROOT, "emulator", "runtimes", "python", "site")
        env = {"PATH": os.environ["PATH"], "PYTHONPATH": site, "AWS_DEFAULT_REGION": "us-east-1",
               "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x",
               "AWS_ENDPOINT_URL": "http://127.0.0.1:4"}
        for python in ("/usr/bin/python3", "python3"):
            r = subprocess.run([python, "-c", GUARD_PY_SCRIPT], env=env, capture_output=True,
                               text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout.splitlines(), [
                "getaddrinfo refused 111",
                "urllib refused",
                "botocore EndpointConnectionError",
                "local resolves True"], r.stderr)
            for host in ("s3.amazonaws.com", "sts.cn-north-1.amazonaws.com.cn",
                         "dynamodb.us-east-1.amazonaws.com"):
                self.assertIn(f"refused a connection to the AWS host {host}", r.stderr)


GUARD_PY_SCRIPT = r"""
import socket, urllib.request, urllib.error
import botocore.config, botocore.exceptions, botocore.session
try:
    socket.getaddrinfo("s3.amazonaws.com", 443)
    print("getaddrinfo resolved")
except ConnectionRefusedError as e:
    print("getaddrinfo refused", e.errno)
try:
    urllib.request.urlopen("https://sts.cn-north-1.amazonaws.com.cn/", timeout=5)
    print("urllib connected")
except urllib.error.URLError as e:
    print("urllib refused" if "refused a connection" in str(e.reason) else "urllib " + str(e))
client = botocore.session.get_session().create_client(
    "dynamodb", endpoint_url="https://dynamodb.us-east-1.amazonaws.com",
    config=botocore.config.Config(retries={"max_attempts": 1}))
try:
    client.list_tables()
    print("botocore answered")
except botocore.exceptions.EndpointConnectionError:
    print("botocore EndpointConnectionError")
print("local resolves", len(socket.getaddrinfo("127.0.0.1", 80)) > 0)
"""


if __name__ == "__main__":
    unittest.main()
