"""The platform every service stands on, through the real binary and real clients: the virtual
clock (`up --clock virtual`, POST /_serverlite/clock) moving visibility timeouts, delays, TTL and
iterator expiry with no sleeping; the admin API (index, resources, reset); LocalStack's health
path; delivery by ARN refusing, at start-up, a destination no service owns."""
import json
import os
import subprocess
import tempfile
import time
import unittest

from harness import BIN, ServerTestCase, Serverlite, app_path

START = "2026-01-01T00:00:00Z"
START_MS = 1767225600000


class ClockMixin:
    def clock(self):
        status, _, body = self.sl.request("GET", self.sl.aws_url + "/_serverlite/clock")
        self.assertEqual(status, 200)
        return json.loads(body)

    def advance(self, duration):
        status, _, body = self.sl.request("POST", self.sl.aws_url + "/_serverlite/clock",
                                          json.dumps({"advance": duration}))
        self.assertEqual(status, 200, body)
        return json.loads(body)


class VirtualClockQueues(ClockMixin, ServerTestCase):
    APP = "queues"
    ARGS = ("--clock", "virtual=" + START)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sqs = cls.sl.boto3_client("sqs")

    def queue(self, name, **attributes):
        return self.sqs.create_queue(QueueName=name, Attributes={
            k: str(v) for k, v in attributes.items()})["QueueUrl"]

    def receive(self, url):
        return self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                        AttributeNames=["All"]).get("Messages", [])

    def test_the_clock_starts_where_it_is_told_and_stands_still(self):
        first = self.clock()
        self.assertEqual(first["kind"], "virtual")
        time.sleep(0.05)
        self.assertEqual(self.clock()["epochMillis"], first["epochMillis"])
        self.assertGreaterEqual(first["epochMillis"], START_MS)

    def test_a_deeply_nested_advance_is_refused_and_the_clock_stays(self):
        before = self.clock()["epochMillis"]
        deep = "[" * 50000 + '"PT1S"' + "]" * 50000
        status, _, body = self.sl.request("POST", self.sl.aws_url + "/_serverlite/clock",
                                          '{"advance": ' + deep + "}")
        self.assertEqual(status, 400, body)
        self.assertIn("nested", json.loads(body)["message"])
        self.assertEqual(self.clock()["epochMillis"], before)

    def test_a_received_message_is_visible_again_after_its_visibility_timeout(self):
        url = self.queue("vt", VisibilityTimeout=30)
        self.sqs.send_message(QueueUrl=url, MessageBody="once")
        got = self.receive(url)
        self.assertEqual(len(got), 1)
        sent = int(got[0]["Attributes"]["SentTimestamp"])
        self.assertEqual(sent, self.clock()["epochMillis"])  # stamped by the virtual clock
        self.assertEqual(self.receive(url), [])
        self.advance("PT29S")
        self.assertEqual(self.receive(url), [])
        self.advance("PT1S")
        again = self.receive(url)
        self.assertEqual([m["Body"] for m in again], ["once"])
        self.assertEqual(again[0]["Attributes"]["ApproximateReceiveCount"], "2")

    def test_a_delayed_message_appears_only_after_its_delay(self):
        url = self.queue("delayed")
        self.sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
        self.assertEqual(self.receive(url), [])
        self.advance("PT59S")
        self.assertEqual(self.receive(url), [])
        self.advance("PT1S")
        self.assertEqual([m["Body"] for m in self.receive(url)], ["later"])

    def test_a_long_poll_is_answered_when_the_clock_makes_a_message_visible(self):
        import threading
        url = self.queue("longpoll")
        self.sqs.send_message(QueueUrl=url, MessageBody="soon", DelaySeconds=10)
        got = []
        poller = threading.Thread(target=lambda: got.extend(self.sqs.receive_message(
            QueueUrl=url, WaitTimeSeconds=20).get("Messages", [])))
        poller.start()
        time.sleep(0.2)
        self.assertTrue(poller.is_alive())
        self.advance("PT10S")
        poller.join(5)
        self.assertFalse(poller.is_alive())
        self.assertEqual([m["Body"] for m in got], ["soon"])

    def test_an_advance_answers_after_the_invocations_it_started(self):
        tasks = self.sqs.get_queue_url(QueueName="queues-dev-Tasks")["QueueUrl"]
        results = self.sqs.get_queue_url(QueueName="queues-dev-Results")["QueueUrl"]
        self.sqs.send_message(QueueUrl=tasks, MessageBody="on-the-clock", DelaySeconds=120)
        self.assertEqual(self.receive(results), [])
        out = self.advance("PT2M")
        self.assertTrue(out["settled"])
        self.assertGreaterEqual(out["steps"], 1)
        # The worker forwarded it before the advance answered: no waiting here.
        bodies = [json.loads(m["Body"])["record"]["body"] for m in self.receive(results)]
        self.assertIn("on-the-clock", bodies)

    def test_the_clock_does_not_go_back_and_says_what_it_takes(self):
        status, _, body = self.sl.request("POST", self.sl.aws_url + "/_serverlite/clock",
                                          json.dumps({"to": "2025-01-01T00:00:00Z"}))
        self.assertEqual(status, 400)
        self.assertIn("does not go back", json.loads(body)["message"])
        status, _, body = self.sl.request("POST", self.sl.aws_url + "/_serverlite/clock",
                                          json.dumps({"advance": "30 seconds"}))
        self.assertEqual(status, 400)
        self.assertIn("ISO 8601", json.loads(body)["message"])


