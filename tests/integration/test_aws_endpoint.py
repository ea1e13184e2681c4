"""The AWS endpoint's answers to requests that are not well-formed API calls, on the wire (raw
HTTP: an SDK would never send them, and would hide what comes back): DynamoDB's health check and
404 page, bodies that are not JSON, missing or unknown targets, Kinesis's answers when the
credential scope names Kinesis, the authentication checks every service makes before anything
else (a missing or malformed Authorization header or presigned query), and CORS."""
import binascii
import http.client
import json
import re
import unittest
import urllib.parse

import cbor2

from harness import Serverlite, app_path, signed

REQUEST_ID_52 = re.compile(r"^[0-9A-Z]{52}$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
CORAL = "com.amazon.coral.service#"
KINESIS_JSON = "application/x-amz-json-1.1"
CBOR = "application/x-amz-cbor-1.1"
INCOMPLETE_HEADER = (
    "Authorization header requires 'Credential' parameter. "
    "Authorization header requires 'Signature' parameter. "
    "Authorization header requires 'SignedHeaders' parameter. "
    "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
    "Authorization=")
INCOMPLETE_QUERY = (
    "AWS query-string parameters must include 'X-Amz-Algorithm'. "
    "AWS query-string parameters must include 'X-Amz-Credential'. "
    "AWS query-string parameters must include 'X-Amz-Signature'. "
    "AWS query-string parameters must include 'X-Amz-SignedHeaders'. "
    "AWS query-string parameters must include 'X-Amz-Date'. "
    "Re-examine the query-string parameters.")
BOTH = ("Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP "
        "header.")


def kinesis_scope():
    """An Authorization header whose credential scope names Kinesis (form only)."""
    return signed({}, service="kinesis")


class Endpoint(unittest.TestCase):
    ARGS = ("--allow-origin", "*")

    @classmethod
    def setUpClass(cls):
        cls.sl = Serverlite(app_path("demo"), *cls.ARGS).__enter__()
        url = urllib.parse.urlparse(cls.sl.aws_url)
        cls.addr = (url.hostname, url.port)

    @classmethod
    def tearDownClass(cls):
        cls.sl.__exit__(None, None, None)

    def send(self, method="POST", path="/", body=b"", headers=None):
        """(status, lower-case headers, body bytes); nothing added but Host and Content-Length."""
        conn = http.client.HTTPConnection(*self.addr, timeout=30)
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)
            for name, value in (headers or {}).items():
                conn.putheader(name, value)
            if body or method in ("POST", "PUT"):
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body or None)
            res = conn.getresponse()
            return res.status, {k.lower(): v for k, v in res.getheaders()}, res.read()
        finally:
            conn.close()

    def assert_dynamodb(self, answer, status, body, content_type="application/json"):
        got_status, headers, raw = answer
        self.assertEqual(got_status, status, raw)
        self.assertEqual(json.loads(raw), body)
        self.assertEqual(headers["content-type"], content_type)
        self.assertEqual(int(headers["x-amz-crc32"]), binascii.crc32(raw))
        self.assertRegex(headers["x-amzn-requestid"], REQUEST_ID_52)

    def assert_kinesis(self, answer, status, body, content_type=KINESIS_JSON):
        got_status, headers, raw = answer
        self.assertEqual(got_status, status, raw)
        self.assertEqual(headers.get("content-type"), content_type)
        self.assertEqual(cbor2.loads(raw) if content_type == CBOR else json.loads(raw), body)
        self.assertRegex(headers["x-amzn-requestid"], UUID)
        self.assertIn("x-amz-id-2", headers)


