#!/usr/bin/env python3
"""Lambda Runtime API client for Python handlers, as serverlite runs them.

Contract (the emulator's side is emulator/invoker/worker.cpp):
- Started as `python3 -u bootstrap.py` from a temporary directory, with the service directory as
  the working directory. Only the standard library is used, and nothing beside this file.
- Reads AWS_LAMBDA_RUNTIME_API (host:port), _HANDLER ("path/to/module.function") and
  LAMBDA_TASK_ROOT, loads the handler once (the init phase), then loops on
  GET /runtime/invocation/next and posts each result or error, over one keep-alive connection.
- Errors have the shape of AWS's Python runtime:
  {"errorMessage", "errorType", "requestId", "stackTrace": [...]}. An init failure is posted to
  /runtime/init/error and the process exits with status 1, as the managed runtime does.
- Announces itself with User-Agent "serverlite-runtime/python/<version>", so the emulator can warn
  when the interpreter does not match the declared runtime.
- Started as `python3 -u bootstrap.py --standby`, it is a standby (emulator/invoker/standby.hpp):
  before it imports the handler it waits on GET /runtime/serverlite/standby, which answers once
  serverlite releases it. The flag is taken off sys.argv first.
"""

# Only what the first invocation needs is imported here: a cold start pays for every module.
# http.client (with email and ssl behind it) is replaced by the few lines of HTTP below; base64,
# decimal and traceback are imported where they are used.
import importlib
import io
import json
import logging
import os
import socket
import sys
import time

_API_PREFIX = "/2018-06-01/runtime"
_ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
_THIS_FILE = os.path.abspath(__file__)

# The invocation in flight. Lambda keeps it after the response too, so log lines written by
# background threads between invocations still carry the last request id.
_request_id = None


class Fault(Exception):
    """A runtime-detected failure with one of Lambda's `Runtime.*` error types."""

    def __init__(self, error_type, message, trace=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace


def make_error(message, error_type, stack_trace, request_id=""):
    return {
        "errorMessage": message or "",
        "errorType": error_type or "",
        "requestId": request_id or "",
        "stackTrace": stack_trace or [],
    }


def error_from_exception(exc, request_id=""):
    """The error document for an exception raised by user code, without our own frames."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    for i, frame in enumerate(frames):
        if frame.filename != _THIS_FILE:
            frames = frames[i:]
            break
    else:
        frames = []
    # Plain tuples, as Lambda formats them: no column carets under each line.
    tuples = [(f.filename, f.lineno, f.name, f.line) for f in frames]
    return make_error(str(exc), type(exc).__name__, traceback.format_list(tuples), request_id)


# ---- the handler's stdout and stderr ----------------------------------------------------------


class StdStreams:
    """Keeps stdout and stderr usable by the runtime and the next invocation when a handler closes
    them (os.close(1), sys.stdout.close()): private duplicates of both descriptors, not inherited
    by the handler's children, put back after each invocation."""

    def __init__(self):
        self._copies = {}
        for fd in (1, 2):
            try:
                self._copies[fd] = os.dup(fd)
            except OSError:
                pass

    def restore(self):
        for fd, copy in self._copies.items():
            try:
                os.fstat(fd)
            except OSError:
                os.dup2(copy, fd)
        if sys.stdout is None or sys.stdout.closed:
            sys.stdout = _text_stream(1)
        if sys.stderr is None or sys.stderr.closed:
            sys.stderr = _text_stream(2)


def _text_stream(fd):
    # As `python3 -u` makes them: unbuffered bytes, each text write passed on at once.
    return io.TextIOWrapper(io.FileIO(fd, "w", closefd=False), encoding="utf-8",
                            errors="backslashreplace", write_through=True)


class _StdoutHandler(logging.StreamHandler):
    """A logging handler that writes to whatever sys.stdout is now."""

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, value):
        pass


def log_error(error):
    """Lambda's text-format error record: "[ERROR] Type: message" and the traceback."""
    description = "[ERROR]"
    if error.get("errorType"):
        description += " " + error["errorType"]
    if error.get("errorMessage"):
        if error.get("errorType"):
            description += ":"
        description += " " + error["errorMessage"]
    lines = [description, "Traceback (most recent call last):"]
    for element in error.get("stackTrace") or []:
        lines.extend(element.splitlines() or [""])
    try:
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
    except (OSError, ValueError):
        pass  # the handler broke stdout; the error is still posted


