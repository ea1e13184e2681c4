"""emulator/runtimes/node/bootstrap.mjs against a fake Runtime API, with real handlers."""
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

NODE = shutil.which("node")


@unittest.skipUnless(NODE, "node is not on PATH")
class NodeRuntimeTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="nodert-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.task_root = os.path.join(self.tmp, "task")
        os.makedirs(self.task_root)
        self.api = FakeRuntimeApi().__enter__()
        self.addCleanup(self.api.close)
        self.client = install_client(self.tmp, "node")

    def start(self, files, handler="app.handler", task_root=None, **env):
        task_root = task_root or self.task_root
        write_files(task_root, {k: textwrap.dedent(v) for k, v in files.items()})
        proc = RuntimeProcess([NODE, self.client], client_env(self.api, handler, task_root, **env),
                              task_root)
        self.addCleanup(proc.stop)
        return proc


CONTEXT_HANDLER = """
    export const handler = async (event, context) => ({
      event,
      awsRequestId: context.awsRequestId,
      functionName: context.functionName,
      functionVersion: context.functionVersion,
      invokedFunctionArn: context.invokedFunctionArn,
      memoryLimitInMB: context.memoryLimitInMB,
      logGroupName: context.logGroupName,
      logStreamName: context.logStreamName,
      remaining: context.getRemainingTimeInMillis(),
      waits: context.callbackWaitsForEmptyEventLoop,
      clientContext: context.clientContext ?? "absent",
      identity: context.identity ?? "absent",
      env: { mine: process.env.MY_SETTING, trace: process.env._X_AMZN_TRACE_ID,
             region: process.env.AWS_REGION, tz: process.env.TZ, cwd: process.cwd() },
    });
"""


