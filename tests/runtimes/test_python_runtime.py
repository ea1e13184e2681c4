"""emulator/runtimes/python/bootstrap.py against a fake Runtime API, with real handlers."""
import base64
import json
import os
import re
import shutil
import tempfile
import textwrap
import time
import unittest

from fake_runtime_api import (ROOT, FakeRuntimeApi, RuntimeProcess, client_env,
                              install_client, write_files)

PYTHON = shutil.which("python3") or "/usr/bin/python3"


class PythonRuntimeTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="pyrt-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.task_root = os.path.join(self.tmp, "task")
        os.makedirs(self.task_root)
        self.api = FakeRuntimeApi().__enter__()
        self.addCleanup(self.api.close)
        self.client = install_client(self.tmp, "python")

    def start(self, files, handler="app.handler", task_root=None, argv=None, **env):
        task_root = task_root or self.task_root
        write_files(task_root, {k: textwrap.dedent(v) for k, v in files.items()})
        proc = RuntimeProcess(argv or [PYTHON, "-u", self.client],
                              client_env(self.api, handler, task_root, **env), task_root)
        self.addCleanup(proc.stop)
        return proc


class Results(PythonRuntimeTest):
    def test_result_and_context(self):
        self.start({"app.py": """
            def handler(event, context):
                return {
                    "event": event,
                    "function_name": context.function_name,
                    "function_version": context.function_version,
                    "invoked_function_arn": context.invoked_function_arn,
                    "memory_limit_in_mb": context.memory_limit_in_mb,
                    "aws_request_id": context.aws_request_id,
                    "log_group_name": context.log_group_name,
                    "log_stream_name": context.log_stream_name,
                    "remaining": context.get_remaining_time_in_millis(),
                    "identity": [context.identity.cognito_identity_id,
                                 context.identity.cognito_identity_pool_id],
                    "client_context": context.client_context,
                }
        """})
        rid = self.api.push({"a": [1, "two"]}, timeout_ms=5000)
        post = self.api.wait_post(rid)
        self.assertEqual(post.kind, "response", post)
        out = post.json()
        self.assertEqual(out["event"], {"a": [1, "two"]})
        self.assertEqual(out["function_name"], "test-fn")
        self.assertEqual(out["function_version"], "$LATEST")
        self.assertEqual(out["invoked_function_arn"], FakeRuntimeApi.ARN)
        self.assertEqual(out["memory_limit_in_mb"], "256")  # a string, as in Lambda
        self.assertEqual(out["aws_request_id"], rid)
        self.assertEqual(out["log_group_name"], "/aws/lambda/test-fn")
        self.assertEqual(out["log_stream_name"], "2024/01/01/[$LATEST]0123456789abcdef")
        self.assertGreater(out["remaining"], 3000)
        self.assertLessEqual(out["remaining"], 5000)
        self.assertEqual(out["identity"], [None, None])
        self.assertIsNone(out["client_context"])

    def test_remaining_time_counts_down_and_stops_at_zero(self):
        self.start({"app.py": """
            import time
            def handler(event, context):
                first = context.get_remaining_time_in_millis()
                time.sleep(0.3)
                return [first, context.get_remaining_time_in_millis()]
        """})
        first, second = self.api.invoke({}, timeout_ms=2000).json()
        self.assertGreaterEqual(first - second, 250)
        first, second = self.api.invoke({}, timeout_ms=100).json()
        self.assertEqual(second, 0)

    def test_client_context_and_identity(self):
        self.start({"app.py": """
            def handler(event, context):
                cc = context.client_context
                return {"custom": cc.custom, "env": cc.env,
                        "installation_id": cc.client.installation_id,
                        "identity": context.identity.cognito_identity_id,
                        "pool": context.identity.cognito_identity_pool_id}
        """})
        doc = {"custom": {"k": "v"}, "env": {"locale": "en"},
               "client": {"installation_id": "inst-1"}}
        identity = {"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"}
        out = self.api.invoke({}, headers={
            "Lambda-Runtime-Client-Context": json.dumps(doc),
            "Lambda-Runtime-Cognito-Identity": json.dumps(identity)}).json()
        self.assertEqual(out, {"custom": {"k": "v"}, "env": {"locale": "en"},
                               "installation_id": "inst-1", "identity": "id-1",
                               "pool": "pool-1"})
        # The Invoke API's ClientContext is base64 JSON; the client accepts that form too.
        b64 = base64.b64encode(json.dumps(doc).encode()).decode()
        out = self.api.invoke({}, headers={"Lambda-Runtime-Client-Context": b64}).json()
        self.assertEqual(out["custom"], {"k": "v"})

    def test_environment_passthrough_and_trace_id(self):
        self.start({"app.py": """
            import os
            def handler(event, context):
                return {k: os.environ.get(k) for k in
                        ("MY_SETTING", "AWS_REGION", "_HANDLER", "LAMBDA_TASK_ROOT", "TZ",
                         "_X_AMZN_TRACE_ID", "AWS_LAMBDA_RUNTIME_API")} | {"cwd": os.getcwd()}
        """}, MY_SETTING="from serverless.yml")
        out = self.api.invoke({}).json()
        self.assertEqual(out["MY_SETTING"], "from serverless.yml")
        self.assertEqual(out["AWS_REGION"], "us-east-1")
        self.assertEqual(out["_HANDLER"], "app.handler")
        self.assertEqual(out["LAMBDA_TASK_ROOT"], self.task_root)
        self.assertEqual(out["TZ"], ":UTC")
        self.assertEqual(out["AWS_LAMBDA_RUNTIME_API"], self.api.address)
        self.assertTrue(out["_X_AMZN_TRACE_ID"].startswith("Root=1-"))
        self.assertEqual(os.path.realpath(out["cwd"]), os.path.realpath(self.task_root))

    def test_warm_process_reuses_state_and_one_connection(self):
        proc = self.start({"app.py": """
            import os
            calls = 0
            def handler(event, context):
                global calls
                calls += 1
                return {"calls": calls, "pid": os.getpid()}
        """})
        results = [self.api.invoke({"n": i}).json() for i in range(5)]
        self.assertEqual([r["calls"] for r in results], [1, 2, 3, 4, 5])
        self.assertEqual({r["pid"] for r in results}, {proc.pid})
        self.assertEqual(self.api.connections, 1)
        self.assertRegex(self.api.user_agents[0], r"^serverlite-runtime/python/3\.\d+\.\d+")

    def test_nested_paths_dotted_modules_and_sibling_imports(self):
        files = {
            "src/handlers/api.py": """
                import helpers
                def main(event, context):
                    return helpers.greet(event["name"])
            """,
            "src/handlers/helpers.py": """
                def greet(name):
                    return "hi " + name
            """,
        }
        self.start(files, handler="src/handlers/api.main")
        self.assertEqual(self.api.invoke({"name": "a"}).json(), "hi a")

    def test_dotted_module_path(self):
        self.start({"pkg/__init__.py": "", "pkg/mod.py": """
            def fn(event, context):
                return event["x"] * 2
        """}, handler="pkg.mod.fn")
        self.assertEqual(self.api.invoke({"x": 21}).json(), 42)

    def test_decimal_and_bytes_results(self):
        self.start({"app.py": """
            from decimal import Decimal
            def handler(event, context):
                if event.get("bytes"):
                    return b"raw\\x00bytes"
                return {"int": Decimal("3"), "float": Decimal("1.5"), "text": "h\u00e9"}
        """})
        post = self.api.invoke({})
        self.assertEqual(post.json(), {"int": 3, "float": 1.5, "text": "h\u00e9"})
        self.assertEqual(self.api.invoke({"bytes": True}).body, b"raw\x00bytes")