class VirtualClockTablesAndStreams(ClockMixin, ServerTestCase):
    APP = "tables"
    ARGS = ("--clock", "virtual=" + START)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ddb = cls.sl.boto3_client("dynamodb")
        cls.streams = cls.sl.boto3_client("dynamodbstreams")
        cls.kinesis = cls.sl.boto3_client("kinesis")

    def test_an_expired_item_is_deleted_on_advance_and_shows_in_the_stream(self):
        self.ddb.create_table(
            TableName="ttl-clock", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "OLD_IMAGE"})
        self.ddb.update_time_to_live(TableName="ttl-clock", TimeToLiveSpecification={
            "Enabled": True, "AttributeName": "expires"})
        now_s = self.clock()["epochMillis"] // 1000
        self.ddb.put_item(TableName="ttl-clock", Item={
            "pk": {"S": "soon"}, "expires": {"N": str(now_s + 60)}})
        self.ddb.put_item(TableName="ttl-clock", Item={
            "pk": {"S": "later"}, "expires": {"N": str(now_s + 3600)}})
        self.advance("PT59S")
        keys = lambda: sorted(i["pk"]["S"] for i in self.ddb.scan(TableName="ttl-clock")["Items"])
        self.assertEqual(keys(), ["later", "soon"])
        self.advance("PT2S")
        self.assertEqual(keys(), ["later"])

        arn = self.ddb.describe_table(TableName="ttl-clock")["Table"]["LatestStreamArn"]
        shard = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
        it = self.streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                             ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records = self.streams.get_records(ShardIterator=it)["Records"]
        removes = [r for r in records if r["eventName"] == "REMOVE"]
        self.assertEqual(len(removes), 1)
        self.assertEqual(removes[0]["dynamodb"]["Keys"], {"pk": {"S": "soon"}})
        self.assertEqual(removes[0]["userIdentity"],
                         {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"})
        # Stamped by the virtual clock: after the item expired, long before the real now.
        created = removes[0]["dynamodb"]["ApproximateCreationDateTime"].timestamp()
        self.assertGreaterEqual(created, now_s + 60)
        self.assertLess(created, now_s + 62)

    def test_resources_show_tables_with_items_and_indexes_and_streams_with_shards(self):
        self.ddb.put_item(TableName="orders", Item={
            "customer": {"S": "c1"}, "placed": {"N": "1"}, "state": {"S": "new"}})
        self.kinesis.create_stream(StreamName="described", ShardCount=2)
        status, _, body = self.sl.request("GET", self.sl.aws_url + "/_serverlite/resources")
        self.assertEqual(status, 200)
        services = json.loads(body)["services"]
        tables = {t["name"]: t for t in services["dynamodb"]}
        orders = tables["orders"]
        self.assertGreaterEqual(orders["items"], 1)
        self.assertEqual({i["name"]: i["kind"] for i in orders["indexes"]},
                         {"byState": "global", "byCustomerState": "local"})
        self.assertTrue(orders["streamArn"].startswith(
            "arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/"))
        streams = {s["name"]: s for s in services["kinesis"]}
        self.assertEqual(streams["described"]["openShards"], 2)
        self.assertEqual([sh["shardId"] for sh in streams["described"]["shards"]],
                         ["shardId-000000000000", "shardId-000000000001"])

    def test_a_kinesis_iterator_expires_after_five_minutes(self):
        self.kinesis.create_stream(StreamName="clocked", ShardCount=1)
        self.kinesis.put_record(StreamName="clocked", PartitionKey="k", Data=b"x")
        it = self.kinesis.get_shard_iterator(
            StreamName="clocked", ShardId="shardId-000000000000",
            ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        self.advance("PT4M59S")
        self.assertEqual(len(self.kinesis.get_records(ShardIterator=it)["Records"]), 1)
        self.advance("PT2S")  # past five minutes
        with self.assertRaises(self.kinesis.exceptions.ExpiredIteratorException):
            self.kinesis.get_records(ShardIterator=it)


class AdminApi(ClockMixin, ServerTestCase):
    APP = "queues"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sqs = cls.sl.boto3_client("sqs")

    def get(self, path):
        status, _, body = self.sl.request("GET", self.sl.aws_url + path)
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def test_the_index_lists_the_endpoints(self):
        paths = {e["path"] for e in self.get("/_serverlite/")["endpoints"]}
        self.assertLessEqual({"/_serverlite/health", "/_serverlite/resources",
                              "/_serverlite/reset", "/_serverlite/clock",
                              "/_localstack/health"}, paths)

    def test_localstack_health_names_every_service_running(self):
        services = self.get("/_localstack/health")["services"]
        for name in ("sqs", "kinesis", "dynamodb", "dynamodbstreams", "lambda", "apigateway"):
            self.assertEqual(services.get(name), "running", name)

    def test_resources_show_queues_and_functions_with_their_triggers(self):
        url = self.sqs.get_queue_url(QueueName="queues-dev-Idle")["QueueUrl"]
        self.sqs.send_message(QueueUrl=url, MessageBody="a")
        self.sqs.send_message(QueueUrl=url, MessageBody="b", DelaySeconds=900)
        services = self.get("/_serverlite/resources")["services"]
        queues = {q["name"]: q for q in services["sqs"]}
        self.assertEqual(queues["queues-dev-Idle"]["visible"], 1)
        self.assertEqual(queues["queues-dev-Idle"]["delayed"], 1)
        self.assertEqual(queues["queues-dev-Idle"]["inFlight"], 0)
        self.assertTrue(queues["queues-dev-Events.fifo"]["fifo"])
        functions = {f["key"]: f for f in services["lambda"]}
        worker = functions["worker"]
        self.assertEqual([t["type"] for t in worker["triggers"]], ["sqs"])
        self.assertEqual(worker["triggers"][0]["source"],
                         "arn:aws:sqs:us-east-1:000000000000:queues-dev-Tasks")
        self.assertEqual(functions["idle"]["triggers"], [])  # disabled
        self.assertIn("workers", worker)
        self.assertIn("dynamodb", services)
        self.assertIn("kinesis", services)

    def test_reset_empties_state_and_creates_the_resources_again(self):
        made = self.sqs.create_queue(QueueName="made-at-runtime")["QueueUrl"]
        jobs = self.sqs.get_queue_url(QueueName="queues-jobs")["QueueUrl"]
        self.sqs.send_message(QueueUrl=jobs, MessageBody="kept?")
        status, _, body = self.sl.request("POST", self.sl.aws_url + "/_serverlite/reset")
        self.assertEqual(status, 200, body)
        out = json.loads(body)
        self.assertTrue(out["reset"])
        self.assertIsInstance(out["milliseconds"], float)
        names = self.sqs.list_queues().get("QueueUrls", [])
        self.assertNotIn(made, names)
        self.assertIn(jobs, names)  # serverless.yml's queue is there again, with its settings
        attrs = self.sqs.get_queue_attributes(QueueUrl=jobs, AttributeNames=["All"])["Attributes"]
        self.assertEqual(attrs["ApproximateNumberOfMessages"], "0")
        self.assertEqual(attrs["VisibilityTimeout"], "5")
        self.assertIn("deadLetterTargetArn", attrs["RedrivePolicy"])
        # Triggers run again after a reset.
        tasks = self.sqs.get_queue_url(QueueName="queues-dev-Tasks")["QueueUrl"]
        results = self.sqs.get_queue_url(QueueName="queues-dev-Results")["QueueUrl"]
        self.sqs.send_message(QueueUrl=tasks, MessageBody="after-reset")
        deadline = time.monotonic() + 15
        bodies = []
        while time.monotonic() < deadline and "after-reset" not in bodies:
            for m in self.sqs.receive_message(QueueUrl=results, WaitTimeSeconds=1).get(
                    "Messages", []):
                bodies.append(json.loads(m["Body"])["record"]["body"])
        self.assertIn("after-reset", bodies)

    def test_the_real_clock_cannot_be_moved(self):
        self.assertEqual(self.clock()["kind"], "real")
        status, _, body = self.sl.request("POST", self.sl.aws_url + "/_serverlite/clock",
                                          json.dumps({"advance": "PT1S"}))
        self.assertEqual(status, 400)
        self.assertIn("--clock virtual", json.loads(body)["message"])


class DeliveryAtStartUp(unittest.TestCase):
    def test_an_on_failure_destination_no_service_owns_is_refused_at_start_up(self):
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "serverless.yml"), "w") as f:
                f.write("""service: dest
provider: {name: aws, runtime: python3.11}
functions:
  reader:
    handler: h.handler
    events:
      - stream:
          arn: !GetAtt [S, Arn]
          type: kinesis
          destinations:
            onFailure: arn:aws:sqs:eu-west-1:000000000000:failures
resources:
  Resources:
    S: {Type: AWS::Kinesis::Stream, Properties: {Name: s, ShardCount: 1}}
""")
            with open(os.path.join(tmp, "h.py"), "w") as f:
                f.write("def handler(event, context):\n    return None\n")
            out = subprocess.run([BIN, "up", "-c", os.path.join(tmp, "serverless.yml"),
                                  "--port", "0", "--gateway-port", "0", "--ephemeral"],
                                 capture_output=True, text=True, timeout=60)
            self.assertEqual(out.returncode, 2, out.stderr)
            self.assertIn("functions.reader.events[0].stream.destinations.onFailure", out.stderr)
            self.assertIn("the ARN is in region 'eu-west-1' and account '000000000000', "
                          "serverlite serves region 'us-east-1'", out.stderr)

    def test_clock_option_is_checked(self):
        out = subprocess.run([BIN, "up", "-c", app_path("queues"), "--clock", "sometimes"],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 2)
        self.assertIn("expected real, virtual or virtual=", out.stderr)


if __name__ == "__main__":
    unittest.main()