class Results(NodeRuntimeTest):
    def test_esm_async_result_context_and_environment(self):
        self.start({"app.mjs": CONTEXT_HANDLER}, MY_SETTING="yes")
        rid = self.api.push({"a": [1, "two"]}, timeout_ms=5000)
        post = self.api.wait_post(rid)
        self.assertEqual(post.kind, "response", post)
        out = post.json()
        self.assertEqual(out["event"], {"a": [1, "two"]})
        self.assertEqual(out["awsRequestId"], rid)
        self.assertEqual(out["functionName"], "test-fn")
        self.assertEqual(out["functionVersion"], "$LATEST")
        self.assertEqual(out["invokedFunctionArn"], FakeRuntimeApi.ARN)
        self.assertEqual(out["memoryLimitInMB"], "256")  # a string, as in Lambda
        self.assertEqual(out["logGroupName"], "/aws/lambda/test-fn")
        self.assertEqual(out["logStreamName"], "2024/01/01/[$LATEST]0123456789abcdef")
        self.assertGreater(out["remaining"], 3000)
        self.assertLessEqual(out["remaining"], 5000)
        self.assertIs(out["waits"], True)
        self.assertEqual(out["clientContext"], "absent")
        self.assertEqual(out["identity"], "absent")
        self.assertEqual(out["env"]["mine"], "yes")
        self.assertEqual(out["env"]["region"], "us-east-1")
        self.assertEqual(out["env"]["tz"], ":UTC")
        self.assertTrue(out["env"]["trace"].startswith("Root=1-"))
        self.assertEqual(os.path.realpath(out["env"]["cwd"]), os.path.realpath(self.task_root))

    def test_client_context_and_identity(self):
        self.start({"app.mjs": CONTEXT_HANDLER})
        doc = {"custom": {"k": "v"}}
        identity = {"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"}
        out = self.api.invoke({}, headers={
            "Lambda-Runtime-Client-Context": json.dumps(doc),
            "Lambda-Runtime-Cognito-Identity": json.dumps(identity)}).json()
        self.assertEqual(out["clientContext"], doc)
        self.assertEqual(out["identity"], identity)
        b64 = base64.b64encode(json.dumps(doc).encode()).decode()
        out = self.api.invoke({}, headers={"Lambda-Runtime-Client-Context": b64}).json()
        self.assertEqual(out["clientContext"], doc)

    def test_commonjs_callback_handler(self):
        self.start({"app.js": """
            exports.handler = (event, context, callback) => {
              setTimeout(() => callback(null, { got: event.n, id: context.awsRequestId }), 20);
            };
        """})
        rid = self.api.push({"n": 7})
        self.assertEqual(self.api.wait_post(rid).json(), {"got": 7, "id": rid})

    def test_commonjs_default_export_and_cjs_extension(self):
        self.start({"app.cjs": """
            const impl = (event) => Promise.resolve({ cjs: true, x: event.x });
            module.exports = Object.assign({}, { handler: impl });
        """})
        self.assertEqual(self.api.invoke({"x": 1}).json(), {"cjs": True, "x": 1})

    def test_js_is_preferred_and_dotted_function_paths_work(self):
        self.start({
            "lib/app.js": "exports.handlers = { main: async () => 'from js' };\n",
            "lib/app.mjs": "export const handlers = { main: async () => 'from mjs' };\n",
        }, handler="lib/app.handlers.main")
        self.assertEqual(self.api.invoke({}).json(), "from js")

    def test_context_succeed_fail_and_done(self):
        self.start({"app.js": """
            exports.handler = (event, context) => {
              if (event.how === "succeed") context.succeed({ ok: 1 });
              else if (event.how === "fail") context.fail(new TypeError("nope"));
              else if (event.how === "failnothing") context.fail();
              else context.done(null, "done");
            };
        """})
        self.assertEqual(self.api.invoke({"how": "succeed"}).json(), {"ok": 1})
        post = self.api.invoke({"how": "fail"})
        self.assertEqual(post.kind, "error")
        self.assertEqual(post.json()["errorType"], "TypeError")
        post = self.api.invoke({"how": "failnothing"})
        self.assertEqual((post.kind, post.json()["errorType"], post.json()["errorMessage"]),
                         ("error", "string", "handled"))
        self.assertEqual(self.api.invoke({"how": "done"}).json(), "done")

    def test_callback_waits_for_the_empty_event_loop_unless_told_not_to(self):
        self.start({"app.js": """
            exports.handler = (event, context, callback) => {
              context.callbackWaitsForEmptyEventLoop = event.wait;
              setTimeout(() => {}, 400);
              callback(null, "cb");
            };
        """})
        self.api.invoke({"wait": True})  # warm up, so timings measure the handler only
        for wait, check in ((True, self.assertGreaterEqual), (False, self.assertLess)):
            start = time.monotonic()
            post = self.api.invoke({"wait": wait})
            self.assertEqual(post.json(), "cb")
            check(time.monotonic() - start, 0.35, f"callbackWaitsForEmptyEventLoop={wait}")

    def test_sync_handler_without_callback_answers_null(self):
        self.start({"app.js": "exports.handler = (event, context, callback) => { };\n"})
        post = self.api.invoke({})
        self.assertEqual((post.kind, post.body), ("response", b"null"))

    def test_warm_process_reuses_state_and_one_connection(self):
        proc = self.start({"app.mjs": """
            let calls = 0;
            export const handler = async () => ({ calls: ++calls, pid: process.pid });
        """})
        results = [self.api.invoke({"n": i}).json() for i in range(5)]
        self.assertEqual([r["calls"] for r in results], [1, 2, 3, 4, 5])
        self.assertEqual({r["pid"] for r in results}, {proc.pid})
        self.assertEqual(self.api.connections, 1)
        self.assertRegex(self.api.user_agents[0], r"^serverlite-runtime/node/\d+\.\d+\.\d+$")