# ---- the Runtime API --------------------------------------------------------------------------


class Invocation:
    __slots__ = ("request_id", "body", "deadline_ms", "function_arn", "trace_id",
                 "client_context", "cognito_identity")


class ApiError(Exception):
    """The Runtime API's connection failed or answered something that is not HTTP/1.1."""


class _Response:
    __slots__ = ("status", "headers")

    def __init__(self, status, headers):
        self.status = status
        self.headers = headers  # lower-case name -> value

    def getheader(self, name, default=None):
        return self.headers.get(name.lower(), default)


class RuntimeApi:
    """One persistent HTTP/1.1 connection to the Runtime API; used from the main thread only."""

    _MAX_HEAD = 64 * 1024

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self._host = host or "127.0.0.1"
        self._port = int(port)
        self._sock = None
        self._buffer = bytearray()  # appended to in place: an event may be megabytes
        self._user_agent = "serverlite-runtime/python/%d.%d.%d" % sys.version_info[:3]

    def _connection(self):
        if self._sock is None:
            sock = socket.create_connection((self._host, self._port))
            # Small request/response pairs on the hot path: do not let Nagle delay them.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sock = sock
            self._buffer = bytearray()
        return self._sock

    def _close(self):
        if self._sock is not None:
            self._sock.close()
        self._sock = None
        self._buffer = bytearray()

    def _fill(self, sock):
        chunk = sock.recv(65536)
        if not chunk:
            raise ApiError("the Runtime API closed the connection")
        self._buffer += chunk

    def _exchange(self, method, path, body, headers):
        sock = self._connection()
        head = ["%s %s%s HTTP/1.1" % (method, _API_PREFIX, path), "Host: %s:%d" % (self._host, self._port)]
        for name, value in headers.items():
            head.append("%s: %s" % (name, value))
        if body is not None or method == "POST":
            if isinstance(body, str):
                body = body.encode("utf-8")
            body = body or b""
            head.append("Content-Length: %d" % len(body))
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + (body or b""))
        while b"\r\n\r\n" not in self._buffer:
            if len(self._buffer) > self._MAX_HEAD:
                raise ApiError("the Runtime API's answer has too long a head")
            self._fill(sock)
        end = self._buffer.index(b"\r\n\r\n")
        lines = self._buffer[:end].decode("latin-1").split("\r\n")
        del self._buffer[:end + 4]
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise ApiError("the Runtime API answered %r" % lines[0][:100])
        fields = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                fields[name.strip().lower()] = value.strip()
        length = int(fields.get("content-length", "0") or 0)
        while len(self._buffer) < length:
            self._fill(sock)
        data = bytes(self._buffer[:length])
        del self._buffer[:length]
        if fields.get("connection", "").lower() == "close":
            self._close()
        return _Response(int(parts[1]), fields), data

    def _request(self, method, path, body=None, headers=None):
        all_headers = {"User-Agent": self._user_agent}
        if headers:
            all_headers.update(headers)
        for attempt in (1, 2):
            try:
                return self._exchange(method, path, body, all_headers)
            except (OSError, ApiError, ValueError):
                # The server may have closed an idle keep-alive connection; reconnect once.
                self._close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def next(self):
        response, body = self._request("GET", "/invocation/next")
        if response.status != 200:
            raise RuntimeError("invocation/next answered %d: %r" % (response.status, body[:200]))
        inv = Invocation()
        inv.request_id = response.getheader("Lambda-Runtime-Aws-Request-Id", "")
        inv.body = body
        inv.deadline_ms = int(response.getheader("Lambda-Runtime-Deadline-Ms", "0") or 0)
        inv.function_arn = response.getheader("Lambda-Runtime-Invoked-Function-Arn")
        inv.trace_id = response.getheader("Lambda-Runtime-Trace-Id")
        inv.client_context = response.getheader("Lambda-Runtime-Client-Context")
        inv.cognito_identity = response.getheader("Lambda-Runtime-Cognito-Identity")
        return inv

    def wait_for_release(self):
        response, body = self._request("GET", "/serverlite/standby")
        if response.status != 200:
            raise RuntimeError("serverlite/standby answered %d: %r" % (response.status, body[:200]))

    def post_response(self, request_id, payload, content_type="application/json"):
        self._request("POST", "/invocation/%s/response" % request_id, payload,
                      {"Content-Type": content_type})

    def post_error(self, request_id, error):
        self._request("POST", "/invocation/%s/error" % request_id, _error_bytes(error),
                      {"Content-Type": "application/json", _ERROR_TYPE_HEADER: error["errorType"]})

    def post_init_error(self, error):
        self._request("POST", "/init/error", _error_bytes(error),
                      {"Content-Type": "application/json", _ERROR_TYPE_HEADER: error["errorType"]})