class Errors(PythonRuntimeTest):
    def test_exception_has_the_python_error_shape_and_the_process_stays_warm(self):
        proc = self.start({"app.py": """
            def helper():
                raise ValueError("boom")
            def handler(event, context):
                if event.get("ok"):
                    return "fine"
                helper()
        """})
        rid = self.api.push({})
        post = self.api.wait_post(rid)
        self.assertEqual(post.kind, "error")
        self.assertEqual(post.headers["lambda-runtime-function-error-type"], "ValueError")
        err = post.json()
        self.assertEqual(list(err), ["errorMessage", "errorType", "requestId", "stackTrace"])
        self.assertEqual(err["errorMessage"], "boom")
        self.assertEqual(err["errorType"], "ValueError")
        self.assertEqual(err["requestId"], rid)
        trace = err["stackTrace"]
        self.assertEqual(len(trace), 2, trace)
        self.assertRegex(trace[0], r'^  File ".*/app\.py", line \d+, in handler\n    helper\(\)\n$')
        self.assertIn('raise ValueError("boom")', trace[1])
        self.assertFalse(any("bootstrap.py" in t for t in trace))
        self.assertTrue(proc.wait_line(lambda l: l == "[ERROR] ValueError: boom"))
        # Still warm: the next invocation is served by the same process.
        self.assertEqual(self.api.invoke({"ok": True}).json(), "fine")
        self.assertIsNone(proc.wait_exit(0.1))

    def test_import_error_is_an_init_error_and_the_process_exits(self):
        proc = self.start({"app.py": "import nope_not_here\n"})
        self.api.push({})
        post = self.api.wait_post(kind="init_error")
        self.assertIsNotNone(post)
        err = post.json()
        self.assertEqual(err["errorType"], "Runtime.ImportModuleError")
        self.assertEqual(err["errorMessage"],
                         "Unable to import module 'app': No module named 'nope_not_here'")
        self.assertEqual(err["stackTrace"], [])
        self.assertEqual(post.headers["lambda-runtime-function-error-type"],
                         "Runtime.ImportModuleError")
        self.assertEqual(proc.wait_exit(10), 1)
        self.assertEqual(self.api.delivered, [])  # it never asked for the event

    def test_missing_module_file(self):
        proc = self.start({}, handler="python/nothing.handler")
        err = self.api.wait_post(kind="init_error").json()
        self.assertEqual(err["errorType"], "Runtime.ImportModuleError")
        self.assertEqual(err["errorMessage"],
                         "Unable to import module 'python/nothing': No module named 'python'")
        self.assertEqual(proc.wait_exit(10), 1)

    def test_syntax_error(self):
        proc = self.start({"app.py": "def handler(event, context)\n    return 1\n"})
        err = self.api.wait_post(kind="init_error").json()
        self.assertEqual(err["errorType"], "Runtime.UserCodeSyntaxError")
        self.assertTrue(err["errorMessage"].startswith("Syntax error in module 'app': "),
                        err["errorMessage"])
        self.assertRegex(err["stackTrace"][0], r'^  File ".*app\.py" Line 1\n    def handler')
        self.assertEqual(proc.wait_exit(10), 1)

    def test_exception_while_importing_is_an_init_error_of_its_type(self):
        proc = self.start({"app.py": "raise RuntimeError('no config')\n"})
        err = self.api.wait_post(kind="init_error").json()
        self.assertEqual((err["errorType"], err["errorMessage"]), ("RuntimeError", "no config"))
        # As in Lambda, the import machinery's frames come first and the module's last.
        self.assertIn('app.py", line 1, in <module>', err["stackTrace"][-1])
        self.assertEqual(proc.wait_exit(10), 1)

    def test_malformed_handler_name(self):
        proc = self.start({"app.py": ""}, handler="app")
        err = self.api.wait_post(kind="init_error").json()
        self.assertEqual(err["errorType"], "Runtime.MalformedHandlerName")
        self.assertTrue(err["errorMessage"].startswith("Bad handler 'app': "))
        self.assertEqual(proc.wait_exit(10), 1)

    def test_missing_function_is_reported_on_each_invocation(self):
        proc = self.start({"app.py": "def other(event, context):\n    return 1\n"},
                          handler="app.missing")
        for _ in range(2):
            post = self.api.invoke({})
            self.assertEqual(post.kind, "error")
            err = post.json()
            self.assertEqual(err["errorType"], "Runtime.HandlerNotFound")
            self.assertEqual(err["errorMessage"], "Handler 'missing' missing on module 'app'")
        self.assertIsNone(proc.wait_exit(0.1))

    def test_unserialisable_result_is_a_marshal_error(self):
        self.start({"app.py": "def handler(event, context):\n    return {1, 2}\n"})
        post = self.api.invoke({})
        self.assertEqual(post.kind, "error")
        err = post.json()
        self.assertEqual(err["errorType"], "Runtime.MarshalError")
        self.assertEqual(err["errorMessage"],
                         "Unable to marshal response: Object of type set is not JSON serializable")
        self.assertEqual(err["stackTrace"], [])

    def test_sys_exit_ends_the_process(self):
        proc = self.start({"app.py": "import sys\ndef handler(e, c):\n    sys.exit(4)\n"})
        self.api.push({})
        self.assertEqual(proc.wait_exit(10), 4)
        self.assertEqual(self.api.posts, [])