class Errors(NodeRuntimeTest):
    def assert_node_error(self, post, error_type, message):
        self.assertEqual(post.kind, "error", post)
        err = post.json()
        self.assertEqual(list(err), ["errorType", "errorMessage", "trace"])
        self.assertEqual((err["errorType"], err["errorMessage"]), (error_type, message))
        self.assertEqual(post.headers["lambda-runtime-function-error-type"], error_type)
        return err

    def test_thrown_rejected_and_callback_errors(self):
        proc = self.start({"app.js": """
            exports.handler = async (event) => {
              if (event.kind === "throw") throw new Error("boom");
              if (event.kind === "string") throw "just a string";
              return "fine";
            };
            exports.cb = (event, context, callback) => callback(new RangeError("cb boom"));
            exports.sync = (event) => { throw new Error("sync boom"); };
        """})
        err = self.assert_node_error(self.api.invoke({"kind": "throw"}), "Error", "boom")
        self.assertEqual(err["trace"][0], "Error: boom")
        self.assertTrue(any("app.js" in line for line in err["trace"]), err["trace"])
        err = self.assert_node_error(self.api.invoke({"kind": "string"}), "string",
                                     "just a string")
        self.assertEqual(err["trace"], [])
        self.assertEqual(self.api.invoke({}).json(), "fine")
        line = proc.wait_line(lambda l: "\tERROR\tInvoke Error \t" in l)
        logged = json.loads(line.split("Invoke Error \t", 1)[1])
        self.assertEqual((logged["errorType"], logged["errorMessage"]), ("Error", "boom"))
        self.assertIsNone(proc.wait_exit(0.1))

    def test_callback_error(self):
        self.start({"app.js": "exports.cb = (e, c, callback) => callback(new RangeError('x'));\n"},
                   handler="app.cb")
        self.assert_node_error(self.api.invoke({}), "RangeError", "x")

    def test_sync_throw(self):
        self.start({"app.js": "exports.h = () => { throw new Error('sync boom'); };\n"},
                   handler="app.h")
        self.assert_node_error(self.api.invoke({}), "Error", "sync boom")

    def init_error(self, proc, error_type):
        post = self.api.wait_post(kind="init_error")
        self.assertIsNotNone(post)
        err = post.json()
        self.assertEqual(err["errorType"], error_type, err)
        self.assertEqual(post.headers["lambda-runtime-function-error-type"], error_type)
        self.assertEqual(proc.wait_exit(10), 129)
        self.assertEqual(self.api.delivered, [])
        return err

    def test_missing_module_is_import_module_error(self):
        proc = self.start({}, handler="src/nothing.handler")
        err = self.init_error(proc, "Runtime.ImportModuleError")
        self.assertTrue(err["errorMessage"].startswith("Error: Cannot find module 'nothing'"),
                        err["errorMessage"])
        self.assertEqual(err["trace"][0],
                         "Runtime.ImportModuleError: Error: Cannot find module 'nothing'")
        line = proc.wait_line(lambda l: "Uncaught Exception" in l)
        self.assertRegex(line, r"^\S+Z\tundefined\tERROR\tUncaught Exception \t\{")

    def test_missing_package_is_import_module_error(self):
        proc = self.start({"app.mjs": "import 'no-such-package';\nexport const handler = 1;\n"})
        err = self.init_error(proc, "Runtime.ImportModuleError")
        self.assertIn("Cannot find package 'no-such-package'", err["errorMessage"])
        self.assertTrue(err["errorMessage"].startswith("Error"), err["errorMessage"])

    def test_handler_not_found(self):
        proc = self.start({"app.js": "exports.other = () => 1;\n"}, handler="app.handler")
        err = self.init_error(proc, "Runtime.HandlerNotFound")
        self.assertEqual(err["errorMessage"], "app.handler is undefined or not exported")

    def test_handler_not_a_function(self):
        proc = self.start({"app.mjs": "export const handler = 42;\n"}, handler="app.handler")
        err = self.init_error(proc, "Runtime.HandlerNotFound")
        self.assertEqual(err["errorMessage"], "app.handler is not a function")

    def test_malformed_handler(self):
        proc = self.start({"app.js": ""}, handler="app")
        err = self.init_error(proc, "Runtime.MalformedHandlerName")
        self.assertEqual(err["errorMessage"], "Bad handler")

    def test_syntax_error(self):
        proc = self.start({"app.mjs": "export const handler = async () => {;\n"})
        err = self.init_error(proc, "Runtime.UserCodeSyntaxError")
        self.assertTrue(err["errorMessage"].startswith("SyntaxError: "), err["errorMessage"])

    def test_uncaught_exception_fails_the_invocation_and_exits(self):
        proc = self.start({"app.js": """
            exports.handler = (event, context, callback) => {
              setTimeout(() => { throw new Error("late boom"); }, 10);
            };
        """})
        self.assert_node_error(self.api.invoke({}), "Error", "late boom")
        self.assertEqual(proc.wait_exit(10), 129)
        self.assertTrue(any("\tERROR\tUncaught Exception \t" in l for l in proc.output()))

    def test_exception_after_the_result_does_not_lose_it(self):
        proc = self.start({"app.mjs": """
            export const handler = async () => {
              setTimeout(() => { throw new Error("after the fact"); }, 0);
              return "kept";
            };
        """})
        post = self.api.invoke({})
        self.assertEqual((post.kind, post.json()), ("response", "kept"))
        self.assertEqual(proc.wait_exit(10), 129)

    def test_unhandled_rejection_fails_the_invocation_and_exits(self):
        proc = self.start({"app.mjs": """
            export const handler = async () => {
              Promise.reject(new Error("nobody listens"));
              await new Promise((resolve) => setTimeout(resolve, 200));
              return "too late";
            };
        """})
        self.assert_node_error(self.api.invoke({}), "Runtime.UnhandledPromiseRejection",
                               "Error: nobody listens")
        self.assertEqual(proc.wait_exit(10), 128)

    def test_process_exit_ends_the_process(self):
        proc = self.start({"app.js": "exports.handler = () => process.exit(2);\n"})
        self.api.push({})
        self.assertEqual(proc.wait_exit(10), 2)
        self.assertEqual(self.api.posts, [])