class DynamoDBFront(Endpoint):
    """What DynamoDB's endpoint answers (the endpoint's default: no scope, or "dynamodb")."""

    def test_a_get_is_the_health_check(self):
        status, headers, raw = self.send("GET")
        self.assertEqual(status, 200)
        self.assertEqual(raw, b"healthy: dynamodb.us-east-1.amazonaws.com ")
        self.assertEqual(int(headers["x-amz-crc32"]), binascii.crc32(raw))
        self.assertRegex(headers["x-amzn-requestid"], REQUEST_ID_52)

    def test_other_methods_and_other_content_types_get_the_404_page(self):
        for method, body, ctype in (("PUT", b"", None), ("DELETE", b"", None),
                                    ("OPTIONS", b"", None), ("POST", b"hi", None),
                                    ("POST", b"hi", "whatever"),
                                    ("POST", b"hi", "application/jsonasdf")):
            with self.subTest(method=method, ctype=ctype):
                headers = {"Content-Type": ctype} if ctype else {}
                status, hdrs, raw = self.send(method, body=body, headers=headers)
                self.assertEqual(status, 404)
                self.assertEqual(raw, b"<UnknownOperationException/>\n")
                self.assertEqual(hdrs["x-amz-crc32"], "3552371480")

    def test_a_body_that_is_not_json(self):
        for ctype, answered in (("application/json", "application/json"),
                                ("application/x-amz-json-1.0", "application/x-amz-json-1.0"),
                                ("  application/json  ;   asfd", "application/json"),
                                ("application/x-amz-json-1.0;blahblah",
                                 "application/x-amz-json-1.0")):
            with self.subTest(ctype):
                self.assert_dynamodb(self.send(body=b"hi", headers={"Content-Type": ctype}),
                                     400, {"__type": CORAL + "SerializationException"}, answered)

    def test_no_target_or_an_unknown_one_before_the_authentication(self):
        for body, headers in ((b"", {}), (b"{}", {"Content-Type": "application/json"}),
                              (b"", {"X-Amz-Target": "whatever"}),
                              (b"", {"X-Amz-Target": "DynamoDB_20120810.ListTable"})):
            with self.subTest(headers):
                self.assert_dynamodb(self.send(body=body, headers=headers),
                                     400, {"__type": CORAL + "UnknownOperationException"})

    def test_the_authentication_is_checked_as_dynamodb_does(self):
        target = {"X-Amz-Target": "DynamoDB_20120810.ListTables"}
        missing = {"__type": CORAL + "MissingAuthenticationTokenException",
                   "message": "Request is missing Authentication Token"}
        self.assert_dynamodb(self.send(headers=target), 400, missing)
        # DynamoDB takes a header that is not SigV4 for none at all.
        self.assert_dynamodb(self.send(headers={**target, "Authorization": "AWS4"}), 400, missing)
        self.assert_dynamodb(self.send(path="/?X-Amz-Credential=a&X-Amz-Signature=b", headers=target),
                             400, missing)
        self.assert_dynamodb(
            self.send(path="/?X-Amz-Algorithm", headers={**target, "Authorization": "X"}), 400,
            {"__type": CORAL + "InvalidSignatureException", "message": BOTH})
        self.assert_dynamodb(
            self.send(headers={**target, "Authorization": "AWS4-"}), 400,
            {"__type": CORAL + "IncompleteSignatureException",
             "message": INCOMPLETE_HEADER + "AWS4-"})
        header = "AWS4- Signature=b, Credential=a"
        self.assert_dynamodb(
            self.send(headers={**target, "Authorization": header, "Date": "a"}), 400,
            {"__type": CORAL + "IncompleteSignatureException",
             "message": "Authorization header requires 'SignedHeaders' parameter. "
                        "Authorization=" + header})
        self.assert_dynamodb(
            self.send(path="/?X-Amz-Algorithm", headers=target), 400,
            {"__type": CORAL + "IncompleteSignatureException", "message": INCOMPLETE_QUERY})
        # A well-formed header passes (the signature is checked only with --verify-signatures).
        status, headers, raw = self.send(body=b"{}", headers=signed(
            {**target, "Content-Type": "application/x-amz-json-1.0"}))
        self.assertEqual(status, 200, raw)
        self.assertIn("TableNames", json.loads(raw))
        self.assertEqual(headers["content-type"], "application/x-amz-json-1.0")

    def test_an_unreadable_body_comes_before_the_authentication(self):
        self.assert_dynamodb(
            self.send(body=b"{", headers={"X-Amz-Target": "DynamoDB_20120810.ListTables",
                                          "Content-Type": "application/json"}),
            400, {"__type": CORAL + "SerializationException",
                  "Message": "The request body is not valid JSON."})


    def test_a_known_operation_with_no_body_is_a_bare_serialization_exception(self):
        self.assert_dynamodb(
            self.send(headers=signed({"X-Amz-Target": "DynamoDB_20120810.ListTables"})),
            400, {"__type": CORAL + "SerializationException"})
        status, _, raw = self.send(body=b"{}", headers=signed(
            {"X-Amz-Target": "DynamoDB_20120810.ListTables",
             "Content-Type": "application/x-amz-json-1.0"}))
        self.assertEqual(status, 200, raw)
        self.assertIn("TableNames", json.loads(raw))