def _error_bytes(error):
    return json.dumps(error, ensure_ascii=False).encode("utf-8")


# ---- the context object -----------------------------------------------------------------------


class CognitoIdentity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, doc=None):
        doc = doc or {}
        self.cognito_identity_id = doc.get("cognitoIdentityId")
        self.cognito_identity_pool_id = doc.get("cognitoIdentityPoolId")


class Client:
    __slots__ = ("installation_id", "app_title", "app_version_name", "app_version_code",
                 "app_package_name")

    def __init__(self, doc):
        for name in self.__slots__:
            setattr(self, name, doc.get(name))


class ClientContext:
    __slots__ = ("custom", "env", "client")

    def __init__(self, doc):
        self.custom = doc.get("custom")
        self.env = doc.get("env")
        client = doc.get("client")
        self.client = Client(client) if isinstance(client, dict) else None


class LambdaContext:
    """The `context` argument, with the attributes the managed Python runtime provides."""

    def __init__(self, inv, client_context, identity):
        self.aws_request_id = inv.request_id
        self.invoked_function_arn = inv.function_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        # A string, as in Lambda: it is read from the environment.
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.client_context = ClientContext(client_context) if client_context else None
        self.identity = CognitoIdentity(identity)
        self._deadline_ms = inv.deadline_ms

    def get_remaining_time_in_millis(self):
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def log(self, message):
        sys.stdout.write(str(message))
        sys.stdout.flush()


def _parse_json_header(value, what):
    """Lambda passes client context and identity as JSON text. serverlite's Invoke may hand the
    client context on still base64-encoded, as the Invoke API receives it; accept both."""
    try:
        return json.loads(value)
    except ValueError as first:
        try:
            import base64

            return json.loads(base64.b64decode(value, validate=True))
        except (ValueError, TypeError):
            raise Fault("Runtime.LambdaContextUnmarshalError",
                        "Unable to parse %s JSON: %s" % (what, first))


# ---- logging ----------------------------------------------------------------------------------


class _RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _request_id or ""
        return True


def setup_logging():
    """The root logger Lambda's Python runtime installs: one handler, text format, UTC times.
    The level stays WARNING unless AWS_LAMBDA_LOG_LEVEL says otherwise, as in Lambda (which is
    why functions call logger.setLevel(logging.INFO) themselves)."""
    formatter = logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
        "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handler = _StdoutHandler()
    handler.setFormatter(formatter)
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = (os.environ.get("AWS_LAMBDA_LOG_LEVEL") or "").upper()
    if level and isinstance(logging.getLevelName(level), int):
        root.setLevel(level)


# ---- loading the handler ----------------------------------------------------------------------


def _fault_handler(fault):
    def handler(event, context):
        raise fault
    return handler