class Logs(PythonRuntimeTest):
    STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"

    def test_logging_has_lambdas_prefix_and_print_is_plain(self):
        proc = self.start({"app.py": """
            import logging, sys
            logger = logging.getLogger("app")
            def handler(event, context):
                print("plain line")
                logger.info("hidden at the default level")
                logger.warning("careful %s", 1)
                logging.getLogger().setLevel(logging.INFO)
                logger.info("now visible")
                sys.stderr.write("to stderr\\n")
                return None
        """})
        rid = self.api.push({})
        self.assertEqual(self.api.wait_post(rid).body, b"null")
        self.assertTrue(proc.wait_line(lambda l: "now visible" in l))
        lines = proc.stdout_lines
        self.assertIn("plain line", lines)
        self.assertFalse(any("hidden" in l for l in lines))
        self.assertTrue(any(re.fullmatch(rf"\[WARNING\]\t{self.STAMP}\t{rid}\tcareful 1", l)
                            for l in lines), lines)
        self.assertTrue(any(re.fullmatch(rf"\[INFO\]\t{self.STAMP}\t{rid}\tnow visible", l)
                            for l in lines), lines)
        deadline = time.monotonic() + 5
        while "to stderr" not in proc.stderr_lines and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertIn("to stderr", proc.stderr_lines)

    def test_log_level_from_the_environment(self):
        proc = self.start({"app.py": """
            import logging
            def handler(event, context):
                logging.getLogger("x").debug("debug shown")
                return 1
        """}, AWS_LAMBDA_LOG_LEVEL="DEBUG")
        rid = self.api.push({})
        self.api.wait_post(rid)
        line = proc.wait_line(lambda l: "debug shown" in l)
        self.assertRegex(line, rf"^\[DEBUG\]\t{self.STAMP}\t{rid}\tdebug shown$")


