"""Request input that is not UTF-8, echoed in an error message, gets the service's own 4xx (it was
a 500 "Internal server error": encoding the message threw). Raw HTTP, so the bytes go as sent."""
import http.client
import json
import unittest
import urllib.parse

from harness import ServerTestCase, signed

REPLACEMENT = "\ufffd"


class InvalidUtf8(ServerTestCase):
    APP = "demo"

    def send(self, method, path, headers=None, body=b""):
        url = urllib.parse.urlparse(self.sl.aws_url)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)
            if not path.startswith("/_"):
                headers = signed(headers, path=path)
            for name, value in (headers or {}).items():
                conn.putheader(name, value)  # bytes values go out untouched
            conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            res = conn.getresponse()
            raw = res.read()
            return res.status, {k.lower(): v for k, v in res.getheaders()}, json.loads(raw)
        finally:
            conn.close()

    def assert_lambda_error(self, answer, status, code, *fragments):
        got_status, headers, body = answer
        self.assertEqual((got_status, headers.get("x-amzn-errortype")), (status, code), body)
        self.assertEqual(body["Type"], "User")
        for fragment in fragments:
            self.assertIn(fragment, body["message"])

    def test_function_name_in_the_path(self):
        for name in ("%FF", "%C3%28", "hello%FF", "%ED%A0%80"):
            for method, path in (("POST", f"/2015-03-31/functions/{name}/invocations"),
                                 ("GET", f"/2015-03-31/functions/{name}"),
                                 ("GET", f"/2015-03-31/functions/{name}/configuration")):
                with self.subTest(path=path):
                    self.assert_lambda_error(
                        self.send(method, path, body=b"{}" if method == "POST" else b""),
                        400, "ValidationException",
                        "at 'functionName' failed to satisfy constraint: Member must satisfy "
                        "regular expression pattern", REPLACEMENT)

    def test_qualifier(self):
        for value in ("%FF", "%C3%28", "v%FF1"):
            for method, path in (("POST", "/2015-03-31/functions/demo-dev-env/invocations"),
                                 ("GET", "/2015-03-31/functions/demo-dev-env"),
                                 ("GET", "/2015-03-31/functions/demo-dev-env/configuration")):
                with self.subTest(path=path, qualifier=value):
                    self.assert_lambda_error(
                        self.send(method, f"{path}?Qualifier={value}"), 400,
                        "ValidationException",
                        "at 'qualifier' failed to satisfy constraint: Member must satisfy "
                        "regular expression pattern: (|[a-zA-Z0-9$_-]+)", REPLACEMENT)
        # A well-formed qualifier that does not exist is still not found.
        self.assert_lambda_error(
            self.send("GET", "/2015-03-31/functions/demo-dev-env?Qualifier=v2"), 404,
            "ResourceNotFoundException", "Function not found: ", ":function:demo-dev-env:v2")

    def test_marker_and_max_items(self):
        for value in ("%FF", "%C3%28"):
            with self.subTest(value=value):
                self.assert_lambda_error(
                    self.send("GET", f"/2015-03-31/functions?Marker={value}"), 400,
                    "InvalidParameterValueException", "Invalid marker: ", REPLACEMENT)
                self.assert_lambda_error(
                    self.send("GET", f"/2015-03-31/functions?MaxItems={value}"), 400,
                    "ValidationException", "at 'maxItems'", REPLACEMENT)

    def test_invocation_type(self):
        for value in (b"\xff", b"\xc3\x28", b"Event\xff"):
            with self.subTest(value=value):
                self.assert_lambda_error(
                    self.send("POST", "/2015-03-31/functions/demo-dev-env/invocations",
                              {"X-Amz-Invocation-Type": value}, b"{}"),
                    400, "InvalidParameterValueException",
                    "at 'invocationType' failed to satisfy constraint: Member must satisfy enum "
                    "value set: [RequestResponse, Event, DryRun]", REPLACEMENT)

    def test_unknown_path_under_the_lambda_api(self):
        status, _, body = self.send("DELETE", "/2015-03-31/functions/%FF/x%C3%28")
        self.assertEqual(status, 404, body)
        self.assertEqual(body["Type"], "User")

    def test_x_amz_target_of_every_json_service(self):
        # An unknown prefix gets the router's answer; a known one, its service's own
        # unknown-operation error.
        cases = [
            (b"\xff", "application/x-amz-json-1.1", "UnknownOperationException"),
            (b"\xc3\x28.Do", "application/x-amz-json-1.1", "UnknownOperationException"),
            (b"AmazonSQS.\xff", "application/x-amz-json-1.0",
             "com.amazonaws.sqs#UnknownOperationException"),
            (b"DynamoDB_20120810.\xc3\x28", "application/x-amz-json-1.0",
             "com.amazon.coral.service#UnknownOperationException"),
            (b"DynamoDBStreams_20120810.\xff", "application/x-amz-json-1.0",
             "com.amazon.coral.service#UnknownOperationException"),
            (b"Kinesis_20131202.\xff", "application/x-amz-json-1.1", "UnknownOperationException"),
        ]
        for target, content_type, error_type in cases:
            with self.subTest(target=target):
                status, headers, body = self.send(
                    "POST", "/", {"X-Amz-Target": target, "Content-Type": content_type}, b"{}")
                self.assertEqual(status, 400, body)
                self.assertTrue(body["__type"].endswith(error_type), body)


if __name__ == "__main__":
    unittest.main()
