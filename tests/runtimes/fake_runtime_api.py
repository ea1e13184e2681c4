"""A tiny Lambda Runtime API for testing the runtime clients we ship, and a helper that runs one.

FakeRuntimeApi hands out queued events on GET /runtime/invocation/next (a long poll) and records
everything the client posts. It speaks HTTP/1.1 keep-alive and counts connections, so tests can
check that a client reuses one connection. RuntimeProcess starts a client in its own process
group, collects its stdout and stderr lines, and always kills the whole group on stop().
"""
import json
import os
import queue
import shutil
import signal
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RUNTIMES = os.path.join(ROOT, "emulator", "runtimes")
PREFIX = "/2018-06-01/runtime/"
TRACE_ID = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0"


class Post:
    """One POST the client made: kind is "response", "error" or "init_error"."""

    def __init__(self, kind, request_id, body, headers):
        self.kind = kind
        self.request_id = request_id
        self.body = body          # bytes
        self.headers = headers    # {lower-case name: value}

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"Post({self.kind}, {self.request_id}, {self.body[:300]!r})"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Lambda's Runtime API
    disable_nagle_algorithm = True  # headers and body are separate writes

    def setup(self):
        super().setup()
        with self.server.api.cond:
            self.server.api.connections += 1

    def log_message(self, *args):
        pass

    def _reply(self, status, body=b"", headers=None):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        api = self.server.api
        if self.path != PREFIX + "invocation/next":
            return self._reply(404)
        with api.cond:
            api.user_agents.append(self.headers.get("User-Agent", ""))
        while True:
            if api.stopped.is_set():
                self.close_connection = True
                return
            try:
                item = api.events.get(timeout=0.05)
                break
            except queue.Empty:
                continue
        headers = {
            "Content-Type": "application/json",
            "Lambda-Runtime-Aws-Request-Id": item["request_id"],
            "Lambda-Runtime-Deadline-Ms": str(item["deadline_ms"]),
            "Lambda-Runtime-Invoked-Function-Arn": item["arn"],
            "Lambda-Runtime-Trace-Id": item["trace_id"],
            **item["headers"],
        }
        with api.cond:
            api.delivered.append(item["request_id"])
            api.cond.notify_all()
        self._reply(200, item["body"], headers)

    def do_POST(self):
        api = self.server.api
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {k.lower(): v for k, v in self.headers.items()}
        rest = self.path[len(PREFIX):] if self.path.startswith(PREFIX) else None
        parts = (rest or "").split("/")
        if rest == "init/error":
            post = Post("init_error", None, body, headers)
        elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
            post = Post(parts[2], parts[1], body, headers)
        else:
            return self._reply(404)
        with api.cond:
            api.posts.append(post)
            api.cond.notify_all()
        self._reply(202, b'{"status":"OK"}', {"Content-Type": "application/json"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a long poll must not hold up close()

    def handle_error(self, request, client_address):
        pass  # a client killed mid-request resets its connection; that is expected here


class FakeRuntimeApi:
    """Use as a context manager; address is "127.0.0.1:PORT" for AWS_LAMBDA_RUNTIME_API."""

    ARN = "arn:aws:lambda:us-east-1:000000000000:function:test-fn"

    def __init__(self):
        self.events = queue.Queue()
        self.posts = []
        self.delivered = []
        self.user_agents = []
        self.connections = 0
        self.cond = threading.Condition()
        self.stopped = threading.Event()
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.api = self
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)

    @property
    def address(self):
        return "127.0.0.1:%d" % self.server.server_address[1]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.stopped.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def push(self, event=None, *, raw=None, timeout_ms=5000, headers=None, request_id=None):
        """Queues one invocation; returns its request id."""
        request_id = request_id or str(uuid.uuid4())
        body = raw if raw is not None else json.dumps({} if event is None else event).encode()
        self.events.put({
            "request_id": request_id,
            "body": body,
            "deadline_ms": int(time.time() * 1000) + timeout_ms,
            "arn": self.ARN,
            "trace_id": TRACE_ID,
            "headers": headers or {},
        })
        return request_id

    def wait_post(self, request_id=None, kind=None, timeout=10):
        """The first post for request_id (or of kind), waiting at most timeout seconds."""
        def find():
            return next((p for p in self.posts
                         if (request_id is None or p.request_id == request_id)
                         and (kind is None or p.kind == kind)), None)
        with self.cond:
            self.cond.wait_for(find, timeout)
            return find()

    def invoke(self, event=None, timeout=10, **kwargs):
        """push() and wait for its post."""
        return self.wait_post(self.push(event, **kwargs), timeout=timeout)


class RuntimeProcess:
    """A runtime client started the way serverlite starts it: its own process group, the task
    root as working directory, the client file copied into a temporary directory of its own."""

    def __init__(self, argv, env, cwd):
        self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     start_new_session=True)
        self.cond = threading.Condition()
        self.stdout_lines, self.stderr_lines = [], []
        self.readers = [threading.Thread(target=self._pump, args=(s, out), daemon=True)
                        for s, out in ((self.proc.stdout, self.stdout_lines),
                                       (self.proc.stderr, self.stderr_lines))]
        for t in self.readers:
            t.start()

    def _pump(self, stream, out):
        for raw in iter(stream.readline, b""):
            with self.cond:
                out.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self.cond.notify_all()

    @property
    def pid(self):
        return self.proc.pid

    def wait_exit(self, timeout=10):
        """The exit status, or None if it is still running after timeout seconds."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def output(self, timeout=2):
        """stdout lines once the pipes are drained (after exit) or after timeout."""
        for t in self.readers:
            t.join(timeout)
        with self.cond:
            return list(self.stdout_lines)

    def wait_line(self, predicate, timeout=10):
        with self.cond:
            self.cond.wait_for(lambda: any(predicate(l) for l in self.stdout_lines), timeout)
            return next((l for l in self.stdout_lines if predicate(l)), None)

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(10)
        for stream in (self.proc.stdout, self.proc.stderr):
            stream.close()


def write_files(root, files):
    """files: {relative path: text}."""
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)


def client_env(api, handler, task_root, **extra):
    """The environment serverlite gives a worker, without the parent's (so nothing leaks in)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "TZ": ":UTC",
        "AWS_LAMBDA_RUNTIME_API": api.address,
        "_HANDLER": handler,
        "LAMBDA_TASK_ROOT": task_root,
        "AWS_LAMBDA_FUNCTION_NAME": "test-fn",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/test-fn",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2024/01/01/[$LATEST]0123456789abcdef",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.update(extra)
    return env


def install_client(tmp, family):
    """Copies runtimes/<family>/bootstrap.* into tmp/rt/<family>/, as serverlite does."""
    name = {"python": "bootstrap.py", "node": "bootstrap.mjs"}[family]
    dest = os.path.join(tmp, "rt", family)
    os.makedirs(dest, exist_ok=True)
    shutil.copy(os.path.join(RUNTIMES, family, name), dest)
    return os.path.join(dest, name)
