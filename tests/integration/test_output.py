"""What serverlite tells a person: an access line per request (and --quiet), the functions with
all their triggers at start-up and in GET /_serverlite/functions, Lambda's event source mappings
from the app's triggers, calls of services serverlite does not emulate, and a port in use."""
import json
import os
import re
import socket
import tempfile
import textwrap
import time
import unittest

import botocore.exceptions

from harness import Serverlite, ServerTestCase, app_path, run_cli


class AccessLines(ServerTestCase):
    APP = "demo"

    def test_a_gateway_request_and_an_aws_call_each_print_one_line(self):
        status, _, _ = self.sl.gateway("GET", "/hello")
        self.assertEqual(status, 200)
        self.assertTrue(self.sl.wait_for_log(
            lambda l: re.fullmatch(r"\[gateway\] GET /hello 200 \d+\.\d+ ms -> hello", l)),
            self.sl.stderr())
        self.sl.boto3_client("dynamodb").list_tables()
        self.assertTrue(self.sl.wait_for_log(
            lambda l: re.fullmatch(r"\[aws\] DynamoDB\.ListTables 200 \d+\.\d+ ms", l)),
            self.sl.stderr())
        # The Lambda API by method and path; an error names its code.
        with self.assertRaises(botocore.exceptions.ClientError):
            self.client.get_function(FunctionName="nope")
        self.assertTrue(self.sl.wait_for_log(
            lambda l: re.fullmatch(r"\[aws\] GET /2015-03-31/functions/nope 404 \d+\.\d+ ms "
                                   r"ResourceNotFoundException", l)), self.sl.stderr())
        # A REST API route, with its stage.
        status, _, _ = self.sl.gateway("GET", "/dev/items")
        self.assertEqual(status, 200)
        self.assertTrue(self.sl.wait_for_log(
            lambda l: re.fullmatch(r"\[gateway\] GET /dev/items 200 \d+\.\d+ ms -> items", l)),
            self.sl.stderr())
        # No route: nothing served it.
        status, _, _ = self.sl.gateway("GET", "/dev/nowhere")
        self.assertEqual(status, 403)
        self.assertTrue(self.sl.wait_for_log(
            lambda l: re.fullmatch(r"\[gateway\] GET /dev/nowhere 403 \d+\.\d+ ms", l)),
            self.sl.stderr())

    def test_a_query_protocol_call_is_named_by_its_service_and_action(self):
        r = self.sl.aws_cli("sqs", "list-queues")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(self.sl.wait_for_log(
            lambda l: re.match(r"\[aws\] (SQS\.ListQueues|SQS\.ListQueues) 200 ", l)),
            self.sl.stderr())


class Quiet(unittest.TestCase):
    def test_quiet_drops_the_access_lines(self):
        with Serverlite(app_path("demo"), "--quiet") as sl:
            self.assertEqual(sl.gateway("GET", "/hello")[0], 200)
            sl.boto3_client("dynamodb").list_tables()
            # The handler's own log line arrives after its request; by then the access line
            # would have been written.
            self.assertTrue(sl.wait_for_log(lambda l: l.startswith("[hello] REPORT")))
            sl.boto3_client("dynamodb").list_tables()
            status, _, _ = sl.request("GET", sl.aws_url + "/_serverlite/health")
            self.assertEqual(status, 200)
        self.assertNotIn("[gateway]", sl.stderr())
        self.assertNotIn("[aws]", sl.stderr())


def listing(sl, last):
    """serverlite's stderr once the start-up listing (written before the ready line) is in, up
    to a line that starts with `last`."""
    sl.wait_for_log(lambda l: l.startswith(last))
    time.sleep(0.2)  # the lines after it came in the same write
    return sl.stderr()


