"""Starts the real serverlite binary for a test and stops it cleanly.

Every server binds 127.0.0.1 on ephemeral ports (port 0) with in-memory state, so tests run in
parallel and leave nothing behind.
"""
import json
import os
import signal
import subprocess
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("SERVERLITE_BIN", os.path.join(ROOT, "build", "test", "serverlite"))
APPS = os.path.join(ROOT, "fixtures", "apps")
AWS = "/usr/bin/aws"
PYTHON = "/usr/bin/python3"

# The signing names of the services behind the AWS endpoint, by X-Amz-Target prefix.
_TARGET_SERVICES = {"DynamoDB_": "dynamodb", "DynamoDBStreams_": "dynamodb", "Kinesis_": "kinesis",
                    "AmazonSQS.": "sqs"}


def signed(headers=None, service=None, path="/"):
    """`headers` with a well-formed SigV4 Authorization header and X-Amz-Date added, for raw
    requests to the AWS endpoint: AWS refuses unsigned requests, and so does serverlite (it checks
    the header's form; the signature only with --verify-signatures). Headers that already carry
    an Authorization (or any value None: left out) are returned as they are. The service is
    read from X-Amz-Target or the path when not given."""
    headers = dict(headers or {})
    if any(k.lower() == "authorization" for k in headers):
        return {k: v for k, v in headers.items() if v is not None}
    if service is None:
        target = next((v for k, v in headers.items() if k.lower() == "x-amz-target" and v), "")
        if isinstance(target, bytes):
            target = target.decode("latin-1")
        service = next((s for p, s in _TARGET_SERVICES.items() if target.startswith(p)), None)
        if service is None:
            service = "lambda" if path.startswith("/20") else "sqs"
    headers.setdefault("X-Amz-Date", "20240101T000000Z")
    headers["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/{service}/"
        f"aws4_request, SignedHeaders=host;x-amz-date, Signature={'0' * 64}")
    return headers


def app_path(name):
    return os.path.join(APPS, name, "serverless.yml")


def memory_measuring_env():
    """Environment for a test that measures serverlite's memory: in the sanitizer build,
    AddressSanitizer keeps freed memory in quarantine (256 MB by default), which would count as
    memory serverlite holds; reuse it at once instead."""
    options = os.environ.get("ASAN_OPTIONS", "")
    extra = "quarantine_size_mb=0:thread_local_quarantine_size_kb=0"
    return {"ASAN_OPTIONS": f"{options}:{extra}" if options else extra}


class Serverlite:
    """`serverlite up` in a child process. Use as a context manager."""

    def __init__(self, app, *args, env=None, ready_timeout=60, preexec_fn=None):
        self.cmd = [BIN, "up", "-c", app, "--port", "0", "--gateway-port", "0", *args]
        if "--state" not in args:
            self.cmd.append("--ephemeral")
        self.env = dict(os.environ, **(env or {}))
        self.ready_timeout = ready_timeout
        self.preexec_fn = preexec_fn  # runs in the child before serverlite (limits, ...)
        self.proc = None
        self.stderr_lines = []
        self.ready_line = None
        self._lock = threading.Lock()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL, env=self.env, text=True,
                                     encoding="utf-8", errors="replace",
                                     preexec_fn=self.preexec_fn)
        threading.Thread(target=self._pump_stderr, daemon=True).start()
        deadline = time.monotonic() + self.ready_timeout
        line_box = []
        reader = threading.Thread(target=lambda: line_box.append(self.proc.stdout.readline()),
                                  daemon=True)
        reader.start()
        reader.join(max(0.0, deadline - time.monotonic()))
        line = line_box[0] if line_box else ""
        if not line.startswith("serverlite ready"):
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError(f"serverlite did not get ready: {line!r}\n" + self.stderr())
        self.ready_line = line.strip()
        fields = dict(f.split("=", 1) for f in self.ready_line.split()[2:])
        self.aws_url = fields["aws"]
        self.gateway_url = fields["gateway"]
        self.fields = fields

    def _pump_stderr(self):
        for line in self.proc.stderr:
            with self._lock:
                self.stderr_lines.append(line.rstrip("\n"))

    def stderr(self):
        with self._lock:
            return "\n".join(self.stderr_lines)

    def wait_for_log(self, predicate, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if any(predicate(l) for l in self.stderr_lines):
                    return True
            time.sleep(0.02)
        return False

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc is None:
            return None
        try:
            if self.proc.poll() is not None:
                return self.proc.returncode
            self.proc.send_signal(sig)
            try:
                return self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise
        finally:
            self.proc.stdout.close()
            self.proc.stderr.close()

    # --- HTTP helpers -------------------------------------------------------------------------

    def request(self, method, url, body=None, headers=None, timeout=30, sign=True):
        """Returns (status, headers dict with lower-case names, body bytes). Requests for AWS APIs
        on the AWS endpoint are signed (see signed()) unless `sign` is False."""
        path = urllib.parse.urlparse(url).path or "/"
        if (sign and url.startswith(self.aws_url) and not path.startswith("/_")
                and "X-Amz-Algorithm" not in url):
            headers = signed(headers, path=path)
        data = body.encode() if isinstance(body, str) else body
        req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as res:
                return res.status, {k.lower(): v for k, v in res.headers.items()}, res.read()
        except urllib.error.HTTPError as e:
            return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()

    def gateway(self, method, path, body=None, headers=None, timeout=30):
        return self.request(method, self.gateway_url + path, body, headers, timeout)

    def gateway_json(self, method, path, body=None, headers=None):
        status, hdrs, raw = self.gateway(method, path, body, headers)
        return status, hdrs, json.loads(raw) if raw else None

    def aws_cli(self, *args, input=None, check=False):
        """Runs Debian's AWS CLI against this serverlite; returns CompletedProcess."""
        env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                   AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="", AWS_CONFIG_FILE="/dev/null",
                   AWS_SHARED_CREDENTIALS_FILE="/dev/null")
        return subprocess.run([AWS, "--endpoint-url", self.aws_url, *args], input=input,
                              capture_output=True, text=True, env=env, timeout=120, check=check)

    def boto3_client(self, service):
        import boto3
        from botocore.config import Config
        return boto3.client(service, endpoint_url=self.aws_url, region_name="us-east-1",
                            aws_access_key_id="test", aws_secret_access_key="test",
                            config=Config(retries={"max_attempts": 1}, read_timeout=60,
                                          max_pool_connections=50))


    def boto3_resource(self, service):
        import boto3
        return boto3.resource(service, endpoint_url=self.aws_url, region_name="us-east-1",
                              aws_access_key_id="test", aws_secret_access_key="test")


