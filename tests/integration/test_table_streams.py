"""DynamoDB table streams: StreamSpecification through boto3, the DynamoDB Streams API through
boto3's `dynamodbstreams` client and `aws dynamodbstreams`, and table streams as function
triggers (the `table-streams` app): the event Lambda delivers, filters, and bisect + on-failure.
"""
import json
import os
import shutil
import tempfile
import time
import unittest

from harness import EventLog, Serverlite, ServerTestCase, app_path

WAIT = 10


class TableStreamsApi(ServerTestCase):
    APP = "tables"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ddb = cls.sl.boto3_client("dynamodb")
        cls.streams = cls.sl.boto3_client("dynamodbstreams")

    def table(self, name, view="NEW_AND_OLD_IMAGES"):
        out = self.ddb.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": view})
        return out["TableDescription"]

    def records(self, stream_arn, iterator_type="TRIM_HORIZON", **kwargs):
        shard = self.streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]
        it = self.streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard["ShardId"],
                                             ShardIteratorType=iterator_type,
                                             **kwargs)["ShardIterator"]
        return self.streams.get_records(ShardIterator=it)["Records"]

    def test_records_of_each_change_in_order(self):
        d = self.table("st-changes")
        arn = d["LatestStreamArn"]
        self.assertEqual(d["StreamSpecification"],
                         {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        self.ddb.put_item(TableName="st-changes", Item={"pk": {"S": "a"}, "n": {"N": "1"}})
        self.ddb.put_item(TableName="st-changes", Item={"pk": {"S": "a"}, "n": {"N": "1.0"}})
        self.ddb.update_item(TableName="st-changes", Key={"pk": {"S": "a"}},
                             UpdateExpression="SET n = n + :one",
                             ExpressionAttributeValues={":one": {"N": "1"}})
        self.ddb.delete_item(TableName="st-changes", Key={"pk": {"S": "a"}})
        self.ddb.delete_item(TableName="st-changes", Key={"pk": {"S": "a"}})  # nothing to delete
        recs = self.records(arn)
        # The second put changed nothing (1.0 is 1), nor did the second delete: no records.
        self.assertEqual([r["eventName"] for r in recs], ["INSERT", "MODIFY", "REMOVE"])
        insert, modify, remove = recs
        self.assertEqual(insert["eventSource"], "aws:dynamodb")
        self.assertEqual(insert["eventVersion"], "1.1")
        self.assertEqual(insert["awsRegion"], "us-east-1")
        self.assertEqual(insert["dynamodb"]["Keys"], {"pk": {"S": "a"}})
        self.assertEqual(insert["dynamodb"]["NewImage"], {"pk": {"S": "a"}, "n": {"N": "1"}})
        self.assertNotIn("OldImage", insert["dynamodb"])
        self.assertEqual(modify["dynamodb"]["OldImage"]["n"], {"N": "1"})
        self.assertEqual(modify["dynamodb"]["NewImage"]["n"], {"N": "2"})
        self.assertEqual(remove["dynamodb"]["OldImage"]["n"], {"N": "2"})
        self.assertNotIn("NewImage", remove["dynamodb"])
        self.assertEqual(remove["dynamodb"]["StreamViewType"], "NEW_AND_OLD_IMAGES")
        seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in recs]
        self.assertEqual(seqs, sorted(seqs))
        self.assertGreater(insert["dynamodb"]["SizeBytes"], 0)
        # AFTER_SEQUENCE_NUMBER and LATEST.
        after = self.records(arn, "AFTER_SEQUENCE_NUMBER",
                             SequenceNumber=insert["dynamodb"]["SequenceNumber"])
        self.assertEqual([r["eventName"] for r in after], ["MODIFY", "REMOVE"])
        self.assertEqual(self.records(arn, "LATEST"), [])

    def test_view_types_and_batch_writes(self):
        arn = self.table("st-keys", "KEYS_ONLY")["LatestStreamArn"]
        self.ddb.batch_write_item(RequestItems={"st-keys": [
            {"PutRequest": {"Item": {"pk": {"S": k}, "v": {"S": "x"}}}} for k in "abc"]})
        recs = self.records(arn)
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in recs], ["a", "b", "c"])
        self.assertTrue(all("NewImage" not in r["dynamodb"] for r in recs))
        arn = self.table("st-old", "OLD_IMAGE")["LatestStreamArn"]
        self.ddb.put_item(TableName="st-old", Item={"pk": {"S": "a"}, "v": {"S": "1"}})
        self.ddb.put_item(TableName="st-old", Item={"pk": {"S": "a"}, "v": {"S": "2"}})
        recs = self.records(arn)
        self.assertNotIn("OldImage", recs[0]["dynamodb"])
        self.assertEqual(recs[1]["dynamodb"]["OldImage"]["v"], {"S": "1"})
        self.assertNotIn("NewImage", recs[1]["dynamodb"])

    def test_turning_streams_off_and_on(self):
        first = self.table("st-toggle")["LatestStreamArn"]
        err = self.assert_error(self.ddb.update_table, TableName="st-toggle",
                                StreamSpecification={"StreamEnabled": True,
                                                     "StreamViewType": "KEYS_ONLY"})
        self.assertEqual(err["Message"], "Table already has an enabled stream: TableName: st-toggle")
        self.ddb.put_item(TableName="st-toggle", Item={"pk": {"S": "before"}})
        self.ddb.update_table(TableName="st-toggle",
                              StreamSpecification={"StreamEnabled": False})
        d = self.ddb.describe_table(TableName="st-toggle")["Table"]
        self.assertNotIn("StreamSpecification", d)
        self.assertEqual(d["LatestStreamArn"], first)  # still readable for 24 h
        desc = self.streams.describe_stream(StreamArn=first)["StreamDescription"]
        self.assertEqual(desc["StreamStatus"], "DISABLED")
        self.assertIn("EndingSequenceNumber", desc["Shards"][0]["SequenceNumberRange"])
        self.ddb.put_item(TableName="st-toggle", Item={"pk": {"S": "unseen"}})
        self.ddb.update_table(TableName="st-toggle", StreamSpecification={
            "StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
        second = self.ddb.describe_table(TableName="st-toggle")["Table"]["LatestStreamArn"]
        self.assertNotEqual(first, second)
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in self.records(first)],
                         ["before"])
        listed = self.streams.list_streams(TableName="st-toggle")["Streams"]
        self.assertEqual(sorted(s["StreamArn"] for s in listed), sorted([first, second]))

    def test_describe_stream_and_errors(self):
        arn = self.table("st-describe")["LatestStreamArn"]
        desc = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]
        self.assertEqual(desc["TableName"], "st-describe")
        self.assertEqual(desc["StreamStatus"], "ENABLED")
        self.assertEqual(desc["KeySchema"], [{"AttributeName": "pk", "KeyType": "HASH"}])
        self.assertTrue(desc["Shards"][0]["ShardId"].startswith("shardId-"))
        missing = arn.replace("st-describe", "nope")
        with self.assertRaises(self.streams.exceptions.ResourceNotFoundException):
            self.streams.describe_stream(StreamArn=missing)
        with self.assertRaises(self.streams.exceptions.ClientError):
            self.streams.get_records(ShardIterator="not-an-iterator")

    def test_cli_lists_and_reads_streams(self):
        arn = self.table("st-cli")["LatestStreamArn"]
        self.ddb.put_item(TableName="st-cli", Item={"pk": {"S": "cli"}})
        r = self.sl.aws_cli("dynamodbstreams", "list-streams", "--table-name", "st-cli")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["Streams"][0]["StreamArn"], arn)
        shard = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
        r = self.sl.aws_cli("dynamodbstreams", "get-shard-iterator", "--stream-arn", arn,
                            "--shard-id", shard["ShardId"], "--shard-iterator-type",
                            "TRIM_HORIZON")
        self.assertEqual(r.returncode, 0, r.stderr)
        it = json.loads(r.stdout)["ShardIterator"]
        r = self.sl.aws_cli("dynamodbstreams", "get-records", "--shard-iterator", it)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["Records"][0]["eventName"], "INSERT")

    def assert_error(self, call, **kwargs):
        with self.assertRaises(self.ddb.exceptions.ClientError) as ctx:
            call(**kwargs)
        return ctx.exception.response["Error"]