class StartupListing(unittest.TestCase):
    def test_every_function_is_listed_with_its_routes_and_triggers(self):
        with Serverlite(app_path("queues")) as sl:
            text = listing(sl, "  idle ")
            status, _, body = sl.request("GET", sl.aws_url + "/_serverlite/functions")
        self.assertIn("serverlite: functions, with what runs them:", text)
        self.assertRegex(text, r"\n  worker \(python3\.11, forward\.handler\)\n"
                               r"    sqs +arn:aws:sqs:us-east-1:000000000000:queues-dev-Tasks"
                               r"  \(batchSize 5\)")
        self.assertRegex(text, r"  idle \(.*\)\n    sqs +arn:aws:sqs:us-east-1:000000000000:"
                               r"queues-dev-Idle  \(batchSize 10, disabled\)")
        self.assertRegex(text, r"  enqueue \(.*\)\n    \(no events: serverlite invoke enqueue")
        functions = {f["key"]: f for f in json.loads(body)["functions"]}
        self.assertEqual(functions["worker"]["triggers"], [
            {"type": "sqs", "source": "arn:aws:sqs:us-east-1:000000000000:queues-dev-Tasks",
             "detail": "batchSize 5", "runs": True}])
        self.assertEqual(functions["enqueue"]["triggers"], [])

    def test_stream_and_table_stream_functions_show_their_triggers(self):
        for app, kind, last in (("streams", "kinesis", "  late "),
                                ("table-streams", "dynamodb", "  partial ")):
            with Serverlite(app_path(app)) as sl:
                text = listing(sl, last)
                status, _, body = sl.request("GET", sl.aws_url + "/_serverlite/functions")
            self.assertEqual(status, 200)
            self.assertRegex(text, rf"\n    {kind} +arn:aws:")
            listed = [f for f in json.loads(body)["functions"] if f["routes"] == []]
            self.assertTrue(listed)
            for f in listed:
                if f["triggers"]:
                    self.assertEqual(f["triggers"][0]["type"], kind, f)
                    self.assertTrue(f["triggers"][0]["source"].startswith("arn:aws:"), f)

    def test_schedules_and_other_events_are_listed_as_not_run(self):
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "serverless.yml"), "w") as f:
                f.write(textwrap.dedent("""
                    service: sched
                    provider: {name: aws, runtime: python3.11}
                    functions:
                      nightly:
                        handler: handler.main
                        events:
                          - schedule: rate(1 day)
                          - schedule: {rate: ['cron(0 12 * * ? *)'], name: noon}
                          - sns: alerts
                          - httpApi: 'GET /now'
                """))
            with open(os.path.join(tmp, "handler.py"), "w") as f:
                f.write("def main(e, c):\n    return 1\n")
            with Serverlite(os.path.join(tmp, "serverless.yml")) as sl:
                text = listing(sl, "    sns ")
                status, _, body = sl.request("GET", sl.aws_url + "/_serverlite/functions")
        self.assertRegex(text, r"    GET +http://127\.0\.0\.1:\d+/now  \(HTTP API\)")
        self.assertIn("    schedule rate(1 day)  (not run by serverlite: serverlite invoke "
                      "nightly -e EVENT)", text)
        self.assertIn("    schedule cron(0 12 * * ? *)  (rule noon; not run by serverlite", text)
        self.assertIn("    sns      topic alerts  (not run by serverlite", text)
        triggers = json.loads(body)["functions"][0]["triggers"]
        self.assertEqual([t["type"] for t in triggers], ["schedule", "schedule", "sns"])
        self.assertEqual(triggers[1], {"type": "schedule", "source": "cron(0 12 * * ? *)",
                                       "detail": "rule noon", "runs": False})


