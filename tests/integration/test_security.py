"""What a web page, a wrong Host or a wrong signature can do to serverlite: nothing.

- Host: only names that point here are served, on the AWS endpoint, the gateway and the Runtime
  API (DNS rebinding), over HTTP/1.1 and HTTP/2 (:authority).
- Origin: the AWS endpoint refuses browser origins unless --allow-origin allows them (then it
  answers CORS); the gateway keeps serving the app's own CORS.
- --verify-signatures: SigV4 checked against --credentials with AWS's errors, off by default.
- --durability full: SQLite synchronous=FULL, as the admin API reports.
"""
import datetime
import json
import shutil
import subprocess
import tempfile
import unittest
import urllib.parse
from unittest import mock

import botocore.auth
import botocore.awsrequest
import botocore.credentials
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from harness import Serverlite, app_path

EVIL = "https://evil.example"


def host_of(url):
    return urllib.parse.urlsplit(url).netloc


def port_of(url):
    return urllib.parse.urlsplit(url).port


def function_workers(sl, key):
    status, _, raw = sl.request("GET", sl.aws_url + "/_serverlite/functions")
    return next(f["workers"] for f in json.loads(raw)["functions"] if f["key"] == key)


class HostAndOriginTest(unittest.TestCase):
    """The defaults: no origin allowed, local names only."""

    @classmethod
    def setUpClass(cls):
        cls.sl = Serverlite(app_path("demo")).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.sl.__exit__(None, None, None)

    def client(self, service):
        client = self.sl.boto3_client(service)
        self.addCleanup(client.close)
        return client

    def test_a_form_post_from_a_page_creates_no_queue(self):
        status, headers, raw = self.sl.request(
            "POST", self.sl.aws_url + "/", "Action=CreateQueue&QueueName=fromapage",
            {"Content-Type": "application/x-www-form-urlencoded", "Origin": EVIL})
        self.assertEqual(status, 403)
        self.assertIn("--allow-origin https://evil.example", json.loads(raw)["message"])
        self.assertNotIn("access-control-allow-origin", headers)
        queues = self.client("sqs").list_queues().get("QueueUrls", [])
        self.assertFalse([q for q in queues if q.endswith("/fromapage")])
        self.assertTrue(self.sl.wait_for_log(
            lambda l: "refused POST / on the AWS endpoint from the browser origin "
                      "https://evil.example" in l))

    def test_a_text_plain_invoke_from_a_page_runs_nothing(self):
        url = self.sl.aws_url + "/2015-03-31/functions/demo-dev-image/invocations"
        status, _, _ = self.sl.request("POST", url, '{"from": "a page"}',
                                       {"Content-Type": "text/plain", "Origin": EVIL})
        self.assertEqual(status, 403)
        self.assertEqual(function_workers(self.sl, "image"), 0)
        # The same request without Origin (curl, an SDK) runs the function.
        status, _, _ = self.sl.request("POST", url, '{}', {"Content-Type": "text/plain"})
        self.assertEqual(status, 200)
        self.assertEqual(function_workers(self.sl, "image"), 1)

    def test_the_admin_api_refuses_pages_too(self):
        status, _, _ = self.sl.request("POST", self.sl.aws_url + "/_serverlite/reset", "",
                                       {"Origin": "null"})
        self.assertEqual(status, 403)

    def test_a_foreign_host_is_refused_on_both_listeners(self):
        for url in (self.sl.aws_url + "/_serverlite/health", self.sl.gateway_url + "/hello"):
            for host in ("evil.example", f"evil.example:{port_of(url)}"):
                status, _, raw = self.sl.request("GET", url, headers={"Host": host})
                self.assertEqual(status, 403, (url, host))
                self.assertIn("--allow-host evil.example", json.loads(raw)["message"])
        self.assertTrue(self.sl.wait_for_log(
            lambda l: "on the gateway for Host evil.example" in l))

    def test_local_names_are_served(self):
        for host in ("localhost", "127.0.0.1", "[::1]", "app.localhost"):
            for url in (self.sl.aws_url + "/_serverlite/health", self.sl.gateway_url + "/hello"):
                status, _, _ = self.sl.request(
                    "GET", url, headers={"Host": f"{host}:{port_of(url)}"})
                self.assertEqual(status, 200, (url, host))

    def test_http2_authority_is_checked(self):
        for host, expected in (("evil.example", "403"), ("localhost", "200")):
            out = subprocess.run(
                ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{http_version}",
                 "--http2-prior-knowledge", "-H", f"Host: {host}",
                 self.sl.aws_url + "/_serverlite/health"],
                capture_output=True, text=True, timeout=30).stdout
            self.assertEqual(out, f"{expected} 2", host)

    def test_the_runtime_api_refuses_other_processes_whatever_their_host(self):
        # Only the worker's own process tree may use its Runtime API (test_processes checks the
        # Host check from inside it); a process outside is refused at the connection.
        env = json.loads(self.client("lambda").invoke(
            FunctionName="demo-dev-env", Payload=b"{}")["Payload"].read())
        api = "http://" + env["AWS_LAMBDA_RUNTIME_API"]
        for host in ("evil.example", "127.0.0.1"):
            status, _, _ = self.sl.request("GET", api + "/2018-06-01/runtime/invocation/next",
                                           headers={"Host": host}, timeout=5)
            self.assertEqual(status, 403, host)

    def test_sdks_and_the_cli_are_unaffected(self):
        sqs = self.client("sqs")
        url = sqs.create_queue(QueueName="sdk-made")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="hi")
        res = self.sl.aws_cli("sqs", "list-queues")
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertIn("sdk-made", res.stdout)
        res = self.sl.aws_cli("lambda", "list-functions")
        self.assertEqual(res.returncode, 0, res.stderr)

    def test_signatures_are_not_checked_by_default(self):
        import boto3
        client = boto3.client("dynamodb", endpoint_url=self.sl.aws_url, region_name="us-east-1",
                              aws_access_key_id="anything", aws_secret_access_key="wrong")
        self.addCleanup(client.close)
        self.assertIn("TableNames", client.list_tables())

    def test_the_gateway_serves_the_apps_cors(self):
        status, headers, _ = self.sl.gateway("GET", "/hello", headers={"Origin": EVIL})
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("access-control-allow-origin"), "*")