DEMO = os.path.join(ROOT, "fixtures", "apps", "demo")
EDGE = os.path.join(ROOT, "fixtures", "apps", "edge-cases")


class FixtureApps(PythonRuntimeTest):
    """The Python handlers of fixtures/apps, run by the real client (the emulator is not needed)."""

    def test_demo_hello(self):
        self.start({}, "python/hello.handler", DEMO, GREETING="Howdy")
        self.assertEqual(self.api.invoke({"queryStringParameters": {"name": "gw"}}).json(),
                         {"message": "Howdy, gw!"})
        self.assertEqual(self.api.invoke({}).json(), {"message": "Howdy, world!"})

    def test_demo_items_keep_warm_state(self):
        self.start({}, "python/items.handler", DEMO)
        created = self.api.invoke({"httpMethod": "POST", "body": '{"name": "tea"}'}).json()
        self.assertEqual(created["statusCode"], 201)
        item = json.loads(created["body"])
        self.assertEqual(item["name"], "tea")
        got = self.api.invoke({"httpMethod": "GET", "pathParameters": {"id": item["id"]}}).json()
        self.assertEqual((got["statusCode"], json.loads(got["body"])), (200, item))
        listed = self.api.invoke({"httpMethod": "GET", "pathParameters": None}).json()
        self.assertEqual(json.loads(listed["body"]), [item])
        missing = self.api.invoke({"httpMethod": "GET", "pathParameters": {"id": "x"}}).json()
        self.assertEqual((missing["statusCode"], json.loads(missing["body"])),
                         (404, {"message": "not found"}))

    def test_demo_image(self):
        self.start({}, "python/image.handler", DEMO)
        out = self.api.invoke({"requestContext": {"http": {"method": "GET"}}}).json()
        self.assertEqual((out["statusCode"], out["headers"]["content-type"],
                          out["isBase64Encoded"]), (200, "image/png", True))
        self.assertTrue(base64.b64decode(out["body"]).startswith(b"\x89PNG\r\n\x1a\n"))
        blob = bytes(range(256))
        out = self.api.invoke({"requestContext": {"http": {"method": "POST"}},
                               "headers": {"content-type": "application/x-thing"},
                               "body": base64.b64encode(blob).decode(),
                               "isBase64Encoded": True}).json()
        self.assertEqual(base64.b64decode(out["body"]), blob)
        self.assertEqual(out["headers"]["content-type"], "application/x-thing")

    def test_demo_env(self):
        self.start({}, "python/env.handler", DEMO, GREETING="Hello")
        rid = self.api.push({})
        out = self.api.wait_post(rid).json()
        self.assertEqual(out["_HANDLER"], "python/env.handler")
        self.assertEqual(out["GREETING"], "Hello")
        self.assertEqual(out["AWS_LAMBDA_FUNCTION_NAME"], "test-fn")
        self.assertEqual(out["context"]["aws_request_id"], rid)
        self.assertEqual(out["context"]["memory_limit_in_mb"], "256")

    def test_demo_shout_bootstrap(self):
        proc = self.start({}, "shout.upper", DEMO, argv=[os.path.join(DEMO, "bootstrap")])
        self.assertEqual(self.api.invoke({"version": "2.0", "body": "hello there"}).json(),
                         {"statusCode": 200, "body": "HELLO THERE"})
        encoded = base64.b64encode(b"quiet").decode()
        self.assertEqual(self.api.invoke({"body": encoded, "isBase64Encoded": True}).json(),
                         {"statusCode": 200, "body": "QUIET"})
        self.assertEqual(self.api.invoke(raw=b"{nope").kind, "error")
        self.assertEqual(proc.wait_line(lambda l: "shout.upper" in l),
                         "shout bootstrap started, handler shout.upper")

    def test_edge_boom(self):
        self.start({}, "python/boom.handler", EDGE)
        err = self.api.invoke({}).json()
        self.assertEqual((err["errorType"], err["errorMessage"]), ("ValueError", "boom"))

    def test_edge_exit(self):
        proc = self.start({}, "python/exit.handler", EDGE)
        self.api.push({})
        self.assertEqual(proc.wait_exit(10), 3)

    def test_edge_bad_import(self):
        self.start({}, "python/bad_import.handler", EDGE)
        err = self.api.wait_post(kind="init_error").json()
        self.assertEqual(err["errorMessage"], "Unable to import module 'python/bad_import': "
                                              "No module named 'this_module_does_not_exist'")

    def test_edge_garbage(self):
        self.start({}, "python/garbage.handler", EDGE)
        self.assertEqual(self.api.invoke({}).json(), "this is not a proxy response")

    def test_edge_printer(self):
        proc = self.start({}, "python/printer.handler", EDGE)
        self.assertEqual(self.api.invoke({}).json(), {"ok": True})
        self.assertTrue(proc.wait_line(lambda l: l == "printer: line 3"))

    def test_edge_busy(self):
        proc = self.start({}, "python/busy.handler", EDGE)
        self.assertEqual(self.api.invoke({}).json(), {"pid": proc.pid})

    def test_edge_slow_writes_its_childs_pid(self):
        self.start({}, "python/slow.handler", EDGE)
        pid_file = os.path.join(self.tmp, "child.pid")
        self.assertEqual(self.api.invoke({"sleep": 0.1, "child_pid_file": pid_file}).json(),
                         {"slept": 0.1})
        with open(pid_file) as f:
            self.assertGreater(int(f.read()), 0)

if __name__ == "__main__":
    unittest.main()