class EventSourceMappings(unittest.TestCase):
    def test_the_cli_lists_and_gets_the_apps_triggers(self):
        with Serverlite(app_path("queues")) as sl:
            r = sl.aws_cli("lambda", "list-event-source-mappings")
            self.assertEqual(r.returncode, 0, r.stderr)
            mappings = json.loads(r.stdout)["EventSourceMappings"]
            by_function = {m["FunctionArn"].rsplit(":", 1)[1]: m for m in mappings}
            self.assertEqual(set(by_function),
                             {"queues-dev-worker", "queues-dev-flaky", "queues-dev-picky",
                              "queues-dev-idle"})
            worker = by_function["queues-dev-worker"]
            self.assertRegex(worker["UUID"],
                             r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
            self.assertEqual(worker["EventSourceArn"],
                             "arn:aws:sqs:us-east-1:000000000000:queues-dev-Tasks")
            self.assertEqual(worker["FunctionArn"],
                             "arn:aws:lambda:us-east-1:000000000000:function:queues-dev-worker")
            self.assertEqual(worker["BatchSize"], 5)
            self.assertEqual(worker["State"], "Enabled")
            self.assertEqual(by_function["queues-dev-idle"]["State"], "Disabled")
            self.assertEqual(by_function["queues-dev-flaky"]["FunctionResponseTypes"],
                             ["ReportBatchItemFailures"])
            self.assertEqual(json.loads(by_function["queues-dev-picky"]["FilterCriteria"]
                                        ["Filters"][0]["Pattern"]), {"body": {"kind": ["keep"]}})
            # Get by UUID; narrowed by function and by source; an unknown UUID is not found.
            r = sl.aws_cli("lambda", "get-event-source-mapping", "--uuid", worker["UUID"])
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(json.loads(r.stdout)["EventSourceArn"], worker["EventSourceArn"])
            r = sl.aws_cli("lambda", "list-event-source-mappings", "--function-name", "worker")
            self.assertEqual([m["UUID"] for m in json.loads(r.stdout)["EventSourceMappings"]],
                             [worker["UUID"]])
            r = sl.aws_cli("lambda", "list-event-source-mappings", "--event-source-arn",
                           "arn:aws:sqs:us-east-1:000000000000:queues-dev-Flaky")
            self.assertEqual(len(json.loads(r.stdout)["EventSourceMappings"]), 1)
            r = sl.aws_cli("lambda", "get-event-source-mapping", "--uuid",
                           "00000000-0000-4000-8000-000000000000")
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("ResourceNotFoundException", r.stderr)
            r = sl.aws_cli("lambda", "delete-event-source-mapping", "--uuid", worker["UUID"])
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("serverless.yml", r.stderr)
        # The same UUIDs in the next run.
        with Serverlite(app_path("queues")) as sl:
            r = sl.aws_cli("lambda", "get-event-source-mapping", "--uuid", worker["UUID"])
            self.assertEqual(r.returncode, 0, r.stderr)

    def test_stream_mappings_have_the_stream_fields(self):
        with Serverlite(app_path("streams")) as sl:
            client = sl.boto3_client("lambda")
            mappings = client.list_event_source_mappings(
                FunctionName="streams-dev-batcher")["EventSourceMappings"]
            self.assertEqual(len(mappings), 1)
            m = mappings[0]
            self.assertTrue(m["EventSourceArn"].startswith("arn:aws:kinesis:us-east-1:"))
            self.assertEqual(m["StartingPosition"], "TRIM_HORIZON")
            self.assertEqual(m["BatchSize"], 10)
            self.assertEqual(m["MaximumBatchingWindowInSeconds"], 2)
            self.assertEqual(m["State"], "Enabled")
            self.assertIn("OnFailure", m["DestinationConfig"])
            page = client.list_event_source_mappings(MaxItems=2)
            self.assertEqual(len(page["EventSourceMappings"]), 2)
            self.assertIn("NextMarker", page)


class UnservedServices(ServerTestCase):
    APP = "demo"

    def test_the_cli_says_which_service_is_not_emulated(self):
        for args, name, operation in (
                (("sns", "list-topics"), "SNS", "ListTopics"),
                (("s3api", "list-objects-v2", "--bucket", "photos"), "S3", "GET /photos"),
                (("events", "list-rules"), "EventBridge", "ListRules"),
                (("stepfunctions", "list-state-machines"), "Step Functions",
                 "ListStateMachines")):
            r = self.sl.aws_cli(*args)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("NotImplemented", r.stderr)
            self.assertIn(f"serverlite does not emulate {name} (signing name", r.stderr)
            self.assertIn(f"cannot serve {operation}", r.stderr)

    def test_boto3_gets_the_code_and_message(self):
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            self.sl.boto3_client("sns").publish(TopicArn="arn:aws:sns:us-east-1:000000000000:t",
                                                Message="m")
        error = caught.exception.response["Error"]
        self.assertEqual(error["Code"], "NotImplemented")
        self.assertIn("serverlite does not emulate SNS", error["Message"])
        self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], 501)