def run_cli(*args, input=None, cwd=None, timeout=120):
    return subprocess.run([BIN, *args], input=input, capture_output=True, text=True, cwd=cwd,
                          timeout=timeout)


class RestartTestCase(unittest.TestCase):
    """Tests that stop serverlite (cleanly or with SIGKILL) and start it again on one --state
    directory. Set SERVICE to the boto3 client `client(sl)` makes; every server started is killed
    at the end if still running, and the state directory removed."""
    APP = "demo"
    SERVICE = None

    def setUp(self):
        import shutil
        import tempfile
        self.state = tempfile.mkdtemp(prefix="serverlite-restart-")
        self.addCleanup(shutil.rmtree, self.state, ignore_errors=True)
        self.servers = []
        self.addCleanup(self._stop_servers)

    def _stop_servers(self):
        for sl in self.servers:
            if sl.proc is not None and sl.proc.poll() is None:
                sl.stop(signal.SIGKILL)

    def start(self):
        sl = Serverlite(app_path(self.APP), "--state", self.state)
        self.servers.append(sl)
        sl.start()
        return sl

    def client(self, sl):
        c = sl.boto3_client(self.SERVICE)
        self.addCleanup(c.close)
        return c


class ServerTestCase(unittest.TestCase):
    """One serverlite per test class: set APP (a fixture app's name) and, if needed, ARGS.
    Gives `cls.sl` (the Serverlite) and `cls.client` (a boto3 Lambda client)."""
    APP = None
    ARGS = ()

    @classmethod
    def setUpClass(cls):
        cls.sl = Serverlite(app_path(cls.APP), *cls.ARGS).__enter__()
        cls.client = cls.sl.boto3_client("lambda")

    @classmethod
    def tearDownClass(cls):
        cls.sl.__exit__(None, None, None)


class EventLog:
    """The events handlers of a fixture app wrote down in `directory`, one JSON line per
    invocation in <service>-dev-<function key>.jsonl, read by function key."""

    def __init__(self, directory, service):
        self.directory = directory
        self.service = service

    def events(self, key):
        path = os.path.join(self.directory, f"{self.service}-dev-{key}.jsonl")
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except FileNotFoundError:
            return []
        # A line still being written has no newline yet: leave it for the next look.
        return [json.loads(line) for line in text.split("\n")[:-1] if line]

    def wait_for(self, key, predicate, timeout=10):
        """The events of `key` once predicate(events) holds; fails the test after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            events = self.events(key)
            if predicate(events):
                return events
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting on {key}; events so far:\n" +
                                     json.dumps(events, indent=1)[:4000])
            time.sleep(0.05)

    def settle(self, key, quiet=1.0, timeout=10):
        """The events of `key` once none has come for `quiet` seconds: the trigger is done."""
        deadline = time.monotonic() + timeout
        events, since = self.events(key), time.monotonic()
        while time.monotonic() - since < quiet:
            if time.monotonic() > deadline:
                raise AssertionError(f"{key} keeps getting events: {len(events)} so far")
            time.sleep(0.05)
            now = self.events(key)
            if len(now) != len(events):
                events, since = now, time.monotonic()
        return events

    def heal(self, record_id):
        open(os.path.join(self.directory, f"healed-{record_id}"), "w").close()