def records(events):
    return [r for e in events for r in e["Records"]]


class TableStreamTriggers(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.events_dir = tempfile.mkdtemp(prefix="table-streams-events-")
        cls.log = EventLog(cls.events_dir, "table-streams")
        cls.sl = Serverlite(app_path("table-streams"),
                            env={"TABLE_STREAMS_EVENTS_DIR": cls.events_dir})
        cls.sl.__enter__()
        cls.ddb = cls.sl.boto3_client("dynamodb")
        cls.sqs = cls.sl.boto3_client("sqs")

    @classmethod
    def tearDownClass(cls):
        cls.sl.__exit__(None, None, None)
        shutil.rmtree(cls.events_dir, ignore_errors=True)

    def test_event_is_shaped_as_lambda_delivers_stream_records(self):
        self.ddb.put_item(TableName="stream-orders",
                          Item={"id": {"S": "o1"}, "state": {"S": "new"}, "total": {"N": "12.5"}})
        self.ddb.update_item(TableName="stream-orders", Key={"id": {"S": "o1"}},
                             UpdateExpression="SET #s = :s", ExpressionAttributeNames={"#s": "state"},
                             ExpressionAttributeValues={":s": {"S": "paid"}})
        events = self.log.wait_for("recorder", lambda e: len(records(e)) >= 2)
        recs = records(events)
        arn = self.ddb.describe_table(TableName="stream-orders")["Table"]["LatestStreamArn"]
        first = recs[0]
        self.assertEqual(set(first), {"eventID", "eventName", "eventVersion", "eventSource",
                                      "awsRegion", "dynamodb", "eventSourceARN"})
        self.assertEqual(first["eventSourceARN"], arn)
        self.assertEqual(first["eventName"], "INSERT")
        self.assertEqual(first["eventVersion"], "1.1")
        self.assertEqual(first["eventSource"], "aws:dynamodb")
        self.assertEqual(len(first["eventID"]), 32)
        d = first["dynamodb"]
        self.assertEqual(set(d), {"ApproximateCreationDateTime", "Keys", "NewImage",
                                  "SequenceNumber", "SizeBytes", "StreamViewType"})
        self.assertIsInstance(d["ApproximateCreationDateTime"], int)  # whole seconds, as Lambda
        self.assertLess(abs(d["ApproximateCreationDateTime"] - time.time()), 60)
        self.assertEqual(d["Keys"], {"id": {"S": "o1"}})
        self.assertEqual(d["NewImage"]["total"], {"N": "12.5"})
        self.assertEqual(d["StreamViewType"], "NEW_AND_OLD_IMAGES")
        self.assertEqual(recs[1]["eventName"], "MODIFY")
        self.assertEqual(recs[1]["dynamodb"]["OldImage"]["state"], {"S": "new"})
        self.assertEqual(recs[1]["dynamodb"]["NewImage"]["state"], {"S": "paid"})

    def test_time_to_live_deletions_reach_the_trigger_as_the_service(self):
        self.ddb.put_item(TableName="stream-orders", Item={
            "id": {"S": "ttl-1"}, "expires": {"N": str(int(time.time()) - 5)}})
        events = self.log.wait_for("recorder", lambda e: any(
            r["eventName"] == "REMOVE" and r["dynamodb"]["Keys"]["id"]["S"] == "ttl-1"
            for r in records(e)))
        removed = [r for r in records(events) if r["eventName"] == "REMOVE" and
                   r["dynamodb"]["Keys"]["id"]["S"] == "ttl-1"][0]
        self.assertEqual(removed["userIdentity"],
                         {"type": "Service", "principalId": "dynamodb.amazonaws.com"})
        self.assertEqual(removed["dynamodb"]["OldImage"]["id"], {"S": "ttl-1"})
        self.assertNotIn("Item", self.ddb.get_item(TableName="stream-orders",
                                                   Key={"id": {"S": "ttl-1"}}))

    def test_reported_item_failures_are_retried_from_the_lowest_one(self):
        # LATEST: only what is written after the trigger started.
        self.ddb.batch_write_item(RequestItems={"stream-tasks": [
            {"PutRequest": {"Item": {"id": {"S": k}, "fail": {"BOOL": k == "b"}}}}
            for k in ("a", "b", "c")]})

        def ids(event):
            return [r["dynamodb"]["Keys"]["id"]["S"] for r in event["Records"]]

        events = self.log.wait_for("partial", lambda e: len(e) >= 2)
        self.assertEqual(ids(events[0]), ["a", "b", "c"])
        self.assertEqual(ids(events[1]), ["b", "c"])  # resumed at the reported record
        open(os.path.join(self.events_dir, "healed-b"), "w").close()
        events = self.log.wait_for("partial", lambda e: any(
            ids(x) == ["b", "c"] for x in e[2:]) or len(e) > 2)
        time.sleep(1.5)
        after = self.log.events("partial")
        self.assertEqual(ids(after[-1]), ["b", "c"])  # the last delivery, healed, succeeded
        count = len(after)
        time.sleep(1.5)
        self.assertEqual(len(self.log.events("partial")), count)  # and nothing comes again

    def test_filter_patterns_deliver_only_matching_records(self):
        for i, state in enumerate(["draft", "new", "new"]):
            self.ddb.put_item(TableName="stream-orders",
                              Item={"id": {"S": f"f{i}"}, "state": {"S": state}})
        self.ddb.put_item(TableName="stream-orders",
                          Item={"id": {"S": "f1"}, "state": {"S": "new"}, "x": {"N": "1"}})
        events = self.log.wait_for(
            "inserts", lambda e: {"f1", "f2"} <= {r["dynamodb"]["Keys"]["id"]["S"]
                                                  for r in records(e)})
        time.sleep(0.5)
        got = [r for r in records(self.log.events("inserts"))
               if r["dynamodb"]["Keys"]["id"]["S"].startswith("f")]
        self.assertEqual(sorted(r["dynamodb"]["Keys"]["id"]["S"] for r in got), ["f1", "f2"])
        self.assertTrue(all(r["eventName"] == "INSERT" for r in got))
        self.assertTrue(events)

    def test_failing_batch_is_bisected_and_sent_to_the_destination(self):
        with open(os.path.join(self.events_dir, "failing-ids"), "w") as f:
            f.write("3\n")
        self.ddb.batch_write_item(RequestItems={"stream-jobs": [
            {"PutRequest": {"Item": {"id": {"N": str(i)}}}} for i in range(1, 5)]})
        url = self.sqs.get_queue_url(QueueName="stream-job-failures")["QueueUrl"]
        deadline = time.monotonic() + WAIT
        messages = []
        while not messages and time.monotonic() < deadline:
            messages = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
        self.assertTrue(messages, "no failure record arrived")
        failure = json.loads(messages[0]["Body"])
        info = failure["DDBStreamBatchInfo"]
        arn = self.ddb.describe_table(TableName="stream-jobs")["Table"]["LatestStreamArn"]
        self.assertEqual(info["streamArn"], arn)
        self.assertEqual(info["batchSize"], 1)
        self.assertEqual(info["startSequenceNumber"], info["endSequenceNumber"])
        self.assertEqual(failure["requestContext"]["condition"], "RetryAttemptsExhausted")
        # Every record but the failing one was delivered in a successful batch.
        delivered = {r["dynamodb"]["Keys"]["id"]["N"]
                     for e in self.log.events("failing") for r in e["Records"]
                     if len(e["Records"]) == 1 or "3" not in
                     {x["dynamodb"]["Keys"]["id"]["N"] for x in e["Records"]}}
        self.assertTrue({"1", "2", "4"} <= delivered, delivered)


if __name__ == "__main__":
    unittest.main()