class Ports(unittest.TestCase):
    def test_a_port_in_use_names_its_option(self):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = str(taken.getsockname()[1])
            for option in ("--port", "--gateway-port"):
                other = "--gateway-port" if option == "--port" else "--port"
                r = run_cli("up", "-c", app_path("demo"), "--ephemeral", option, port, other, "0")
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn(f"127.0.0.1:{port}", r.stderr)
                self.assertIn("the port is in use", r.stderr)
                self.assertIn(f"choose another with {option} PORT", r.stderr)


class Subcommands(unittest.TestCase):
    def test_an_unknown_subcommand_is_named(self):
        r = run_cli("logs")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown subcommand 'logs'", r.stderr)
        self.assertIn("up, replay, invoke", r.stderr)
        r = run_cli()
        self.assertEqual(r.returncode, 2)
        self.assertIn("subcommand is required", r.stderr)


# A handler that writes an item to DynamoDB and reads it back, with the standard library only:
# AWS_ENDPOINT_URL names the endpoint, the Authorization header has an SDK's form.
DYNAMO_HANDLER = '''
import json, os, urllib.request

def call(target, body):
    headers = {"X-Amz-Target": "DynamoDB_20120810." + target,
               "Content-Type": "application/x-amz-json-1.0", "X-Amz-Date": "20240101T000000Z",
               "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/dynamodb/"
                                "aws4_request, SignedHeaders=host;x-amz-date, Signature=" + "0" * 64}
    request = urllib.request.Request(os.environ["AWS_ENDPOINT_URL"] + "/",
                                     json.dumps(body).encode(), headers)
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)

def put(event, context):
    call("PutItem", {"TableName": os.environ["TABLE"],
                     "Item": {"id": {"S": event["id"]}, "n": {"N": str(event["n"])}}})
    return {"stored": event["id"]}

def get(event, context):
    item = call("GetItem", {"TableName": os.environ["TABLE"], "Key": {"id": {"S": event["id"]}}})
    return item.get("Item")
'''

DYNAMO_APP = '''
service: inproc
provider:
  name: aws
  runtime: python3.11
  environment:
    TABLE: !Ref Items
functions:
  put: {handler: handler.put, timeout: 5}
  get: {handler: handler.get, timeout: 5}
resources:
  Resources:
    Items:
      Type: AWS::DynamoDB::Table
      Properties:
        BillingMode: PAY_PER_REQUEST
        AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
        KeySchema: [{AttributeName: id, KeyType: HASH}]
'''


class InvokeWithoutUp(unittest.TestCase):
    def write_app(self, tmp):
        with open(os.path.join(tmp, "serverless.yml"), "w") as f:
            f.write(DYNAMO_APP)
        with open(os.path.join(tmp, "handler.py"), "w") as f:
            f.write(DYNAMO_HANDLER)
        return os.path.join(tmp, "serverless.yml")

    def test_a_handler_that_calls_dynamodb_works_in_memory(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = self.write_app(tmp)
            events = '{"id": "a", "n": 1}\n'
            r = run_cli("invoke", "-c", path, "put", "-e", "-", input=events, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(json.loads(r.stdout), {"stored": "a"})
            self.assertIn("the app's services run in this process (in memory)", r.stderr)
            self.assertRegex(r.stderr, r"\[aws\] DynamoDB\.PutItem 200 ")
            # In memory: the next invoke starts empty.
            r = run_cli("invoke", "-c", path, "get", "-e", "-", input=events, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIsNone(json.loads(r.stdout))
            # --quiet: no service line, no access lines.
            r = run_cli("invoke", "-c", path, "put", "-e", "-", "--quiet", input=events,
                        timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertNotIn("[aws]", r.stderr)

    def test_state_carries_over_between_invokes(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = self.write_app(tmp)
            state = os.path.join(tmp, "state")
            r = run_cli("invoke", "-c", path, "put", "--state", state, "-e", "-",
                        input='{"id": "b", "n": 7}', timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            r = run_cli("invoke", "-c", path, "get", "--state", state, "-e", "-",
                        input='{"id": "b"}', timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(json.loads(r.stdout), {"id": {"S": "b"}, "n": {"N": "7"}})


if __name__ == "__main__":
    unittest.main()
