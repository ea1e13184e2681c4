"""Kinesis streams as function triggers (`stream` events of the `streams` app): the event Lambda
delivers, per-shard order, batching, retries that hold a shard back, partial batch responses,
bisecting with an on-failure destination, filters, disabled triggers, LATEST, and positions kept
across restarts. The handlers (fixtures/apps/streams/record.py) write down every event they get
in a directory the test gives them; records that fail carry {"fail": true, "id": ...} until the
test creates the file healed-<id>."""
import base64
import json
import os
import shutil
import tempfile
import time
import unittest
from datetime import datetime

from harness import EventLog, Serverlite, ServerTestCase, app_path

SERVICE = "streams"
ACCOUNT = "000000000000"
REGION = "us-east-1"
WAIT = 10  # seconds any expected delivery may take


def stream_arn(name):
    return f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{name}"


def resource_stream(logical_id):
    return f"{SERVICE}-dev-{logical_id}"


def payload(**fields):
    return json.dumps(fields).encode()


def data_of(record):
    return base64.b64decode(record["kinesis"]["data"])


def json_data(record):
    try:
        return json.loads(data_of(record))
    except ValueError:
        return None


def ids(event):
    return [(json_data(r) or {}).get("id") for r in event["Records"]]


def records(events):
    return [r for e in events for r in e["Records"]]


def seqs(event):
    return [r["kinesis"]["sequenceNumber"] for r in event["Records"]]


