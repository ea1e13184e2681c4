"""A custom runtime that misbehaves: each failure comes back in Lambda's shape, and the emulator
serves on."""
import json
import unittest

from harness import ServerTestCase


class BadRuntime(ServerTestCase):
    APP = "bad-runtime"

    def test_non_json_result_passes_through_the_lambda_api(self):
        res = self.client.invoke(FunctionName="bad-dev-not-json", Payload=b"{}")
        self.assertEqual(res["StatusCode"], 200)
        self.assertEqual(res["Payload"].read(), b"this is { not json")
        # The junk the runtime printed is logged, prefixed, and does not upset anything.
        self.assertTrue(self.sl.wait_for_log(lambda l: l.startswith("[not-json]") and "junk" in l))

    def test_non_json_result_is_a_gateway_error(self):
        status, _, body = self.sl.gateway_json("GET", "/not-json")
        self.assertEqual((status, body), (500, {"message": "Internal Server Error"}))
        status, _, body = self.sl.gateway_json("GET", "/dev/not-json")
        self.assertEqual((status, body), (502, {"message": "Internal server error"}))

    def test_wrong_request_id_is_refused_and_the_exit_reported(self):
        res = self.client.invoke(FunctionName="bad-dev-wrong-id", Payload=b"{}")
        self.assertEqual(res["FunctionError"], "Unhandled")
        err = json.loads(res["Payload"].read())
        self.assertEqual(err["errorType"], "Runtime.ExitError")
        self.assertIn("exit status 7", err["errorMessage"])
        self.assertTrue(self.sl.wait_for_log(lambda l: "wrong id answered 400" in l))

    def test_a_runtime_that_never_answers_times_out(self):
        res = self.client.invoke(FunctionName="bad-dev-silent", Payload=b"{}")
        err = json.loads(res["Payload"].read())
        self.assertEqual(err["errorType"], "Sandbox.Timedout")
        self.assertIn("Task timed out after 2.00 seconds", err["errorMessage"])

    def test_still_healthy(self):
        self.client.invoke(FunctionName="bad-dev-wrong-id", Payload=b"{}")
        status, _, raw = self.sl.request("GET", self.sl.aws_url + "/_serverlite/health")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(raw)["status"], "ready")


if __name__ == "__main__":
    unittest.main()
