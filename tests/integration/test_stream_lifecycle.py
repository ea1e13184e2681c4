"""Kinesis stream statuses: CREATING, UPDATING and DELETING last as long as `up` is told
(--create-stream-ms, --update-stream-ms, --delete-stream-ms), read the service clock (the virtual
clock moves them), and outlast a restart. Expected answers are Kinesis's: a stream being created
or deleted has no shards and takes no records (ResourceNotFoundException), resharding needs an
ACTIVE stream (ResourceInUseException), and an UPDATING stream keeps its old shards, and takes
records, until the change is done.
"""
import json
import shutil
import signal
import tempfile
import unittest

from harness import Serverlite, app_path
from test_stream import ACCOUNT, KinesisCase, shard_id

START = "2030-01-01T00:00:00Z"


class VirtualClock:
    def advance(self, seconds):
        status, _, body = self.sl.request("POST", self.sl.aws_url + "/_serverlite/clock",
                                          json.dumps({"advance": f"PT{seconds}S"}))
        self.assertEqual(status, 200, body)


class StreamStatuses(VirtualClock, KinesisCase):
    ARGS = ("--clock", "virtual", "--create-stream-ms", "500", "--update-stream-ms", "500",
            "--delete-stream-ms", "500")

    def describe(self, name):
        return self.kinesis.describe_stream(StreamName=name)["StreamDescription"]

    def not_active(self, name, state):
        return f"Stream {name} under account {ACCOUNT} not ACTIVE, instead in state {state}"

    def test_a_new_stream_is_creating_until_its_time_has_passed(self):
        self.kinesis.create_stream(StreamName="lc-new", ShardCount=3)
        d = self.describe("lc-new")
        self.assertEqual(d["StreamStatus"], "CREATING")
        self.assertEqual(d["Shards"], [])
        summary = self.kinesis.describe_stream_summary(StreamName="lc-new")
        self.assertEqual(summary["StreamDescriptionSummary"]["StreamStatus"], "CREATING")
        self.assertIn("lc-new", self.kinesis.list_streams()["StreamNames"])
        self.error(self.kinesis.put_record, "ResourceNotFoundException",
                   f"Stream lc-new under account {ACCOUNT} not found.",
                   StreamName="lc-new", Data=b"x", PartitionKey="a")
        self.error(self.kinesis.put_records, "ResourceNotFoundException",
                   f"Stream lc-new under account {ACCOUNT} not found.",
                   StreamName="lc-new", Records=[{"Data": b"x", "PartitionKey": "a"}])
        self.error(self.kinesis.get_shard_iterator, "ResourceNotFoundException",
                   f"Shard {shard_id(0)} in stream lc-new under account {ACCOUNT} does not exist",
                   StreamName="lc-new", ShardId="shardId-0", ShardIteratorType="LATEST")
        self.error(self.kinesis.split_shard, "ResourceInUseException",
                   self.not_active("lc-new", "CREATING"), StreamName="lc-new",
                   ShardToSplit="shardId-0", NewStartingHashKey="2")
        self.error(self.kinesis.merge_shards, "ResourceInUseException",
                   self.not_active("lc-new", "CREATING"), StreamName="lc-new",
                   ShardToMerge="shardId-0", AdjacentShardToMerge="shardId-1")
        self.error(self.kinesis.create_stream, "ResourceInUseException",
                   StreamName="lc-new", ShardCount=1)
        self.advance(0.4)
        self.assertEqual(self.describe("lc-new")["StreamStatus"], "CREATING")
        self.advance(0.2)
        d = self.describe("lc-new")
        self.assertEqual(d["StreamStatus"], "ACTIVE")
        self.assertEqual([s["ShardId"] for s in d["Shards"]], [shard_id(i) for i in range(3)])
        self.kinesis.put_record(StreamName="lc-new", Data=b"x", PartitionKey="a")

    def test_resharding_makes_the_stream_updating(self):
        self.kinesis.create_stream(StreamName="lc-split", ShardCount=2)
        self.advance(1)
        self.kinesis.split_shard(StreamName="lc-split", ShardToSplit="shardId-0",
                                 NewStartingHashKey="1000")
        d = self.describe("lc-split")
        self.assertEqual(d["StreamStatus"], "UPDATING")
        # The old shards stay until the split is done, and still take records.
        self.assertEqual(len(d["Shards"]), 2)
        self.assertNotIn("EndingSequenceNumber", d["Shards"][0]["SequenceNumberRange"])
        put = self.kinesis.put_record(StreamName="lc-split", Data=b"x", PartitionKey="a",
                                      ExplicitHashKey="5")
        self.assertEqual(put["ShardId"], shard_id(0))
        for call, kwargs in [
                (self.kinesis.split_shard, dict(ShardToSplit="shardId-1",
                                                NewStartingHashKey=str(2 ** 127 + 5))),
                (self.kinesis.merge_shards, dict(ShardToMerge="shardId-0",
                                                 AdjacentShardToMerge="shardId-1")),
                (self.kinesis.update_shard_count, dict(TargetShardCount=4,
                                                       ScalingType="UNIFORM_SCALING"))]:
            self.error(call, "ResourceInUseException", self.not_active("lc-split", "UPDATING"),
                       StreamName="lc-split", **kwargs)
        self.advance(1)
        d = self.describe("lc-split")
        self.assertEqual(d["StreamStatus"], "ACTIVE")
        self.assertEqual([s["ShardId"] for s in d["Shards"]], [shard_id(i) for i in range(4)])
        self.assertIn("EndingSequenceNumber", d["Shards"][0]["SequenceNumberRange"])
        # Kinesis ends a closed shard's range at the highest position (2^63-1).
        end = format(int(d["Shards"][0]["SequenceNumberRange"]["EndingSequenceNumber"]), "x")
        self.assertEqual(end[11:27], "7fffffffffffffff")
        # A new stream's first shards carry a creation time about two seconds before the call.
        start = format(int(d["Shards"][0]["SequenceNumberRange"]["StartingSequenceNumber"]), "x")
        created = self.kinesis.describe_stream_summary(StreamName="lc-split")[
            "StreamDescriptionSummary"]["StreamCreationTimestamp"].timestamp()
        self.assertEqual(int(start[1:10], 16), int(created) - 2)
        self.assertEqual(d["Shards"][2]["HashKeyRange"], {"StartingHashKey": "0",
                                                           "EndingHashKey": "999"})
        self.assertEqual(d["Shards"][3]["ParentShardId"], shard_id(0))
        # The record put while UPDATING is read from the closed parent.
        it = self.iterator("lc-split", "shardId-0")
        self.assertEqual([r["Data"] for r in self.kinesis.get_records(ShardIterator=it)["Records"]],
                         [b"x"])
        # Merge and UpdateShardCount wait the same way.
        self.kinesis.merge_shards(StreamName="lc-split", ShardToMerge="shardId-2",
                                  AdjacentShardToMerge="shardId-3")
        self.assertEqual(self.describe("lc-split")["StreamStatus"], "UPDATING")
        self.advance(1)
        d = self.describe("lc-split")
        self.assertEqual((d["StreamStatus"], len(d["Shards"])), ("ACTIVE", 5))
        self.assertEqual(d["Shards"][4]["AdjacentParentShardId"], shard_id(3))
        res = self.kinesis.update_shard_count(StreamName="lc-split", TargetShardCount=4,
                                              ScalingType="UNIFORM_SCALING")
        self.assertEqual((res["CurrentShardCount"], res["TargetShardCount"]), (2, 4))
        self.assertEqual(self.describe("lc-split")["StreamStatus"], "UPDATING")
        self.advance(1)
        summary = self.kinesis.describe_stream_summary(StreamName="lc-split")
        self.assertEqual(summary["StreamDescriptionSummary"]["OpenShardCount"], 4)

    def test_a_stream_being_created_can_be_deleted(self):
        self.kinesis.create_stream(StreamName="lc-del", ShardCount=1)
        self.kinesis.delete_stream(StreamName="lc-del")
        d = self.describe("lc-del")
        self.assertEqual((d["StreamStatus"], d["Shards"]), ("DELETING", []))
        self.error(self.kinesis.put_record, "ResourceNotFoundException",
                   f"Stream lc-del under account {ACCOUNT} not found.",
                   StreamName="lc-del", Data=b"x", PartitionKey="a")
        self.error(self.kinesis.create_stream, "ResourceInUseException",
                   f"Stream lc-del under account {ACCOUNT} already exists.",
                   StreamName="lc-del", ShardCount=1)
        self.kinesis.delete_stream(StreamName="lc-del")  # deleting again is accepted
        self.advance(1)
        self.error(self.describe, "ResourceNotFoundException",
                   f"Stream lc-del under account {ACCOUNT} not found.", name="lc-del")
        self.assertNotIn("lc-del", self.kinesis.list_streams()["StreamNames"])
        self.kinesis.create_stream(StreamName="lc-del", ShardCount=1)
        self.advance(1)
        self.assertEqual(self.describe("lc-del")["StreamStatus"], "ACTIVE")

    def test_a_deleted_stream_loses_its_records_and_tags_at_once(self):
        self.kinesis.create_stream(StreamName="lc-gone", ShardCount=1)
        self.advance(1)
        self.kinesis.add_tags_to_stream(StreamName="lc-gone", Tags={"a": "b"})
        self.kinesis.put_record(StreamName="lc-gone", Data=b"x", PartitionKey="a")
        self.kinesis.delete_stream(StreamName="lc-gone")
        self.assertEqual(self.kinesis.list_tags_for_stream(StreamName="lc-gone")["Tags"], [])
        self.error(self.kinesis.get_shard_iterator, "ResourceNotFoundException",
                   StreamName="lc-gone", ShardId="shardId-0", ShardIteratorType="TRIM_HORIZON")
        self.advance(1)
        self.kinesis.create_stream(StreamName="lc-gone", ShardCount=1)
        self.advance(1)
        self.assertEqual(self.read_all("lc-gone", "shardId-0"), [])
        self.assertEqual(self.kinesis.list_tags_for_stream(StreamName="lc-gone")["Tags"], [])