class KinesisFront(Endpoint):
    """Kinesis's answers: to requests for its operations, and to others whose credential scope
    names Kinesis."""

    def test_its_operations_check_the_body_then_the_authentication(self):
        target = {"X-Amz-Target": "Kinesis_20131202.ListStreams"}
        # No body, or one that is not JSON: a SerializationException, signed or not.
        self.assert_kinesis(self.send(headers={**target, "Content-Type": KINESIS_JSON}), 400,
                            {"__type": "SerializationException"})
        self.assert_kinesis(self.send(body=b"hello",
                                      headers={**target, "Content-Type": KINESIS_JSON}),
                            400, {"__type": "SerializationException"})
        json_headers = {**target, "Content-Type": "   application/x-amz-json-1.1   ;whatever"}
        self.assert_kinesis(self.send(body=b"{}", headers=json_headers), 400,
                            {"__type": "MissingAuthenticationTokenException",
                             "message": "Missing Authentication Token"})
        # Kinesis reads a header that is not SigV4 as an incomplete one.
        self.assert_kinesis(self.send(body=b"{}", headers={**json_headers, "Authorization": "X"}),
                            400, {"__type": "IncompleteSignatureException",
                                  "message": INCOMPLETE_HEADER + "X"})
        self.assert_kinesis(self.send(path="/?X-Amz-Algorithm", body=b"{}",
                                      headers={**json_headers, "Authorization": "X"}),
                            400, {"__type": "InvalidSignatureException", "message": BOTH})
        # CBOR clients are answered in CBOR.
        self.assert_kinesis(self.send(body=cbor2.dumps({}), headers={**target, "Content-Type": CBOR}),
                            400, {"__type": "MissingAuthenticationTokenException",
                                  "message": "Missing Authentication Token"}, CBOR)
        status, _, raw = self.send(body=b"{}", headers=signed(
            {**target, "Content-Type": KINESIS_JSON}))
        self.assertEqual(status, 200, raw)
        self.assertIn("StreamNames", json.loads(raw))

    def test_a_method_but_post_is_access_denied(self):
        status, headers, raw = self.send(
            "PUT", headers={"X-Amz-Target": "Kinesis_20131202.ListStreams"})
        self.assertEqual(status, 403)
        self.assertNotIn("content-type", headers)
        self.assertEqual(raw, b"<AccessDeniedException>\n  <Message>Unable to determine "
                              b"service/operation name to be authorized</Message>\n"
                              b"</AccessDeniedException>\n")

    def test_requests_scoped_to_kinesis_get_kinesis_answers(self):
        scope = kinesis_scope()
        status, headers, raw = self.send("GET", headers=scope)
        self.assertEqual(status, 403)
        self.assertIn(b"<AccessDeniedException>", raw)
        self.assertRegex(headers["x-amzn-requestid"], UUID)
        self.assert_kinesis(self.send(headers=scope), 400, {"__type": "UnknownOperationException"},
                            CBOR)
        self.assert_kinesis(self.send(headers={**scope, "Content-Type": KINESIS_JSON}), 400,
                            {"__type": "UnknownOperationException"})
        self.assert_kinesis(self.send(body=cbor2.dumps({}), headers={**scope, "X-Amz-Target": "Whatever",
                                                           "Content-Type": CBOR}),
                            400, {"__type": "UnknownOperationException"}, CBOR)
        # application/json: the JSON protocol's first envelope, which serves nothing.
        status, headers, raw = self.send(body=b"{}", headers={**scope,
                                                              "Content-Type": "application/json"})
        self.assertEqual(status, 404)
        self.assertEqual(json.loads(raw), {"Output": {"__type": CORAL + "UnknownOperationException"},
                                           "Version": "1.0"})


