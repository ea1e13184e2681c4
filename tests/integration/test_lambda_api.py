"""The Lambda API on the AWS endpoint, through the AWS CLI and boto3."""
import base64
import concurrent.futures
import json
import os
import tempfile
import unittest

from harness import ServerTestCase


class LambdaApiWithCli(ServerTestCase):
    APP = "demo"

    def invoke(self, *args):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "out.json")
            r = self.sl.aws_cli("lambda", "invoke", *args, out)
            body = open(out).read() if os.path.exists(out) else None
            return r, body

    def test_invoke_request_response(self):
        r, body = self.invoke("--function-name", "demo-dev-hello",
                              "--cli-binary-format", "raw-in-base64-out",
                              "--payload", '{"queryStringParameters": {"name": "aws"}}')
        self.assertEqual(r.returncode, 0, r.stderr)
        meta = json.loads(r.stdout)
        self.assertEqual(meta["StatusCode"], 200)
        self.assertEqual(meta["ExecutedVersion"], "$LATEST")
        self.assertNotIn("FunctionError", meta)
        self.assertEqual(json.loads(body)["message"], "Hello, aws!")

    def test_invoke_by_arn_and_partial_arn(self):
        for name in ("arn:aws:lambda:us-east-1:000000000000:function:demo-dev-env",
                     "000000000000:function:demo-dev-env", "demo-dev-env:$LATEST"):
            r, body = self.invoke("--function-name", name)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(json.loads(body)["AWS_LAMBDA_FUNCTION_NAME"], "demo-dev-env")

    def test_invoke_event_is_accepted_with_202(self):
        r, _ = self.invoke("--function-name", "demo-dev-env", "--invocation-type", "Event")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["StatusCode"], 202)
        self.assertTrue(self.sl.wait_for_log(lambda l: l.startswith("[env] REPORT")))

    def test_invoke_dry_run_is_204(self):
        r, _ = self.invoke("--function-name", "demo-dev-env", "--invocation-type", "DryRun")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["StatusCode"], 204)

    def test_log_type_tail_returns_the_log(self):
        r, _ = self.invoke("--function-name", "demo-dev-env", "--log-type", "Tail")
        self.assertEqual(r.returncode, 0, r.stderr)
        log = base64.b64decode(json.loads(r.stdout)["LogResult"]).decode()
        self.assertIn("START RequestId:", log)
        self.assertIn("END RequestId:", log)
        self.assertIn("REPORT RequestId:", log)

    def test_unknown_function_is_resource_not_found(self):
        r, _ = self.invoke("--function-name", "nope")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("ResourceNotFoundException", r.stderr)
        self.assertIn("Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope",
                      r.stderr)

    def test_list_and_get_functions(self):
        r = self.sl.aws_cli("lambda", "list-functions")
        self.assertEqual(r.returncode, 0, r.stderr)
        names = {f["FunctionName"] for f in json.loads(r.stdout)["Functions"]}
        self.assertTrue({"demo-dev-hello", "demo-dev-items", "demo-dev-shout"} <= names)
        r = self.sl.aws_cli("lambda", "get-function", "--function-name", "demo-dev-echo")
        self.assertEqual(r.returncode, 0, r.stderr)
        cfg = json.loads(r.stdout)["Configuration"]
        self.assertEqual(cfg["Runtime"], "nodejs20.x")
        self.assertEqual(cfg["Handler"], "node/echo.handler")
        self.assertEqual(cfg["FunctionArn"],
                         "arn:aws:lambda:us-east-1:000000000000:function:demo-dev-echo")
        self.assertEqual(cfg["Timeout"], 6)
        self.assertEqual(cfg["MemorySize"], 1024)
        self.assertEqual(cfg["Environment"]["Variables"]["GREETING"], "Hello")

    def test_list_functions_paginates(self):
        r = self.sl.aws_cli("lambda", "list-functions", "--max-items", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        page = json.loads(r.stdout)
        self.assertEqual(len(page["Functions"]), 2)
        self.assertIn("NextToken", page)


class LambdaApiWithBoto3(ServerTestCase):
    APP = "edge-cases"

    def test_function_error_is_unhandled_with_the_error_document(self):
        res = self.client.invoke(FunctionName="edge-dev-boom", Payload=b"{}")
        self.assertEqual(res["StatusCode"], 200)
        self.assertEqual(res["FunctionError"], "Unhandled")
        err = json.loads(res["Payload"].read())
        self.assertEqual(err["errorType"], "ValueError")
        self.assertEqual(err["errorMessage"], "boom")
        self.assertIsInstance(err["stackTrace"], list)

    def test_timeout_is_sandbox_timedout(self):
        res = self.client.invoke(FunctionName="edge-dev-slow", Payload=b'{"sleep": 5}')
        self.assertEqual(res["FunctionError"], "Unhandled")
        err = json.loads(res["Payload"].read())
        self.assertEqual(err["errorType"], "Sandbox.Timedout")
        self.assertRegex(err["errorMessage"],
                         r"^RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds$")

    def test_exit_is_runtime_exit_error_and_the_function_recovers(self):
        res = self.client.invoke(FunctionName="edge-dev-exit", Payload=b"{}")
        err = json.loads(res["Payload"].read())
        self.assertEqual(err["errorType"], "Runtime.ExitError")
        self.assertIn("Runtime exited with error: exit status 3", err["errorMessage"])
        # A new worker serves the next call.
        res = self.client.invoke(FunctionName="edge-dev-printer", Payload=b"{}")
        self.assertNotIn("FunctionError", res)

    def test_out_of_memory(self):
        res = self.client.invoke(FunctionName="edge-dev-hog", Payload=b"{}")
        err = json.loads(res["Payload"].read())
        self.assertEqual(err["errorType"], "Runtime.OutOfMemory")
        self.assertIn("Runtime exited with error: signal: killed", err["errorMessage"])

    def test_init_error_is_reported_as_the_result(self):
        res = self.client.invoke(FunctionName="edge-dev-bad-import", Payload=b"{}")
        self.assertEqual(res["FunctionError"], "Unhandled")
        err = json.loads(res["Payload"].read())
        self.assertEqual(err["errorType"], "Runtime.ImportModuleError")

    def test_resource_not_found_error_code(self):
        with self.assertRaises(self.client.exceptions.ResourceNotFoundException):
            self.client.invoke(FunctionName="missing", Payload=b"{}")

    def test_invalid_json_payload(self):
        with self.assertRaises(self.client.exceptions.InvalidRequestContentException):
            self.client.invoke(FunctionName="edge-dev-printer", Payload=b"{nope")

    def test_client_context_reaches_the_handler(self):
        cc = base64.b64encode(json.dumps({"custom": {"k": "v"}}).encode()).decode()
        res = self.client.invoke(FunctionName="edge-dev-ctx", Payload=b"{}", ClientContext=cc)
        body = json.loads(res["Payload"].read())
        self.assertIn("functionName", json.dumps(body))

    def test_throttling_beyond_reserved_concurrency(self):
        # `busy` has reservedConcurrency 1 and sleeps 0.3 s: one runs, the others are 429.
        def call(_):
            try:
                res = self.client.invoke(FunctionName="edge-dev-busy", Payload=b"{}")
                return json.loads(res["Payload"].read())["pid"]
            except self.client.exceptions.TooManyRequestsException:
                return "throttled"
        with concurrent.futures.ThreadPoolExecutor(20) as pool:
            results = list(pool.map(call, range(20)))
        pids = {r for r in results if r != "throttled"}
        self.assertGreater(results.count("throttled"), 0, results)
        self.assertEqual(len(pids), 1, "one warm worker served every call that ran")


if __name__ == "__main__":
    unittest.main()