class AllowedOriginTest(unittest.TestCase):
    ORIGIN = "http://localhost:5173"

    @classmethod
    def setUpClass(cls):
        cls.sl = Serverlite(app_path("demo"), "--allow-origin", cls.ORIGIN,
                            "--allow-host", "serverlite.test").__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.sl.__exit__(None, None, None)

    def test_a_preflight_is_answered(self):
        status, headers, _ = self.sl.request(
            "OPTIONS", self.sl.aws_url + "/",
            headers={"Origin": self.ORIGIN, "Access-Control-Request-Method": "POST",
                     "Access-Control-Request-Headers": "authorization,x-amz-target"})
        self.assertEqual(status, 200)
        self.assertEqual(headers["access-control-allow-origin"], self.ORIGIN)
        self.assertEqual(headers["access-control-allow-headers"], "authorization,x-amz-target")
        self.assertIn("POST", headers["access-control-allow-methods"])

    def test_the_allowed_origin_is_served_with_cors(self):
        status, headers, raw = self.sl.request(
            "POST", self.sl.aws_url + "/",
            json.dumps({"QueueName": "frommyapp"}),
            {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.CreateQueue",
             "Origin": self.ORIGIN})
        self.assertEqual(status, 200, raw)
        self.assertEqual(headers["access-control-allow-origin"], self.ORIGIN)
        self.assertIn("x-amzn-RequestId", headers["access-control-expose-headers"])
        self.assertIn("/frommyapp", json.loads(raw)["QueueUrl"])

    def test_other_origins_are_still_refused(self):
        status, _, _ = self.sl.request(
            "POST", self.sl.aws_url + "/", "Action=ListQueues",
            {"Content-Type": "application/x-www-form-urlencoded", "Origin": EVIL})
        self.assertEqual(status, 403)

    def test_an_allowed_host_is_served(self):
        status, _, _ = self.sl.request("GET", self.sl.aws_url + "/_serverlite/health",
                                       headers={"Host": "serverlite.test:80"})
        self.assertEqual(status, 200)
        status, _, _ = self.sl.gateway("GET", "/hello", headers={"Host": "serverlite.test"})
        self.assertEqual(status, 200)