def load_handler(spec, task_root):
    """'path/to/module.function' or 'pkg.mod.function' → a callable. Raises Fault for the
    failures Lambda reports at init; a missing function is reported on each invocation instead,
    as the managed runtime does."""
    try:
        module_name, function_name = spec.rsplit(".", 1)
    except ValueError as e:
        raise Fault("Runtime.MalformedHandlerName", "Bad handler '%s': %s" % (spec, e))

    # Python puts the script's directory first on sys.path; Lambda puts the task root there.
    # The module's own directory comes last, so `import helpers` beside it works without
    # shadowing the standard library.
    if sys.path and os.path.abspath(sys.path[0] or ".") == os.path.dirname(_THIS_FILE):
        sys.path.pop(0)
    sys.path.insert(0, task_root)
    module_dir = os.path.dirname(os.path.join(task_root, module_name.replace(".", "/")))
    if os.path.isdir(module_dir) and module_dir not in sys.path:
        sys.path.append(module_dir)

    if module_name.split(".")[0] in sys.builtin_module_names:
        raise Fault("Runtime.BuiltInModuleConflict",
                    "Cannot use built-in module %s as a handler module" % module_name)
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as e:
        raise Fault("Runtime.ImportModuleError",
                    "Unable to import module '%s': %s" % (module_name, e))
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise Fault("Runtime.UserCodeSyntaxError",
                    "Syntax error in module '%s': %s" % (module_name, e), trace)
    try:
        return getattr(module, function_name)
    except AttributeError:
        return _fault_handler(Fault("Runtime.HandlerNotFound",
                                    "Handler '%s' missing on module '%s'"
                                    % (function_name, module_name)))


# ---- one invocation ---------------------------------------------------------------------------


def _json_default(value):
    # Lambda's marshaller writes Decimal values (DynamoDB's numbers) as JSON numbers.
    decimal = sys.modules.get("decimal")  # a Decimal exists only once its module was imported
    if decimal is not None and isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError("Object of type %s is not JSON serializable" % type(value).__name__)


def marshal(result):
    """(payload bytes, content type). Bytes go out as they are, as Lambda's marshaller does."""
    if isinstance(result, (bytes, bytearray)):
        return bytes(result), "application/unknown"
    try:
        return (json.dumps(result, ensure_ascii=False, default=_json_default).encode("utf-8"),
                "application/json")
    except (TypeError, ValueError, OverflowError) as e:
        raise Fault("Runtime.MarshalError", "Unable to marshal response: %s" % e)


def handle(api, handler, inv, streams):
    global _request_id
    _request_id = inv.request_id
    if inv.trace_id:
        os.environ["_X_AMZN_TRACE_ID"] = inv.trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)

    error = None
    try:
        client_context = (_parse_json_header(inv.client_context, "Client Context")
                          if inv.client_context else None)
        identity = (_parse_json_header(inv.cognito_identity, "Cognito Identity")
                    if inv.cognito_identity else None)
        context = LambdaContext(inv, client_context, identity)
        try:
            event = json.loads(inv.body) if inv.body else {}
        except ValueError as e:
            raise Fault("Runtime.UnmarshalError", "Unable to unmarshal input: %s" % e)
        payload, content_type = marshal(handler(event, context))
    except Fault as fault:
        error = make_error(fault.message, fault.error_type, fault.trace, inv.request_id)
    except Exception as e:  # user code may raise anything; SystemExit still ends the process
        error = error_from_exception(e, inv.request_id)

    streams.restore()
    if error is not None:
        log_error(error)
        api.post_error(inv.request_id, error)
    else:
        api.post_response(inv.request_id, payload, content_type)


def main():
    standby = sys.argv[1:2] == ["--standby"]
    if standby:
        del sys.argv[1]
    try:
        api = RuntimeApi(os.environ["AWS_LAMBDA_RUNTIME_API"])
    except (KeyError, ValueError):
        sys.stderr.write("bootstrap.py: AWS_LAMBDA_RUNTIME_API is not set to host:port\n")
        return 2
    streams = StdStreams()
    setup_logging()
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    if standby:
        try:
            api.wait_for_release()
        except (OSError, ApiError, ValueError, RuntimeError):
            return 1  # the emulator has gone away, or stopped this standby

    try:
        handler = load_handler(os.environ.get("_HANDLER", ""), task_root)
    except Fault as fault:
        error = make_error(fault.message, fault.error_type, fault.trace)
    except Exception as e:  # the module raised while it was imported
        error = error_from_exception(e)
    else:
        error = None
    if error is not None:
        log_error(error)
        try:
            api.post_init_error(error)
        except (OSError, ApiError, ValueError):
            pass
        return 1

    while True:
        try:
            handle(api, handler, api.next(), streams)
        except (OSError, ApiError, ValueError, RuntimeError):
            return 1  # the emulator has gone away: there is nobody left to serve


if __name__ == "__main__":
    sys.exit(main())