class StreamTriggerTest(ServerTestCase):
    APP = "streams"

    @classmethod
    def setUpClass(cls):
        cls.events_dir = tempfile.mkdtemp(prefix="streams-events-")
        cls.log = EventLog(cls.events_dir, SERVICE)
        cls.sl = Serverlite(app_path(cls.APP), env={"STREAMS_EVENTS_DIR": cls.events_dir})
        cls.sl.__enter__()
        cls.kinesis = cls.sl.boto3_client("kinesis")
        cls.sqs = cls.sl.boto3_client("sqs")

    @classmethod
    def tearDownClass(cls):
        cls.sl.__exit__(None, None, None)
        shutil.rmtree(cls.events_dir, ignore_errors=True)

    def put(self, stream, data, key="k"):
        return self.kinesis.put_record(StreamName=stream, Data=data, PartitionKey=key)

    def put_all(self, stream, datas, key="k"):
        """One PutRecords, so the records are stored together and read in one batch."""
        out = self.kinesis.put_records(StreamName=stream, Records=[
            {"Data": d, "PartitionKey": key} for d in datas])
        self.assertEqual(out["FailedRecordCount"], 0)
        return out["Records"]

    # --- the event --------------------------------------------------------------------------

    def test_event_is_shaped_as_lambda_delivers_kinesis_records(self):
        stream = resource_stream("Events")
        data = b"\x00\xffshape \xe2\x9c\x93"  # not UTF-8 text: must come back byte for byte
        before = time.time()
        put = self.put(stream, data, key="shape-key")
        after = time.time()
        events = self.log.wait_for("recorder", lambda evs: any(
            r["kinesis"]["partitionKey"] == "shape-key" for r in records(evs)))
        event = next(e for e in events
                     if any(r["kinesis"]["partitionKey"] == "shape-key" for r in e["Records"]))
        self.assertEqual(list(event), ["Records"])
        [rec] = [r for r in event["Records"] if r["kinesis"]["partitionKey"] == "shape-key"]
        self.assertEqual(set(rec), {"kinesis", "eventSource", "eventVersion", "eventID",
                                    "eventName", "invokeIdentityArn", "awsRegion",
                                    "eventSourceARN"})
        k = rec["kinesis"]
        self.assertEqual(set(k), {"kinesisSchemaVersion", "partitionKey", "sequenceNumber",
                                  "data", "approximateArrivalTimestamp"})
        self.assertEqual(k["kinesisSchemaVersion"], "1.0")
        self.assertEqual(k["partitionKey"], "shape-key")
        self.assertEqual(k["sequenceNumber"], put["SequenceNumber"])
        self.assertEqual(k["data"], base64.b64encode(data).decode())
        # Epoch seconds as a number with millisecond precision, e.g. 1545084650.987.
        ts = k["approximateArrivalTimestamp"]
        self.assertIsInstance(ts, float)
        self.assertLessEqual(before - 1, ts)
        self.assertLessEqual(ts, after + 1)
        self.assertAlmostEqual(ts * 1000, round(ts * 1000), places=3)
        self.assertEqual(rec["eventSource"], "aws:kinesis")
        self.assertEqual(rec["eventVersion"], "1.0")
        self.assertEqual(rec["eventID"], f"{put['ShardId']}:{put['SequenceNumber']}")
        self.assertRegex(put["ShardId"], r"^shardId-\d{12}$")
        self.assertEqual(rec["eventName"], "aws:kinesis:record")
        self.assertRegex(rec["invokeIdentityArn"], r"^arn:aws:iam::\d{12}:role/[\w+=,.@/-]+$")
        self.assertEqual(rec["awsRegion"], REGION)
        self.assertEqual(rec["eventSourceARN"], stream_arn(stream))

    def test_each_shard_is_delivered_in_order_exactly_once(self):
        stream = resource_stream("Events")
        put = []  # (partition key, sequence number, shard) in the order written
        keys = [f"order-{i}" for i in range(8)]
        for n in range(40):
            key = keys[n % len(keys)]
            r = self.put(stream, payload(id=f"order-{n}"), key=key)
            put.append((key, r["SequenceNumber"], r["ShardId"]))
        shards = {s for _, _, s in put}
        self.assertEqual(len(shards), 2, "8 keys should hash to both shards")
        wanted = {seq for _, seq, _ in put}
        events = self.log.wait_for("recorder", lambda evs: wanted <= {
            r["kinesis"]["sequenceNumber"] for r in records(evs)})
        mine = [r for r in records(events) if r["kinesis"]["sequenceNumber"] in wanted]
        self.assertEqual(len(mine), len(put), "each record exactly once")
        for event in events:  # a batch holds the records of one shard
            self.assertEqual(len({r["eventID"].rsplit(":", 1)[0] for r in event["Records"]}), 1)
        for shard in shards:
            delivered = [r["kinesis"]["sequenceNumber"] for r in mine
                         if r["eventID"].startswith(shard + ":")]
            written = [seq for _, seq, s in put if s == shard]
            self.assertEqual(delivered, written)
            self.assertEqual(delivered, sorted(delivered, key=int))

    # --- batching ---------------------------------------------------------------------------

    def test_batching_window_gathers_records_put_apart(self):
        stream = resource_stream("Batched")
        for i in range(3):  # 0.6 s in all, well within batchWindow: 2
            self.put(stream, payload(id=f"window-{i}"))
            time.sleep(0.3)
        events = self.log.wait_for("batcher", lambda evs: any(
            "window-2" in ids(e) for e in evs))
        mine = [e for e in events if any((i or "").startswith("window-") for i in ids(e))]
        self.assertEqual([ids(e) for e in mine], [["window-0", "window-1", "window-2"]])

    def test_batches_hold_at_most_batch_size_records(self):
        stream = resource_stream("Batched")
        self.put_all(stream, [payload(id=f"size-{i}") for i in range(25)])
        events = self.log.wait_for("batcher", lambda evs: any("size-24" in ids(e) for e in evs))
        mine = [e for e in events if any((i or "").startswith("size-") for i in ids(e))]
        self.assertEqual([len(e["Records"]) for e in mine], [10, 10, 5])  # batchSize: 10
        self.assertEqual([i for e in mine for i in ids(e)], [f"size-{i}" for i in range(25)])

    # --- failures ---------------------------------------------------------------------------

    def test_a_failing_batch_is_retried_and_holds_its_shard_back(self):
        stream = resource_stream("Blocking")
        x = self.put(stream, payload(id="block-x", fail=True))["SequenceNumber"]
        y = self.put(stream, payload(id="block-y"))["SequenceNumber"]
        events = self.log.wait_for("blocked", lambda evs: len(evs) >= 3)
        # Every delivery is a retry starting at the failing record: nothing after it goes ahead.
        for e in events:
            self.assertEqual(seqs(e)[0], x)
        healed_at = len(events)
        self.log.heal("block-x")
        self.log.wait_for("blocked", lambda evs: len(evs) > healed_at and y in seqs(evs[-1]))
        final = self.log.settle("blocked")  # done: nothing is delivered again
        # x retried until it went through, then y: either together or y in the next batch.
        for e in final[:-1]:
            self.assertEqual(seqs(e)[0], x)
        self.assertIn(seqs(final[-1]), ([x, y], [y]))
        if seqs(final[-1]) == [y]:
            self.assertEqual(seqs(final[-2]), [x])

    def test_reported_item_failures_are_retried_from_the_lowest_one(self):
        stream = resource_stream("Partial")
        out = self.put_all(stream, [payload(id="part-a"), payload(id="part-b", fail=True),
                                    payload(id="part-c")])
        a, b, c = (r["SequenceNumber"] for r in out)
        events = self.log.wait_for("partial", lambda evs: len(evs) >= 3)
        self.assertEqual(seqs(events[0]), [a, b, c])
        # The checkpoint moved to just before b: a is done, b and what follows come again.
        for e in events[1:]:
            self.assertEqual(seqs(e), [b, c])
        healed_at = len(events)
        self.log.heal("part-b")
        self.log.wait_for("partial", lambda evs: len(evs) > healed_at)
        final = self.log.settle("partial")  # the last delivery succeeded: no more after it
        for e in final[1:]:
            self.assertEqual(seqs(e), [b, c])
        self.assertEqual(sum(s == a for e in final for s in seqs(e)), 1)

    def test_exhausted_retries_send_a_failure_record_and_the_shard_moves_on(self):
        stream = resource_stream("Poison")
        queue = self.sqs.get_queue_url(QueueName=f"{SERVICE}-dev-Failures")["QueueUrl"]
        before = time.time()
        out = self.put_all(stream, [payload(id="poison-0"), payload(id="poison-1"),
                                    payload(id="poison-2", fail=True), payload(id="poison-3")])
        seq = [r["SequenceNumber"] for r in out]
        shard = out[0]["ShardId"]
        messages = []
        deadline = time.monotonic() + WAIT
        while not messages and time.monotonic() < deadline:
            messages = self.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10,
                                                WaitTimeSeconds=1).get("Messages", [])
        self.assertEqual(len(messages), 1, "one batch given up on")
        failure = json.loads(messages[0]["Body"])
        self.assertEqual(set(failure), {"requestContext", "responseContext", "version",
                                        "timestamp", "KinesisBatchInfo"})
        ctx = failure["requestContext"]
        self.assertEqual(set(ctx), {"requestId", "functionArn", "condition",
                                    "approximateInvokeCount"})
        self.assertRegex(ctx["requestId"], r"^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$")
        self.assertEqual(ctx["functionArn"],
                         f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{SERVICE}-dev-bisect")
        self.assertEqual(ctx["condition"], "RetryAttemptsExhausted")
        # The first try and maximumRetryAttempts (1) retries of the batch given up on.
        self.assertEqual(ctx["approximateInvokeCount"], 2)
        self.assertEqual(failure["responseContext"], {"statusCode": 200,
                                                      "executedVersion": "$LATEST",
                                                      "functionError": "Unhandled"})
        self.assertEqual(failure["version"], "1.0")
        iso = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"
        self.assertRegex(failure["timestamp"], iso)
        info = failure["KinesisBatchInfo"]
        self.assertEqual(set(info), {"shardId", "startSequenceNumber", "endSequenceNumber",
                                     "approximateArrivalOfFirstRecord",
                                     "approximateArrivalOfLastRecord", "batchSize",
                                     "streamArn"})
        # Bisecting isolates the bad record: the batch given up on is that record alone.
        self.assertEqual(info["shardId"], shard)
        self.assertEqual(info["startSequenceNumber"], seq[2])
        self.assertEqual(info["endSequenceNumber"], seq[2])
        self.assertEqual(info["batchSize"], 1)
        self.assertEqual(info["streamArn"], stream_arn(stream))
        for key in ("approximateArrivalOfFirstRecord", "approximateArrivalOfLastRecord"):
            self.assertRegex(info[key], iso)
            at = datetime.strptime(info[key], "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
            self.assertLessEqual(before - 1, at)
            self.assertLessEqual(at, time.time() + 1)
        # The good records of the batch were processed, and the shard moved on past the bad one.
        after = self.put(stream, payload(id="poison-4"))
        events = self.log.wait_for("bisect", lambda evs: any(
            after["SequenceNumber"] in seqs(e) for e in evs))
        succeeded = {s for e in events if "poison-2" not in ids(e) for s in seqs(e)}
        self.assertLessEqual({seq[0], seq[1], seq[3], after["SequenceNumber"]}, succeeded)
        self.assertEqual(seqs(events[0]), seq)  # the first try: all four
        # Alone, the bad record is tried once and retried once (maximumRetryAttempts: 1).
        self.assertEqual(sum(seqs(e) == [seq[2]] for e in events), 2)
        self.assertNotIn(seq[2], seqs(events[-1]))
        # Only that batch was given up on.
        more = self.sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages", [])
        self.assertEqual(more, [])

    # --- filters, disabled, LATEST ----------------------------------------------------------

    def test_filter_patterns_deliver_only_matching_records(self):
        stream = "streams-filtered"
        self.put(stream, payload(id="f-1", kind="drop"))
        keep = self.put(stream, payload(id="f-2", kind="keep"))
        self.put(stream, b"kind keep, but not JSON")
        self.put(stream, payload(id="f-4", kind="keep", extra=[1, 2]))
        events = self.log.wait_for("picky", lambda evs: "f-4" in [
            i for e in evs for i in ids(e)])
        got = [json_data(r) for r in records(events)]
        self.assertEqual([d["id"] for d in got], ["f-2", "f-4"])
        self.assertEqual(records(events)[0]["kinesis"]["sequenceNumber"], keep["SequenceNumber"])
        self.assertEqual(records(events)[0]["eventSourceARN"], stream_arn(stream))

    def test_a_disabled_trigger_delivers_nothing(self):
        stream = resource_stream("Idle")
        self.put(stream, payload(id="idle-1"))
        time.sleep(1.5)
        self.assertEqual(self.log.events("idle"), [])
        self.assertEqual(self.log.events("late"), [])  # paused unless STREAMS_LATE=running


class StreamCheckpointTest(unittest.TestCase):
    """The same --state across three runs of the app: a trigger resumes where it stopped,
    delivers nothing twice, and delivers what was put while it was off; a LATEST trigger enabled
    for the first time skips what the stream already holds."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="streams-checkpoints-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.state = os.path.join(self.dir, "state")
        self.events_dir = os.path.join(self.dir, "events")
        os.makedirs(self.events_dir)
        self.log = EventLog(self.events_dir, SERVICE)

    def run_app(self, durable, late):
        return Serverlite(app_path("streams"), "--state", self.state, env={
            "STREAMS_EVENTS_DIR": self.events_dir, "STREAMS_DURABLE": durable,
            "STREAMS_LATE": late})

    def delivered(self, key):
        return [json_data(r)["id"] for r in records(self.log.events(key))]

    def test_positions_survive_restarts(self):
        durable, late = resource_stream("Durable"), resource_stream("Late")
        with self.run_app("running", "paused") as sl:
            k = sl.boto3_client("kinesis")
            for i in ("a", "b"):
                k.put_record(StreamName=durable, Data=payload(id=i), PartitionKey="p")
            self.log.wait_for("durable", lambda evs: len(records(evs)) >= 2)
            k.put_record(StreamName=late, Data=payload(id="early"), PartitionKey="p")
            # The checkpoint is written once the invocation's result is in: give it a moment.
            time.sleep(0.5)
        self.assertEqual(self.delivered("durable"), ["a", "b"])

        with self.run_app("paused", "paused") as sl:
            k = sl.boto3_client("kinesis")
            for i in ("c", "d"):
                k.put_record(StreamName=durable, Data=payload(id=i), PartitionKey="p")
            time.sleep(1.5)
            self.assertEqual(self.delivered("durable"), ["a", "b"])  # off: nothing more

        with self.run_app("running", "running") as sl:
            self.log.wait_for("durable", lambda evs: len(records(evs)) >= 4)
            k = sl.boto3_client("kinesis")
            # The late trigger starts now, at the tip: "early" is skipped, "later" delivered.
            time.sleep(1)
            k.put_record(StreamName=late, Data=payload(id="later"), PartitionKey="p")
            self.log.wait_for("late", lambda evs: records(evs))
            time.sleep(1)
            self.assertEqual(self.delivered("durable"), ["a", "b", "c", "d"])
            self.assertEqual(self.delivered("late"), ["later"])
            # "early" is still in the stream: LATEST skipped it, nothing lost it.
            shard = k.list_shards(StreamName=late)["Shards"][0]["ShardId"]
            it = k.get_shard_iterator(StreamName=late, ShardId=shard,
                                      ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            got = k.get_records(ShardIterator=it)["Records"]
            self.assertEqual([json.loads(r["Data"])["id"] for r in got], ["early", "later"])


if __name__ == "__main__":
    unittest.main()