class VerifySignaturesTest(unittest.TestCase):
    """--verify-signatures with the default credentials (test:test) and one more pair."""

    @classmethod
    def setUpClass(cls):
        cls.sl = Serverlite(app_path("demo"), "--verify-signatures",
                            "--credentials", "test:test",
                            "--credentials", "AKIDCI:ci-secret").__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.sl.__exit__(None, None, None)

    def client(self, service, key="test", secret="test", **config):
        import boto3
        client = boto3.client(service, endpoint_url=self.sl.aws_url, region_name="us-east-1",
                              aws_access_key_id=key, aws_secret_access_key=secret,
                              config=Config(retries={"max_attempts": 1}, **config))
        self.addCleanup(client.close)
        return client

    def error_of(self, call):
        with self.assertRaises(ClientError) as caught:
            call()
        return caught.exception.response

    def test_right_credentials_pass(self):
        self.assertIn("TableNames", self.client("dynamodb").list_tables())
        self.assertIn("StreamNames", self.client("kinesis").list_streams())
        self.assertIn("Functions", self.client("lambda").list_functions())
        self.assertIn("Functions", self.client("lambda", "AKIDCI", "ci-secret").list_functions())
        url = self.client("sqs").create_queue(QueueName="signed")["QueueUrl"]
        self.client("sqs").send_message(QueueUrl=url, MessageBody="body with spaces & symbols")
        # A path with encoded characters: the function's ARN in the Lambda path.
        arn = "arn:aws:lambda:us-east-1:000000000000:function:demo-dev-env"
        res = self.client("lambda").invoke(FunctionName=arn, Payload=b"{}")
        self.assertEqual(res["StatusCode"], 200)

    def test_a_wrong_secret_is_refused(self):
        e = self.error_of(lambda: self.client("dynamodb", secret="wrong").list_tables())
        self.assertEqual(e["Error"]["Code"], "InvalidSignatureException")
        self.assertEqual(e["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertEqual(
            e["Error"]["Message"],
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service "
            "documentation for details.")
        e = self.error_of(lambda: self.client("lambda", secret="wrong").list_functions())
        self.assertEqual(e["Error"]["Code"], "InvalidSignatureException")
        self.assertEqual(e["ResponseMetadata"]["HTTPStatusCode"], 403)
        e = self.error_of(lambda: self.client("sqs", secret="wrong").list_queues())
        self.assertEqual(e["Error"]["Code"], "SignatureDoesNotMatch")
        self.assertEqual(e["ResponseMetadata"]["HTTPStatusCode"], 403)
        self.assertTrue(self.sl.wait_for_log(
            lambda l: "The canonical request serverlite computed" in l))

    def test_an_unknown_key_is_refused(self):
        e = self.error_of(lambda: self.client("dynamodb", key="nobody").list_tables())
        self.assertEqual(e["Error"]["Code"], "UnrecognizedClientException")
        self.assertEqual(e["Error"]["Message"],
                         "The security token included in the request is invalid.")
        e = self.error_of(lambda: self.client("kinesis", key="nobody").list_streams())
        self.assertEqual(e["Error"]["Code"], "UnrecognizedClientException")
        e = self.error_of(lambda: self.client("lambda", key="nobody").list_functions())
        self.assertEqual(e["Error"]["Code"], "UnrecognizedClientException")
        e = self.error_of(lambda: self.client("sqs", key="nobody").list_queues())
        self.assertEqual(e["Error"]["Code"], "InvalidClientTokenId")

    def test_unsigned_requests_are_refused(self):
        e = self.error_of(lambda: self.client("dynamodb", signature_version=UNSIGNED).list_tables())
        self.assertEqual(e["Error"]["Code"], "MissingAuthenticationTokenException")
        e = self.error_of(lambda: self.client("sqs", signature_version=UNSIGNED).list_queues())
        self.assertEqual(e["Error"]["Code"], "MissingAuthenticationToken")
        e = self.error_of(lambda: self.client("lambda", signature_version=UNSIGNED)
                          .list_functions())
        self.assertEqual(e["Error"]["Code"], "MissingAuthenticationTokenException")

    def signed_form(self, secret, when=None):
        """A query-protocol POST signed by botocore's own signer."""
        body = "Action=ListQueues&Version=2012-11-05"
        req = botocore.awsrequest.AWSRequest(
            method="POST", url=self.sl.aws_url + "/", data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        signer = botocore.auth.SigV4Auth(
            botocore.credentials.Credentials("test", secret), "sqs", "us-east-1")
        if when is None:
            signer.add_auth(req)
        else:  # botocore signs at its clock's time: stop that clock at `when`
            class Then(datetime.datetime):
                @classmethod
                def utcnow(cls):
                    return when

                @classmethod
                def now(cls, tz=None):
                    return when.replace(tzinfo=tz) if tz else when

            with mock.patch.object(botocore.auth.datetime, "datetime", Then):
                signer.add_auth(req)
        return self.sl.request("POST", req.url, body, dict(req.headers.items()))

    def test_the_query_protocol_answers_in_xml(self):
        status, _, raw = self.signed_form("test")
        self.assertEqual(status, 200, raw)
        status, _, raw = self.signed_form("wrong")
        self.assertEqual(status, 403)
        self.assertIn(b"<Code>SignatureDoesNotMatch</Code>", raw)

    def test_an_old_signature_is_refused(self):
        status, _, raw = self.signed_form("test", when=datetime.datetime(2020, 1, 1))
        self.assertEqual(status, 403)
        self.assertIn(b"<Code>SignatureDoesNotMatch</Code>", raw)
        self.assertIn(b"Signature expired: 20200101T000000Z is now earlier than", raw)

    def test_the_cli(self):
        res = self.sl.aws_cli("dynamodb", "list-tables")
        self.assertEqual(res.returncode, 0, res.stderr)
        env = dict(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="wrong",
                   AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE="/dev/null",
                   AWS_SHARED_CREDENTIALS_FILE="/dev/null", PATH="/usr/bin:/bin")
        for service, op, code in (("dynamodb", "list-tables", "InvalidSignatureException"),
                                  ("sqs", "list-queues", "SignatureDoesNotMatch")):
            res = subprocess.run(["/usr/bin/aws", "--endpoint-url", self.sl.aws_url, service, op],
                                 capture_output=True, text=True, env=env, timeout=120)
            self.assertNotEqual(res.returncode, 0)
            self.assertIn(code, res.stderr)
        env["AWS_ACCESS_KEY_ID"] = "nobody"
        res = subprocess.run(["/usr/bin/aws", "--endpoint-url", self.sl.aws_url, "dynamodb",
                              "list-tables"], capture_output=True, text=True, env=env, timeout=120)
        self.assertIn("UnrecognizedClientException", res.stderr)

    def test_the_admin_api_needs_no_signature(self):
        status, _, _ = self.sl.request("GET", self.sl.aws_url + "/_serverlite/health")
        self.assertEqual(status, 200)

    def test_handlers_get_the_first_credentials(self):
        env = json.loads(self.client("lambda").invoke(
            FunctionName="demo-dev-env", Payload=b"{}")["Payload"].read())
        self.assertEqual(env["AWS_ACCESS_KEY_ID"], "test")
        self.assertEqual(env["AWS_SECRET_ACCESS_KEY"], "test")


class DurabilityTest(unittest.TestCase):
    def health(self, *args):
        state = tempfile.mkdtemp(prefix="serverlite-durability-")
        self.addCleanup(shutil.rmtree, state, ignore_errors=True)
        with Serverlite(app_path("demo"), "--state", state, *args) as sl:
            _, _, raw = sl.request("GET", sl.aws_url + "/_serverlite/health")
            return json.loads(raw)

    def test_normal_by_default(self):
        self.assertEqual(self.health()["durability"], "normal")

    def test_full_when_asked(self):
        self.assertEqual(self.health("--durability", "full")["durability"], "full")


if __name__ == "__main__":
    unittest.main()