class Logs(NodeRuntimeTest):
    def test_console_lines_have_lambdas_prefix(self):
        proc = self.start({"app.mjs": """
            console.log("during init");
            export const handler = async () => {
              console.log("hello %s", "log");
              console.info("an info");
              console.warn("a warning");
              console.error("an error", { k: 1 });
              console.debug("a debug");
              return null;
            };
        """})
        rid = self.api.push({})
        self.api.wait_post(rid)
        self.assertTrue(proc.wait_line(lambda l: l.endswith("a debug")))
        stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
        lines = proc.stdout_lines
        for level, message in (("INFO", "hello log"), ("INFO", "an info"),
                               ("WARN", "a warning"), ("ERROR", "an error { k: 1 }"),
                               ("DEBUG", "a debug")):
            self.assertTrue(any(re.fullmatch(rf"{stamp}\t{rid}\t{level}\t{re.escape(message)}", l)
                                for l in lines), (level, lines))
        self.assertTrue(any(re.fullmatch(rf"{stamp}\tundefined\tINFO\tduring init", l)
                            for l in lines), lines)


DEMO = os.path.join(ROOT, "fixtures", "apps", "demo")
EDGE = os.path.join(ROOT, "fixtures", "apps", "edge-cases")


class FixtureApps(NodeRuntimeTest):
    """The Node handlers of fixtures/apps, run by the real client (the emulator is not needed)."""

    def test_demo_echo(self):
        self.start({}, "node/echo.handler", DEMO)
        event = {"httpMethod": "POST", "path": "/echo/a", "body": "payload"}
        out = self.api.invoke(event).json()
        self.assertEqual(out["statusCode"], 200)
        self.assertEqual(json.loads(out["body"]), event)

    def test_demo_echo2(self):
        self.start({}, "node/echo2.handler", DEMO)
        rid = self.api.push({"version": "2.0"})
        out = self.api.wait_post(rid).json()
        self.assertEqual(out["headers"], {"content-type": "application/json"})
        body = json.loads(out["body"])
        self.assertEqual(body["event"], {"version": "2.0"})
        self.assertEqual(body["context"]["functionName"], "test-fn")
        self.assertEqual(body["context"]["awsRequestId"], rid)
        self.assertGreater(body["context"]["remaining"], 0)

    def test_edge_boom(self):
        self.start({}, "node/boom.handler", EDGE)
        err = self.api.invoke({}).json()
        self.assertEqual((err["errorType"], err["errorMessage"]), ("Error", "boom"))

    def test_edge_crash(self):
        proc = self.start({}, "node/crash.handler", EDGE)
        self.api.push({})
        self.assertEqual(proc.wait_exit(10), 2)

    def test_edge_callback(self):
        self.start({}, "node/callback.handler", EDGE)
        rid = self.api.push({})
        self.assertEqual(self.api.wait_post(rid).json(), {"ok": True, "requestId": rid})

    def test_edge_ctx(self):
        self.start({}, "node/ctx.handler", EDGE)
        rid = self.api.push({}, headers={"Lambda-Runtime-Client-Context": '{"custom": {}}'})
        out = self.api.wait_post(rid).json()
        self.assertEqual(out["context"]["awsRequestId"], rid)
        self.assertEqual(out["context"]["clientContext"], {"custom": {}})
        for name in ("AWS_LAMBDA_FUNCTION_NAME", "AWS_REGION", "_HANDLER",
                     "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT"):
            self.assertIn(name, out["env"])


if __name__ == "__main__":
    unittest.main()