class ImmediateByDefault(KinesisCase):
    def test_statuses_end_at_once_without_the_options(self):
        k = self.kinesis
        k.create_stream(StreamName="now", ShardCount=2)
        self.assertEqual(k.describe_stream(StreamName="now")["StreamDescription"]["StreamStatus"],
                         "ACTIVE")
        k.merge_shards(StreamName="now", ShardToMerge="shardId-0",
                       AdjacentShardToMerge="shardId-1")
        d = k.describe_stream(StreamName="now")["StreamDescription"]
        self.assertEqual((d["StreamStatus"], len(d["Shards"])), ("ACTIVE", 3))
        k.delete_stream(StreamName="now")
        self.error(k.describe_stream, "ResourceNotFoundException", StreamName="now")


class StatusesOutlastARestart(unittest.TestCase):
    """A status change is kept with its end time: a server started again on the same state finishes
    it when its clock passes that time, not before."""

    def setUp(self):
        self.state = tempfile.mkdtemp(prefix="serverlite-lifecycle-")
        self.addCleanup(shutil.rmtree, self.state, ignore_errors=True)

    def server(self, at):
        sl = Serverlite(app_path("demo"), "--state", self.state, "--clock", f"virtual={at}",
                        "--create-stream-ms", "60000", "--update-stream-ms", "60000")
        sl.start()
        self.addCleanup(lambda: sl.proc.poll() is None and sl.stop(signal.SIGKILL))
        k = sl.boto3_client("kinesis")
        self.addCleanup(k.close)
        return sl, k

    def status(self, k):
        d = k.describe_stream(StreamName="kept")["StreamDescription"]
        return d["StreamStatus"], len(d["Shards"])

    def test_creating_and_updating_survive_a_restart(self):
        sl, k = self.server(START)
        k.create_stream(StreamName="kept", ShardCount=1)
        sl.stop()
        sl, k = self.server("2030-01-01T00:00:30Z")
        self.assertEqual(self.status(k), ("CREATING", 0))
        sl.stop()
        sl, k = self.server("2030-01-01T00:01:01Z")
        self.assertEqual(self.status(k), ("ACTIVE", 1))
        k.split_shard(StreamName="kept", ShardToSplit="shardId-0", NewStartingHashKey="10")
        sl.stop()
        sl, k = self.server("2030-01-01T00:01:30Z")
        self.assertEqual(self.status(k), ("UPDATING", 1))
        sl.stop()
        sl, k = self.server("2030-01-01T00:03:00Z")
        self.assertEqual(self.status(k), ("ACTIVE", 3))
        d = k.describe_stream(StreamName="kept")["StreamDescription"]
        self.assertEqual(d["Shards"][1]["HashKeyRange"]["EndingHashKey"], "9")


if __name__ == "__main__":
    unittest.main()