class OtherServices(Endpoint):
    """SQS and Lambda refuse unsigned requests in their own protocols; serverlite's own paths
    and the gateway are not AWS APIs and need no signature."""

    def test_sqs_query_protocol(self):
        status, headers, raw = self.send(body=b"Action=ListQueues", headers={
            "Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 403, raw)
        self.assertIn(b"<Code>MissingAuthenticationToken</Code>", raw)
        status, _, raw = self.send(body=b"Action=ListQueues", headers=signed({
            "Content-Type": "application/x-www-form-urlencoded"}, service="sqs"))
        self.assertEqual(status, 200, raw)

    def test_sqs_json_protocol(self):
        headers = {"X-Amz-Target": "AmazonSQS.ListQueues",
                   "Content-Type": "application/x-amz-json-1.0"}
        status, hdrs, raw = self.send(body=b"{}", headers=headers)
        self.assertEqual(status, 400, raw)
        self.assertEqual(json.loads(raw)["__type"], "MissingAuthenticationTokenException")
        self.assertEqual(hdrs["x-amzn-query-error"], "MissingAuthenticationToken;Sender")
        status, _, raw = self.send(body=b"{}", headers=signed(headers))
        self.assertEqual(status, 200, raw)

    def test_lambda(self):
        path = "/2015-03-31/functions/demo-dev-hello/invocations"
        status, headers, raw = self.send(path=path, body=b"{}")
        self.assertEqual(status, 403, raw)
        self.assertEqual(headers["x-amzn-errortype"], "MissingAuthenticationTokenException")
        self.assertEqual(json.loads(raw)["message"], "Missing Authentication Token")

    def test_serverlite_paths_and_sdks(self):
        status, _, _ = self.send("GET", path="/_serverlite/health")
        self.assertEqual(status, 200)
        self.assertIn("TableNames", self.sl.boto3_client("dynamodb").list_tables())
        self.assertIn("QueueUrls", self.sl.boto3_client("sqs").list_queues() | {"QueueUrls": []})


class Cors(Endpoint):
    """With --allow-origin '*', AWS's CORS answers: any origin, what the preflight asks for."""

    def test_a_preflight_with_an_origin(self):
        status, headers, raw = self.send("OPTIONS", headers={"Origin": "whatever"})
        self.assertEqual((status, raw), (200, b""))
        self.assertEqual(headers["access-control-allow-origin"], "*")
        self.assertEqual(headers["access-control-max-age"], "172800")
        self.assertEqual(headers["content-length"], "0")
        self.assertNotIn("access-control-allow-methods", headers)
        self.assertRegex(headers["x-amzn-requestid"], REQUEST_ID_52)
        status, headers, _ = self.send("OPTIONS", headers={
            "Origin": "whatever", "Access-Control-Request-Headers": "a, b, c",
            "Access-Control-Request-Method": "d"})
        self.assertEqual(headers["access-control-allow-headers"], "a, b, c")
        self.assertEqual(headers["access-control-allow-methods"], "d")
        # Kinesis's preflight: its request id, no x-amz-id-2, no Content-Type.
        status, headers, _ = self.send("OPTIONS", headers={"Origin": "whatever",
                                                           **kinesis_scope()})
        self.assertRegex(headers["x-amzn-requestid"], UUID)
        self.assertNotIn("x-amz-id-2", headers)
        self.assertNotIn("content-type", headers)

    def test_errors_carry_cors_too(self):
        status, headers, raw = self.send(headers={"Origin": "whatever"})
        self.assertEqual(status, 400)
        self.assertEqual(headers["access-control-allow-origin"], "*")
        self.assertEqual(json.loads(raw), {"__type": CORAL + "UnknownOperationException"})


if __name__ == "__main__":
    unittest.main()
