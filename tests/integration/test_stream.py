"""Kinesis Data Streams on the AWS endpoint, through boto3, the AWS CLI and raw AWS JSON 1.1.

Debian's boto3 carries a Kinesis model from before StreamARN and ListStreams' NextToken, so those
are exercised through the AWS CLI (whose model has them) and raw JSON requests. Expected values are
Kinesis's documented behaviour: shard ranges, hash-key placement, error codes and messages.
"""
import base64
import datetime
import hashlib
import json
import signal
import threading
import time
import unittest
import urllib.error
import urllib.request

from harness import RestartTestCase, ServerTestCase, signed

ACCOUNT = "000000000000"
MAX_HASH_KEY = 2 ** 128 - 1


def hash_key(partition_key):
    """Kinesis places a record by the MD5 of its partition key read as a 128-bit big-endian
    unsigned integer."""
    return int.from_bytes(hashlib.md5(partition_key.encode("utf-8")).digest(), "big")


def even_ranges(count):
    """The hash key ranges Kinesis gives `count` new shards: equal slices of 2^128 rounded down,
    the last shard taking the remainder up to 2^128-1."""
    size = 2 ** 128 // count
    return [(i * size, MAX_HASH_KEY if i == count - 1 else (i + 1) * size - 1)
            for i in range(count)]


def shard_id(index):
    return f"shardId-{index:012d}"


def arn(name):
    return f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/{name}"


class KinesisCase(ServerTestCase):
    APP = "demo"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kinesis = cls.sl.boto3_client("kinesis")

    # --- helpers --------------------------------------------------------------------------------

    def create(self, name, shards=1):
        self.kinesis.create_stream(StreamName=name, ShardCount=shards)
        self.kinesis.get_waiter("stream_exists").wait(
            StreamName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 50})

    def error(self, call, code, message=None, **kwargs):
        """Calls the boto3 method, expects a 400 with `code`; returns the message."""
        with self.assertRaises(self.kinesis.exceptions.ClientError) as cm:
            call(**kwargs)
        err = cm.exception.response["Error"]
        self.assertEqual(err["Code"], code, err)
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        if message is not None:
            self.assertEqual(err["Message"], message)
        return err["Message"]

    def json_call(self, action, body):
        """A raw AWS JSON 1.1 request, as current SDKs send it: (status, headers, parsed body)."""
        req = urllib.request.Request(
            self.sl.aws_url + "/", data=json.dumps(body).encode(), method="POST",
            headers=signed({"X-Amz-Target": f"Kinesis_20131202.{action}",
                            "Content-Type": "application/x-amz-json-1.1"}))
        try:
            with urllib.request.urlopen(req, timeout=30) as res:
                return res.status, {k.lower(): v for k, v in res.headers.items()}, \
                    json.loads(res.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, {k.lower(): v for k, v in e.headers.items()}, json.loads(e.read())

    def json_error(self, action, body, code):
        status, _, res = self.json_call(action, body)
        self.assertEqual(status, 400, res)
        self.assertEqual(res["__type"], code, res)
        return res["message"]

    def iterator(self, stream, shard, kind="TRIM_HORIZON", **kwargs):
        return self.kinesis.get_shard_iterator(StreamName=stream, ShardId=shard,
                                               ShardIteratorType=kind, **kwargs)["ShardIterator"]

    def read_all(self, stream, shard, kind="TRIM_HORIZON", **kwargs):
        """Every record from the iterator to the tip (or to a closed shard's end)."""
        it = self.iterator(stream, shard, kind, **kwargs)
        records = []
        for _ in range(100):
            res = self.kinesis.get_records(ShardIterator=it)
            records += res["Records"]
            it = res.get("NextShardIterator")
            if not res["Records"] or it is None:
                break
        return records


class StreamManagement(KinesisCase):
    def test_create_describe_and_delete(self):
        self.create("mgmt", 3)
        desc = self.kinesis.describe_stream(StreamName="mgmt")["StreamDescription"]
        self.assertEqual(desc["StreamName"], "mgmt")
        self.assertEqual(desc["StreamARN"], arn("mgmt"))
        self.assertEqual(desc["StreamStatus"], "ACTIVE")
        self.assertEqual(desc["StreamModeDetails"], {"StreamMode": "PROVISIONED"})
        self.assertEqual(desc["RetentionPeriodHours"], 24)
        self.assertEqual(desc["EncryptionType"], "NONE")
        self.assertFalse(desc["HasMoreShards"])
        self.assertIsInstance(desc["StreamCreationTimestamp"], datetime.datetime)
        age = time.time() - desc["StreamCreationTimestamp"].timestamp()
        self.assertTrue(-5 < age < 60, age)
        # ShardCount 3: the key space split in three, exactly as Kinesis splits it.
        self.assertEqual([s["ShardId"] for s in desc["Shards"]], [shard_id(i) for i in range(3)])
        self.assertEqual(
            [(int(s["HashKeyRange"]["StartingHashKey"]), int(s["HashKeyRange"]["EndingHashKey"]))
             for s in desc["Shards"]], even_ranges(3))
        self.assertEqual(desc["Shards"][0]["HashKeyRange"], {
            "StartingHashKey": "0",
            "EndingHashKey": "113427455640312821154458202477256070484"})
        self.assertEqual(desc["Shards"][2]["HashKeyRange"]["StartingHashKey"],
                         "226854911280625642308916404954512140970")
        for s in desc["Shards"]:
            self.assertNotIn("ParentShardId", s)
            self.assertNotIn("EndingSequenceNumber", s["SequenceNumberRange"])
            self.assertTrue(s["SequenceNumberRange"]["StartingSequenceNumber"].isdigit())

        self.error(self.kinesis.create_stream, "ResourceInUseException",
                   f"Stream mgmt under account {ACCOUNT} already exists.",
                   StreamName="mgmt", ShardCount=1)
        self.kinesis.delete_stream(StreamName="mgmt")
        self.error(self.kinesis.describe_stream, "ResourceNotFoundException",
                   f"Stream mgmt under account {ACCOUNT} not found.", StreamName="mgmt")
        self.error(self.kinesis.delete_stream, "ResourceNotFoundException",
                   f"Stream mgmt under account {ACCOUNT} not found.", StreamName="mgmt")
        # The name is free again.
        self.create("mgmt", 1)

    def test_on_demand_stream(self):
        self.kinesis.create_stream(StreamName="ondemand",
                                   StreamModeDetails={"StreamMode": "ON_DEMAND"})
        summary = self.kinesis.describe_stream_summary(
            StreamName="ondemand")["StreamDescriptionSummary"]
        self.assertEqual(summary["StreamModeDetails"], {"StreamMode": "ON_DEMAND"})
        # An on-demand stream starts with four shards.
        self.assertEqual(summary["OpenShardCount"], 4)
        shards = self.kinesis.list_shards(StreamName="ondemand")["Shards"]
        self.assertEqual([(int(s["HashKeyRange"]["StartingHashKey"]),
                           int(s["HashKeyRange"]["EndingHashKey"])) for s in shards],
                         even_ranges(4))

    def test_describe_stream_summary(self):
        self.create("summary", 2)
        s = self.kinesis.describe_stream_summary(StreamName="summary")["StreamDescriptionSummary"]
        self.assertEqual(s["StreamName"], "summary")
        self.assertEqual(s["StreamARN"], arn("summary"))
        self.assertEqual(s["StreamStatus"], "ACTIVE")
        self.assertEqual(s["StreamModeDetails"], {"StreamMode": "PROVISIONED"})
        self.assertEqual(s["RetentionPeriodHours"], 24)
        self.assertEqual(s["OpenShardCount"], 2)
        self.assertEqual(s["ConsumerCount"], 0)
        self.assertEqual(s["EncryptionType"], "NONE")
        self.assertIsInstance(s["StreamCreationTimestamp"], datetime.datetime)
        self.assertIn("EnhancedMonitoring", s)
        self.error(self.kinesis.describe_stream_summary, "ResourceNotFoundException",
                   f"Stream nope under account {ACCOUNT} not found.", StreamName="nope")

    def test_describe_stream_pages_through_shards(self):
        self.create("pages", 5)
        first = self.kinesis.describe_stream(StreamName="pages", Limit=2)["StreamDescription"]
        self.assertEqual([s["ShardId"] for s in first["Shards"]], [shard_id(0), shard_id(1)])
        self.assertTrue(first["HasMoreShards"])
        second = self.kinesis.describe_stream(StreamName="pages", Limit=2,
                                              ExclusiveStartShardId=shard_id(1))
        second = second["StreamDescription"]
        self.assertEqual([s["ShardId"] for s in second["Shards"]], [shard_id(2), shard_id(3)])
        self.assertTrue(second["HasMoreShards"])
        last = self.kinesis.describe_stream(StreamName="pages", Limit=2,
                                            ExclusiveStartShardId=shard_id(3))
        last = last["StreamDescription"]
        self.assertEqual([s["ShardId"] for s in last["Shards"]], [shard_id(4)])
        self.assertFalse(last["HasMoreShards"])
        # botocore's paginator follows ExclusiveStartShardId itself.
        pages = self.kinesis.get_paginator("describe_stream").paginate(
            StreamName="pages", PaginationConfig={"PageSize": 2})
        self.assertEqual([s["ShardId"] for p in pages for s in p["StreamDescription"]["Shards"]],
                         [shard_id(i) for i in range(5)])
        # Limit is 1..10000.
        msg = self.json_error("DescribeStream", {"StreamName": "pages", "Limit": 10001},
                              "ValidationException")
        self.assertEqual(msg, "1 validation error detected: Value '10001' at 'limit' failed to "
                              "satisfy constraint: Member must have value less than or equal "
                              "to 10000")

    def test_list_streams_pages(self):
        for i in range(5):
            self.create(f"ls-{i}")
        names, start = [], None
        for _ in range(50):
            kw = {"Limit": 2}
            if start:
                kw["ExclusiveStartStreamName"] = start
            res = self.kinesis.list_streams(**kw)
            self.assertLessEqual(len(res["StreamNames"]), 2)
            names += res["StreamNames"]
            if not res["HasMoreStreams"]:
                break
            start = res["StreamNames"][-1]
        self.assertEqual(names, sorted(names))
        self.assertEqual([n for n in names if n.startswith("ls-")], [f"ls-{i}" for i in range(5)])

        # Current models page with NextToken and return StreamSummaries.
        status, _, res = self.json_call("ListStreams", {"Limit": 2})
        self.assertEqual(status, 200)
        self.assertTrue(res["HasMoreStreams"])
        self.assertEqual(len(res["StreamNames"]), 2)
        self.assertEqual([s["StreamName"] for s in res["StreamSummaries"]], res["StreamNames"])
        summary = res["StreamSummaries"][0]
        self.assertEqual(summary["StreamARN"], arn(summary["StreamName"]))
        self.assertEqual(summary["StreamStatus"], "ACTIVE")
        self.assertIn(summary["StreamModeDetails"]["StreamMode"], ("PROVISIONED", "ON_DEMAND"))
        self.assertIsInstance(summary["StreamCreationTimestamp"], (int, float))
        by_token = list(res["StreamNames"])
        while res.get("NextToken"):
            status, _, res = self.json_call("ListStreams", {"NextToken": res["NextToken"],
                                                            "Limit": 2})
            self.assertEqual(status, 200, res)
            by_token += res["StreamNames"]
        self.assertFalse(res["HasMoreStreams"])
        self.assertEqual(by_token, names)

    def test_describe_limits(self):
        self.create("limits", 2)
        status, _, res = self.json_call("DescribeLimits", {})
        self.assertEqual(status, 200, res)
        self.assertEqual(res["ShardLimit"], 500)
        self.assertGreaterEqual(res["OpenShardCount"], 2)
        self.assertIn("OnDemandStreamCount", res)
        self.assertIn("OnDemandStreamCountLimit", res)

    def test_retention_period(self):
        self.create("keep")

        def hours():
            return self.kinesis.describe_stream_summary(
                StreamName="keep")["StreamDescriptionSummary"]["RetentionPeriodHours"]

        self.kinesis.increase_stream_retention_period(StreamName="keep", RetentionPeriodHours=48)
        self.assertEqual(hours(), 48)
        inc, dec = (self.kinesis.increase_stream_retention_period,
                    self.kinesis.decrease_stream_retention_period)
        self.error(inc, "InvalidArgumentException",
                   "Requested retention period (24 hours) for stream keep can not be shorter "
                   "than existing retention period (48 hours). Use DecreaseRetentionPeriod API.",
                   StreamName="keep", RetentionPeriodHours=24)
        self.error(inc, "InvalidArgumentException",
                   "Maximum allowed retention period is 8760 hours. Requested retention period "
                   "(8761 hours) is too long.", StreamName="keep", RetentionPeriodHours=8761)
        self.error(dec, "InvalidArgumentException",
                   "Requested retention period (72 hours) for stream keep can not be longer "
                   "than existing retention period (48 hours). Use IncreaseRetentionPeriod API.",
                   StreamName="keep", RetentionPeriodHours=72)
        self.error(dec, "InvalidArgumentException",
                   "Minimum allowed retention period is 24 hours. Requested retention period "
                   "(23 hours) is too short.", StreamName="keep", RetentionPeriodHours=23)
        self.assertEqual(hours(), 48)
        self.kinesis.decrease_stream_retention_period(StreamName="keep", RetentionPeriodHours=24)
        self.assertEqual(hours(), 24)
        self.kinesis.increase_stream_retention_period(StreamName="keep", RetentionPeriodHours=8760)
        self.assertEqual(hours(), 8760)
        self.error(inc, "ResourceNotFoundException",
                   f"Stream gone under account {ACCOUNT} not found.",
                   StreamName="gone", RetentionPeriodHours=48)

    def test_tags(self):
        self.create("tagged")
        self.kinesis.add_tags_to_stream(StreamName="tagged", Tags={"a": "1", "b": "2", "c": "3"})
        self.kinesis.add_tags_to_stream(StreamName="tagged", Tags={"a": "one"})  # overwrites
        self.kinesis.remove_tags_from_stream(StreamName="tagged", TagKeys=["b", "absent"])
        res = self.kinesis.list_tags_for_stream(StreamName="tagged")
        self.assertEqual(res["Tags"], [{"Key": "a", "Value": "one"}, {"Key": "c", "Value": "3"}])
        self.assertFalse(res["HasMoreTags"])
        res = self.kinesis.list_tags_for_stream(StreamName="tagged", Limit=1)
        self.assertEqual(res["Tags"], [{"Key": "a", "Value": "one"}])
        self.assertTrue(res["HasMoreTags"])
        res = self.kinesis.list_tags_for_stream(StreamName="tagged", ExclusiveStartTagKey="a")
        self.assertEqual(res["Tags"], [{"Key": "c", "Value": "3"}])
        self.assertFalse(res["HasMoreTags"])
        # Up to 200 tags a call (the request's shape), and a stream holds at most 50.
        msg = self.json_error("AddTagsToStream", {"StreamName": "tagged",
                                                  "Tags": {f"k{i}": "v" for i in range(201)}},
                              "ValidationException")
        self.assertIn("at 'tags' failed to satisfy constraint: Member must have length less "
                      "than or equal to 200", msg)
        for n in range(4):
            self.kinesis.add_tags_to_stream(StreamName="tagged",
                                            Tags={f"k{n}-{i}": "v" for i in range(10)})
        # The 51st tag is refused, with Kinesis's message (which names the old limit of 10).
        self.error(self.kinesis.add_tags_to_stream, "InvalidArgumentException",
                   "Failed to add tags to stream tagged under account 000000000000 because a "
                   "given stream cannot have more than 10 tags associated with it.",
                   StreamName="tagged", Tags={f"x{i}": "v" for i in range(9)})
        # Characters outside letters, digits, spaces and _ . / = + - % @; then '%'.
        self.error(self.kinesis.add_tags_to_stream, "InvalidArgumentException",
                   "Some tags contain invalid characters. Valid characters: Unicode letters, "
                   "digits, white space, _ . / = + - % @.", StreamName="tagged", Tags={"a;b": "1"})
        self.error(self.kinesis.remove_tags_from_stream, "InvalidArgumentException",
                   "Failed to remove tags from stream tagged under account 000000000000 because "
                   "some tags contained illegal characters. The allowed characters are Unicode "
                   "letters, white-spaces, '_',',','/','=','+','-','@'.",
                   StreamName="tagged", TagKeys=["a%b"])
        self.kinesis.add_tags_to_stream(StreamName="tagged",
                                        Tags={f"x{i}": "v" for i in range(8)})
        tags = self.kinesis.list_tags_for_stream(StreamName="tagged")
        self.assertEqual(len(tags["Tags"]), 50)
        self.assertFalse(tags["HasMoreTags"])
        self.error(self.kinesis.list_tags_for_stream, "ResourceNotFoundException",
                   f"Stream untagged under account {ACCOUNT} not found.", StreamName="untagged")

    def test_validation_and_limit_errors(self):
        msg = self.json_error("CreateStream", {"StreamName": "bad name!", "ShardCount": 1},
                              "ValidationException")
        self.assertEqual(msg, "1 validation error detected: Value 'bad name!' at 'streamName' "
                              "failed to satisfy constraint: Member must satisfy regular "
                              "expression pattern: [a-zA-Z0-9_.-]+")
        msg = self.json_error("CreateStream", {"StreamName": "zero", "ShardCount": 0},
                              "ValidationException")
        self.assertEqual(msg, "1 validation error detected: Value '0' at 'shardCount' failed to "
                              "satisfy constraint: Member must have value greater than or equal "
                              "to 1")
        msg = self.json_error("CreateStream", {"StreamName": "x" * 129, "ShardCount": 1},
                              "ValidationException")
        self.assertIn("at 'streamName' failed to satisfy constraint: Member must have length "
                      "less than or equal to 128", msg)
        # The account's shard quota is 500 in us-east-1.
        msg = self.error(self.kinesis.create_stream, "LimitExceededException",
                         StreamName="huge", ShardCount=501)
        self.assertTrue(msg.startswith(
            f"This request would exceed the shard limit for the account {ACCOUNT} in "
            "us-east-1. Current shard count for the account: "), msg)
        self.assertIn("Limit: 500.", msg)
        self.error(self.kinesis.describe_stream, "ResourceNotFoundException",
                   StreamName="huge")
        # Unknown actions and unreadable bodies.
        status, _, res = self.json_call("Frobnicate", {})
        self.assertEqual(status, 400)
        self.assertTrue(res["__type"].endswith("UnknownOperationException"), res)
        req = urllib.request.Request(
            self.sl.aws_url + "/", data=b"{not json", method="POST",
            headers=signed({"X-Amz-Target": "Kinesis_20131202.ListStreams",
                            "Content-Type": "application/x-amz-json-1.1"}))
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(req, timeout=30)
        self.assertEqual(cm.exception.code, 400)
        self.assertIn("SerializationException", json.loads(cm.exception.read())["__type"])


class Records(KinesisCase):
    def test_partition_keys_map_to_shards_by_md5(self):
        self.create("md5", 3)
        ranges = even_ranges(3)
        keys = [f"key-{i}" for i in range(60)] + ["", "é", "a" * 256]
        keys = [k for k in keys if k]  # the empty key is invalid
        for key in keys:
            res = self.kinesis.put_record(StreamName="md5", Data=b"x", PartitionKey=key)
            h = hash_key(key)
            want = next(i for i, (lo, hi) in enumerate(ranges) if lo <= h <= hi)
            self.assertEqual(res["ShardId"], shard_id(want), key)
        # All three shards were hit with 60 random-ish keys.
        shards = {self.kinesis.put_record(StreamName="md5", Data=b"y", PartitionKey=k)["ShardId"]
                  for k in keys}
        self.assertEqual(shards, {shard_id(i) for i in range(3)})

    def test_explicit_hash_key_picks_the_shard(self):
        self.create("ehk", 3)
        ranges = even_ranges(3)
        cases = [(0, 0), (ranges[0][1], 0), (ranges[1][0], 1), (ranges[1][1], 1),
                 (ranges[2][0], 2), (MAX_HASH_KEY, 2)]
        for key, want in cases:
            # The partition key alone would land elsewhere for at least some of these.
            res = self.kinesis.put_record(StreamName="ehk", Data=b"d", PartitionKey="same",
                                          ExplicitHashKey=str(key))
            self.assertEqual(res["ShardId"], shard_id(want), key)
        msg = self.error(self.kinesis.put_record, "InvalidArgumentException", StreamName="ehk",
                         Data=b"d", PartitionKey="p", ExplicitHashKey=str(2 ** 128))
        self.assertIn("ExplicitHashKey", msg)

    def test_put_record_and_read_it_back(self):
        self.create("rw", 1)
        t0 = time.time()
        put = self.kinesis.put_record(StreamName="rw", Data=b"\x00\xffbinary", PartitionKey="pk")
        self.assertEqual(put["ShardId"], shard_id(0))
        seq = put["SequenceNumber"]
        self.assertTrue(seq.isdigit() and len(seq) == 56, seq)
        got = self.read_all("rw", shard_id(0))
        self.assertEqual(len(got), 1)
        r = got[0]
        self.assertEqual(r["SequenceNumber"], seq)
        self.assertEqual(r["Data"], b"\x00\xffbinary")
        self.assertEqual(r["PartitionKey"], "pk")
        arrival = r["ApproximateArrivalTimestamp"].timestamp()
        self.assertTrue(t0 - 2 <= arrival <= time.time() + 2, (t0, arrival))
        # Unencrypted streams show no per-record EncryptionType.
        self.assertNotIn("EncryptionType", r)

    def test_sequence_numbers_increase_and_sequence_number_for_ordering(self):
        self.create("order", 1)
        seqs = []
        for i in range(5):
            kw = {"SequenceNumberForOrdering": seqs[-1]} if seqs else {}
            seqs.append(self.kinesis.put_record(StreamName="order", Data=str(i).encode(),
                                                PartitionKey=f"k{i}", **kw)["SequenceNumber"])
        self.assertEqual([int(s) for s in seqs], sorted({int(s) for s in seqs}))
        got = self.read_all("order", shard_id(0))
        self.assertEqual([r["Data"] for r in got], [b"0", b"1", b"2", b"3", b"4"])
        self.assertEqual([r["SequenceNumber"] for r in got], seqs)

    def test_record_size_and_key_validation(self):
        self.create("sizes", 1)
        # Data up to 1 MiB is accepted; one byte more is not.
        self.kinesis.put_record(StreamName="sizes", Data=b"x" * (1024 * 1024 - 1),
                                PartitionKey="k")
        msg = self.error(self.kinesis.put_record, "ValidationException", StreamName="sizes",
                         Data=b"x" * (1024 * 1024 + 1), PartitionKey="k")
        self.assertIn("at 'data' failed to satisfy constraint: Member must have length less "
                      "than or equal to 1048576", msg)
        msg = self.error(self.kinesis.put_record, "ValidationException", StreamName="sizes",
                         Data=b"x", PartitionKey="k" * 257)
        self.assertIn("at 'partitionKey' failed to satisfy constraint: Member must have length "
                      "less than or equal to 256", msg)
        msg = self.json_error("PutRecord", {"StreamName": "sizes", "Data": "eA==",
                                            "PartitionKey": ""}, "ValidationException")
        self.assertIn("at 'partitionKey' failed to satisfy constraint: Member must have length "
                      "greater than or equal to 1", msg)
        self.error(self.kinesis.put_record, "ResourceNotFoundException",
                   f"Stream nosuch under account {ACCOUNT} not found.", StreamName="nosuch",
                   Data=b"x", PartitionKey="k")

    def test_put_records_500(self):
        self.create("batch", 3)
        ranges = even_ranges(3)
        entries = [{"Data": f"r{i}".encode(), "PartitionKey": f"pk-{i}"} for i in range(500)]
        res = self.kinesis.put_records(StreamName="batch", Records=entries)
        self.assertEqual(res["FailedRecordCount"], 0)
        self.assertEqual(len(res["Records"]), 500)
        for i, r in enumerate(res["Records"]):
            self.assertNotIn("ErrorCode", r)
            h = hash_key(f"pk-{i}")
            want = next(j for j, (lo, hi) in enumerate(ranges) if lo <= h <= hi)
            self.assertEqual(r["ShardId"], shard_id(want))
            self.assertTrue(r["SequenceNumber"].isdigit())
        # Each shard holds its records in request order.
        total = 0
        for j in range(3):
            got = self.read_all("batch", shard_id(j))
            total += len(got)
            numbers = [int(r["Data"][1:]) for r in got]
            self.assertEqual(numbers, sorted(numbers))
            want = {r["SequenceNumber"] for r in res["Records"] if r["ShardId"] == shard_id(j)}
            self.assertEqual({r["SequenceNumber"] for r in got}, want)
        self.assertEqual(total, 500)

        msg = self.error(self.kinesis.put_records, "ValidationException", StreamName="batch",
                         Records=entries + [{"Data": b"x", "PartitionKey": "k"}])
        self.assertIn("at 'records' failed to satisfy constraint: Member must have length less "
                      "than or equal to 500", msg)
        msg = self.json_error("PutRecords", {"StreamName": "batch", "Records": []},
                              "ValidationException")
        self.assertIn("at 'records' failed to satisfy constraint: Member must have length "
                      "greater than or equal to 1", msg)
        self.error(self.kinesis.put_records, "ResourceNotFoundException",
                   f"Stream nosuch under account {ACCOUNT} not found.", StreamName="nosuch",
                   Records=[{"Data": b"x", "PartitionKey": "k"}])
        # A record without Data or PartitionKey is named by its 1-based place.
        for record, member in (({"PartitionKey": "k"}, "records.2.member.data"),
                               ({"Data": "eA=="}, "records.2.member.partitionKey")):
            msg = self.json_error("PutRecords", {"StreamName": "batch", "Records": [
                {"Data": "eA==", "PartitionKey": "k"}, record]}, "ValidationException")
            self.assertEqual(msg, f"1 validation error detected: Value null at '{member}' failed "
                                  "to satisfy constraint: Member must not be null")
        # Data that is not base64 (padding before the end), and the stream still serves.
        status, _, res = self.json_call("PutRecords", {"StreamName": "batch", "Records": [
            {"Data": "Zm=8", "PartitionKey": "k"}]})
        self.assertEqual(status, 400, res)
        self.assertEqual(res, {"__type": "SerializationException",
                               "Message": "'Zm=8' can not be converted to a Blob: Invalid Base64 "
                                          "character: '='"})
        # ExplicitHashKey per record.
        res = self.kinesis.put_records(StreamName="batch", Records=[
            {"Data": b"a", "PartitionKey": "p", "ExplicitHashKey": str(ranges[2][0])},
            {"Data": b"b", "PartitionKey": "p", "ExplicitHashKey": "0"}])
        self.assertEqual([r["ShardId"] for r in res["Records"]], [shard_id(2), shard_id(0)])

    def test_put_records_gives_a_shards_records_consecutive_positions(self):
        """Kinesis writes a PutRecords batch shard by shard: the records of one shard take
        consecutive positions (the 16 hex digits after the shard creation time and index), in
        request order, however the request interleaves shards."""
        self.create("interleaved", 3)
        ranges = even_ranges(3)
        shards = [0, 1, 2, 1, 2, 1, 2]
        res = self.kinesis.put_records(StreamName="interleaved", Records=[
            {"Data": b"", "PartitionKey": "a", "ExplicitHashKey": str(ranges[j][0] + i)}
            for i, j in enumerate(shards)])
        self.assertEqual([r["ShardId"] for r in res["Records"]], [shard_id(j) for j in shards])

        def position(seq):
            return int(format(int(seq), "x")[11:27], 16)

        for j in range(3):
            got = [position(r["SequenceNumber"]) for r in res["Records"]
                   if r["ShardId"] == shard_id(j)]
            self.assertEqual(got, list(range(got[0], got[0] + len(got))), (j, got))
            self.assertEqual([r["SequenceNumber"] for r in self.read_all("interleaved", shard_id(j))],
                             [r["SequenceNumber"] for r in res["Records"]
                              if r["ShardId"] == shard_id(j)])

    def test_every_shard_iterator_type(self):
        self.create("iters", 1)
        seqs = []
        for i in range(4):
            r = self.kinesis.put_record(StreamName="iters", Data=f"d{i}".encode(),
                                        PartitionKey="k")
            seqs.append(r["SequenceNumber"])
            time.sleep(0.02)  # distinct arrival milliseconds
        shard = shard_id(0)

        def data(records):
            return [r["Data"] for r in records]

        everything = self.read_all("iters", shard)
        self.assertEqual(data(everything), [b"d0", b"d1", b"d2", b"d3"])
        arrivals = [r["ApproximateArrivalTimestamp"] for r in everything]
        self.assertEqual(data(self.read_all("iters", shard, "AT_SEQUENCE_NUMBER",
                                            StartingSequenceNumber=seqs[2])), [b"d2", b"d3"])
        self.assertEqual(data(self.read_all("iters", shard, "AFTER_SEQUENCE_NUMBER",
                                            StartingSequenceNumber=seqs[2])), [b"d3"])
        # botocore sends whole seconds; Kinesis takes milliseconds, so ask in raw JSON.
        status, _, res = self.json_call("GetShardIterator", {
            "StreamName": "iters", "ShardId": shard, "ShardIteratorType": "AT_TIMESTAMP",
            "Timestamp": round(arrivals[1].timestamp(), 3)})
        self.assertEqual(status, 200, res)
        got = self.kinesis.get_records(ShardIterator=res["ShardIterator"])["Records"]
        self.assertEqual(data(got), [b"d1", b"d2", b"d3"])
        # Before the first record: everything.
        self.assertEqual(data(self.read_all("iters", shard, "AT_TIMESTAMP",
                                            Timestamp=arrivals[0] - datetime.timedelta(
                                                seconds=2))), [b"d0", b"d1", b"d2", b"d3"])
        # A timestamp in the future is refused.
        future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
        msg = self.error(self.kinesis.get_shard_iterator, "InvalidArgumentException",
                         StreamName="iters", ShardId=shard, ShardIteratorType="AT_TIMESTAMP",
                         Timestamp=future)
        self.assertTrue(msg.startswith(
            "The timestampInMillis parameter cannot be greater than the "
            f"currentTimestampInMillis. timestampInMillis: {int(future.timestamp()) * 1000}, "
            "currentTimestampInMillis: "), msg)
        # A timestamp past what 64 bits of nanoseconds hold (year 7600) is refused the same way;
        # its conversion overflowed, which the sanitizer build ends the process for.
        status, _, res = self.json_call("GetShardIterator", {
            "StreamName": "iters", "ShardId": shard, "ShardIteratorType": "AT_TIMESTAMP",
            "Timestamp": 177767225600.5})
        self.assertEqual((status, res.get("__type")), (400, "InvalidArgumentException"), res)
        latest = self.iterator("iters", shard, "LATEST")
        res = self.kinesis.get_records(ShardIterator=latest)
        self.assertEqual(res["Records"], [])
        self.assertEqual(res["MillisBehindLatest"], 0)
        self.kinesis.put_record(StreamName="iters", Data=b"d4", PartitionKey="k")
        res = self.kinesis.get_records(ShardIterator=latest)
        self.assertEqual(data(res["Records"]), [b"d4"])

        gsi = self.kinesis.get_shard_iterator
        self.error(gsi, "InvalidArgumentException", StreamName="iters", ShardId=shard,
                   ShardIteratorType="AT_SEQUENCE_NUMBER")
        self.error(gsi, "ResourceNotFoundException",
                   f"Shard {shard_id(7)} in stream iters under account {ACCOUNT} does not exist",
                   StreamName="iters", ShardId=shard_id(7), ShardIteratorType="LATEST")
        # An unknown stream is reported as its shard, as Kinesis words it.
        self.error(gsi, "ResourceNotFoundException",
                   f"Shard {shard} in stream nosuch under account {ACCOUNT} does not exist",
                   StreamName="nosuch", ShardId=shard, ShardIteratorType="LATEST")
        # A shard id that names no shard at all.
        self.error(gsi, "ResourceNotFoundException",
                   f"Could not find shard ABKLFD8 in stream nosuch under account {ACCOUNT}.",
                   StreamName="nosuch", ShardId="ABKLFD8", ShardIteratorType="LATEST")
        msg = self.json_error("GetShardIterator", {"StreamName": "iters", "ShardId": shard,
                                                   "ShardIteratorType": "SOMETIME"},
                              "ValidationException")
        self.assertTrue(msg.startswith("1 validation error detected: Value 'SOMETIME' at "
                                       "'shardIteratorType' failed to satisfy constraint: "
                                       "Member must satisfy enum value set: "), msg)

    def test_a_sequence_number_of_another_shard_is_rejected(self):
        self.create("two", 2)
        ranges = even_ranges(2)
        seq1 = self.kinesis.put_record(StreamName="two", Data=b"x", PartitionKey="p",
                                       ExplicitHashKey=str(ranges[1][0]))["SequenceNumber"]
        for kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
            self.error(self.kinesis.get_shard_iterator, "InvalidArgumentException",
                       f"Invalid StartingSequenceNumber. It encodes {shard_id(1)}, while it was "
                       f"used in a call to a shard with {shard_id(0)}",
                       StreamName="two", ShardId=shard_id(0), ShardIteratorType=kind,
                       StartingSequenceNumber=seq1)
        self.error(self.kinesis.get_shard_iterator, "InvalidArgumentException",
                   StreamName="two", ShardId=shard_id(0), ShardIteratorType="AT_SEQUENCE_NUMBER",
                   StartingSequenceNumber="12345")

    def test_get_records_limit_and_millis_behind_latest(self):
        self.create("paged", 1)
        for i in range(7):
            self.kinesis.put_record(StreamName="paged", Data=f"{i}".encode(), PartitionKey="k")
        it = self.iterator("paged", shard_id(0))
        seen, pages = [], 0
        while True:
            res = self.kinesis.get_records(ShardIterator=it, Limit=3)
            pages += 1
            self.assertLessEqual(len(res["Records"]), 3)
            self.assertIsInstance(res["MillisBehindLatest"], int)
            self.assertGreaterEqual(res["MillisBehindLatest"], 0)
            seen += [r["Data"] for r in res["Records"]]
            it = res["NextShardIterator"]
            if not res["Records"]:
                break
        self.assertEqual(seen, [str(i).encode() for i in range(7)])
        self.assertEqual(pages, 4)
        self.assertEqual(res["MillisBehindLatest"], 0)
        # An open shard always hands back an iterator, even with nothing new.
        self.assertIsNotNone(self.kinesis.get_records(ShardIterator=it).get("NextShardIterator"))
        # An iterator can be used more than once; it stands for a position.
        first = self.iterator("paged", shard_id(0))
        a = self.kinesis.get_records(ShardIterator=first, Limit=2)["Records"]
        b = self.kinesis.get_records(ShardIterator=first, Limit=2)["Records"]
        self.assertEqual([r["SequenceNumber"] for r in a], [r["SequenceNumber"] for r in b])
        msg = self.json_error("GetRecords", {"ShardIterator": first, "Limit": 10001},
                              "ValidationException")
        self.assertIn("at 'limit' failed to satisfy constraint: Member must have value less "
                      "than or equal to 10000", msg)

    @unittest.skip("Kinesis expires an iterator after 5 minutes; the engine's unit tests move "
                   "its clock instead of waiting")
    def test_expired_iterator(self):
        pass


class Resharding(KinesisCase):
    def shards(self, name, **kw):
        return {s["ShardId"]: s for s in
                self.kinesis.list_shards(StreamName=name, **kw)["Shards"]}

    def test_split_shard_closes_the_parent_and_get_records_reaches_its_children(self):
        self.create("split", 1)
        before = [self.kinesis.put_record(StreamName="split", Data=f"b{i}".encode(),
                                          PartitionKey=f"k{i}")["SequenceNumber"]
                  for i in range(3)]
        it = self.iterator("split", shard_id(0))
        self.kinesis.split_shard(StreamName="split", ShardToSplit=shard_id(0),
                                 NewStartingHashKey=str(2 ** 127))
        shards = self.shards("split")
        self.assertEqual(sorted(shards), [shard_id(0), shard_id(1), shard_id(2)])
        parent, low, high = shards[shard_id(0)], shards[shard_id(1)], shards[shard_id(2)]
        self.assertIn("EndingSequenceNumber", parent["SequenceNumberRange"])
        self.assertGreaterEqual(int(parent["SequenceNumberRange"]["EndingSequenceNumber"]),
                                int(before[-1]))
        self.assertEqual(low["ParentShardId"], shard_id(0))
        self.assertEqual(high["ParentShardId"], shard_id(0))
        self.assertNotIn("AdjacentParentShardId", low)
        self.assertEqual(low["HashKeyRange"], {"StartingHashKey": "0",
                                               "EndingHashKey": str(2 ** 127 - 1)})
        self.assertEqual(high["HashKeyRange"], {"StartingHashKey": str(2 ** 127),
                                                "EndingHashKey": str(MAX_HASH_KEY)})
        for child in (low, high):
            self.assertNotIn("EndingSequenceNumber", child["SequenceNumberRange"])
            self.assertGreater(int(child["SequenceNumberRange"]["StartingSequenceNumber"]),
                               int(before[-1]))
        self.assertEqual(self.kinesis.describe_stream_summary(StreamName="split")[
            "StreamDescriptionSummary"]["OpenShardCount"], 2)

        # New records go to the children by hash key.
        res = self.kinesis.put_record(StreamName="split", Data=b"new", PartitionKey="p",
                                      ExplicitHashKey=str(2 ** 127 + 5))
        self.assertEqual(res["ShardId"], shard_id(2))

        # Reading the closed parent to its end: its records, then no NextShardIterator and the
        # children in ChildShards.
        records, last = [], None
        for _ in range(10):
            last = self.kinesis.get_records(ShardIterator=it, Limit=2)
            records += [r["SequenceNumber"] for r in last["Records"]]
            if last.get("NextShardIterator") is None:
                break
            it = last["NextShardIterator"]
        self.assertEqual(records, before)
        self.assertNotIn("NextShardIterator", last)
        children = sorted(last["ChildShards"], key=lambda c: c["ShardId"])
        self.assertEqual(children, [
            {"ShardId": shard_id(1), "ParentShards": [shard_id(0)],
             "HashKeyRange": low["HashKeyRange"]},
            {"ShardId": shard_id(2), "ParentShards": [shard_id(0)],
             "HashKeyRange": high["HashKeyRange"]}])
        # A new iterator on the closed shard still reads it.
        self.assertEqual([r["SequenceNumber"] for r in self.read_all("split", shard_id(0))],
                         before)

        # A closed shard cannot be split again.
        self.error(self.kinesis.split_shard, "ResourceInUseException",
                   f"Shard {shard_id(0)} in stream split under account {ACCOUNT} has already "
                   "been merged or split, and thus is not eligible for merging or splitting.",
                   StreamName="split", ShardToSplit=shard_id(0), NewStartingHashKey="5")
        # The new starting key must lie strictly inside the shard's range.
        self.error(self.kinesis.split_shard, "InvalidArgumentException", StreamName="split",
                   ShardToSplit=shard_id(1), NewStartingHashKey="0")
        self.error(self.kinesis.split_shard, "ResourceNotFoundException", StreamName="split",
                   ShardToSplit=shard_id(9), NewStartingHashKey="5")

    def test_merge_shards(self):
        self.create("merge", 3)
        self.kinesis.put_record(StreamName="merge", Data=b"x", PartitionKey="p",
                                ExplicitHashKey="0")
        self.error(self.kinesis.merge_shards, "InvalidArgumentException", StreamName="merge",
                   ShardToMerge=shard_id(0), AdjacentShardToMerge=shard_id(2))
        self.kinesis.merge_shards(StreamName="merge", ShardToMerge=shard_id(0),
                                  AdjacentShardToMerge=shard_id(1))
        shards = self.shards("merge")
        merged = shards[shard_id(3)]
        self.assertEqual(merged["ParentShardId"], shard_id(0))
        self.assertEqual(merged["AdjacentParentShardId"], shard_id(1))
        ranges = even_ranges(3)
        self.assertEqual(merged["HashKeyRange"], {"StartingHashKey": "0",
                                                  "EndingHashKey": str(ranges[1][1])})
        for old in (shard_id(0), shard_id(1)):
            self.assertIn("EndingSequenceNumber", shards[old]["SequenceNumberRange"])
        open_ids = [s["ShardId"] for s in self.kinesis.list_shards(
            StreamName="merge", ShardFilter={"Type": "AT_LATEST"})["Shards"]]
        self.assertEqual(sorted(open_ids), [shard_id(2), shard_id(3)])
        # Reading merged parent to its end names the merged child.
        res = self.kinesis.get_records(ShardIterator=self.iterator("merge", shard_id(0)))
        self.assertEqual([r["Data"] for r in res["Records"]], [b"x"])
        if "NextShardIterator" in res:  # records and the end may come in separate answers
            res = self.kinesis.get_records(ShardIterator=res["NextShardIterator"])
        self.assertNotIn("NextShardIterator", res)
        self.assertEqual(res["ChildShards"], [{
            "ShardId": shard_id(3), "ParentShards": [shard_id(0), shard_id(1)],
            "HashKeyRange": merged["HashKeyRange"]}])
        self.error(self.kinesis.merge_shards, "ResourceInUseException", StreamName="merge",
                   ShardToMerge=shard_id(0), AdjacentShardToMerge=shard_id(1))

    def test_update_shard_count(self):
        self.create("scale", 2)
        res = self.kinesis.update_shard_count(StreamName="scale", TargetShardCount=4,
                                              ScalingType="UNIFORM_SCALING")
        self.assertEqual((res["StreamName"], res["CurrentShardCount"], res["TargetShardCount"]),
                         ("scale", 2, 4))
        all_shards = self.kinesis.list_shards(StreamName="scale")["Shards"]
        old = [s for s in all_shards if "EndingSequenceNumber" in s["SequenceNumberRange"]]
        new = [s for s in all_shards if "EndingSequenceNumber" not in s["SequenceNumberRange"]]
        self.assertEqual(sorted(s["ShardId"] for s in old), [shard_id(0), shard_id(1)])
        self.assertEqual(len(new), 4)
        # The open shards cover the whole key space, evenly, and descend from the old ones.
        spans = sorted((int(s["HashKeyRange"]["StartingHashKey"]),
                        int(s["HashKeyRange"]["EndingHashKey"])) for s in new)
        self.assertEqual(spans, even_ranges(4))
        for s in new:
            self.assertIn(s["ParentShardId"], (shard_id(0), shard_id(1)))
        summary = self.kinesis.describe_stream_summary(StreamName="scale")
        self.assertEqual(summary["StreamDescriptionSummary"]["OpenShardCount"], 4)
        latest = self.kinesis.list_shards(StreamName="scale", ShardFilter={"Type": "AT_LATEST"})
        self.assertEqual(sorted(s["ShardId"] for s in latest["Shards"]),
                         sorted(s["ShardId"] for s in new))
        # At most double, at least half, per call.
        self.error(self.kinesis.update_shard_count, "LimitExceededException",
                   StreamName="scale", TargetShardCount=9, ScalingType="UNIFORM_SCALING")
        self.error(self.kinesis.update_shard_count, "LimitExceededException",
                   StreamName="scale", TargetShardCount=1, ScalingType="UNIFORM_SCALING")
        res = self.kinesis.update_shard_count(StreamName="scale", TargetShardCount=3,
                                              ScalingType="UNIFORM_SCALING")
        self.assertEqual((res["CurrentShardCount"], res["TargetShardCount"]), (4, 3))
        latest = self.kinesis.list_shards(StreamName="scale", ShardFilter={"Type": "AT_LATEST"})
        self.assertEqual(sorted((int(s["HashKeyRange"]["StartingHashKey"]),
                                 int(s["HashKeyRange"]["EndingHashKey"]))
                                for s in latest["Shards"]), even_ranges(3))

    def test_list_shards_pages_and_filters(self):
        self.create("filters", 3)
        created = datetime.datetime.now(datetime.timezone.utc)
        time.sleep(0.3)
        page = self.kinesis.list_shards(StreamName="filters", MaxResults=2)
        self.assertEqual([s["ShardId"] for s in page["Shards"]], [shard_id(0), shard_id(1)])
        rest = self.kinesis.list_shards(NextToken=page["NextToken"])
        self.assertEqual([s["ShardId"] for s in rest["Shards"]], [shard_id(2)])
        self.assertNotIn("NextToken", rest)
        self.error(self.kinesis.list_shards, "InvalidArgumentException", StreamName="filters",
                   NextToken=page["NextToken"])
        after = self.kinesis.list_shards(StreamName="filters", ExclusiveStartShardId=shard_id(0))
        self.assertEqual([s["ShardId"] for s in after["Shards"]], [shard_id(1), shard_id(2)])

        self.kinesis.split_shard(StreamName="filters", ShardToSplit=shard_id(0),
                                 NewStartingHashKey="1000")
        time.sleep(0.3)
        split_done = datetime.datetime.now(datetime.timezone.utc)

        def ids(**kw):
            filt = kw.get("ShardFilter")
            if filt and "Timestamp" in filt:
                # botocore would send whole seconds; the filter needs milliseconds.
                body = {"StreamName": "filters", "ShardFilter": dict(
                    filt, Timestamp=round(filt["Timestamp"].timestamp(), 3))}
                status, _, res = self.json_call("ListShards", body)
                self.assertEqual(status, 200, res)
                return [s["ShardId"] for s in res["Shards"]]
            return [s["ShardId"] for s in self.kinesis.list_shards(
                StreamName="filters", **kw)["Shards"]]

        everything = [shard_id(i) for i in range(5)]
        self.assertEqual(ids(), everything)
        self.assertEqual(ids(ShardFilter={"Type": "FROM_TRIM_HORIZON"}), everything)
        self.assertEqual(ids(ShardFilter={"Type": "AT_LATEST"}),
                         [shard_id(1), shard_id(2), shard_id(3), shard_id(4)])
        self.assertEqual(ids(ShardFilter={"Type": "AFTER_SHARD_ID", "ShardId": shard_id(2)}),
                         [shard_id(3), shard_id(4)])
        self.assertEqual(ids(ShardFilter={"Type": "AT_TRIM_HORIZON"}),
                         [shard_id(0), shard_id(1), shard_id(2)])
        # Between creation and the split only the first three shards were open.
        self.assertEqual(ids(ShardFilter={"Type": "AT_TIMESTAMP", "Timestamp": created}),
                         [shard_id(0), shard_id(1), shard_id(2)])
        self.assertEqual(ids(ShardFilter={"Type": "AT_TIMESTAMP", "Timestamp": split_done}),
                         [shard_id(1), shard_id(2), shard_id(3), shard_id(4)])
        self.assertEqual(ids(ShardFilter={"Type": "FROM_TIMESTAMP", "Timestamp": created}),
                         everything)
        self.assertEqual(ids(ShardFilter={"Type": "FROM_TIMESTAMP", "Timestamp": split_done}),
                         [shard_id(1), shard_id(2), shard_id(3), shard_id(4)])
        self.error(self.kinesis.list_shards, "InvalidArgumentException", StreamName="filters",
                   ShardFilter={"Type": "AFTER_SHARD_ID"})
        self.error(self.kinesis.list_shards, "ResourceNotFoundException",
                   f"Stream absent under account {ACCOUNT} not found.", StreamName="absent")


class StreamArns(KinesisCase):
    """Every stream operation takes StreamARN in place of StreamName."""

    def test_raw_json_with_stream_arn(self):
        self.create("byarn", 2)
        a = arn("byarn")
        status, _, res = self.json_call("DescribeStreamSummary", {"StreamARN": a})
        self.assertEqual(status, 200, res)
        self.assertEqual(res["StreamDescriptionSummary"]["StreamName"], "byarn")
        status, _, put = self.json_call("PutRecord", {
            "StreamARN": a, "Data": base64.b64encode(b"arn!").decode(), "PartitionKey": "p",
            "ExplicitHashKey": "0"})
        self.assertEqual(status, 200, put)
        self.assertEqual(put["ShardId"], shard_id(0))
        status, _, res = self.json_call("PutRecords", {"StreamARN": a, "Records": [
            {"Data": "eA==", "PartitionKey": "p"}]})
        self.assertEqual((status, res["FailedRecordCount"]), (200, 0), res)
        status, _, it = self.json_call("GetShardIterator", {
            "StreamARN": a, "ShardId": shard_id(0), "ShardIteratorType": "AT_SEQUENCE_NUMBER",
            "StartingSequenceNumber": put["SequenceNumber"]})
        self.assertEqual(status, 200, it)
        status, headers, res = self.json_call("GetRecords", {"StreamARN": a,
                                                             "ShardIterator": it["ShardIterator"]})
        self.assertEqual(status, 200, res)
        self.assertEqual(headers["content-type"], "application/x-amz-json-1.1")
        rec = res["Records"][0]
        self.assertEqual(base64.b64decode(rec["Data"]), b"arn!")
        # JSON timestamps are epoch seconds with milliseconds.
        self.assertIsInstance(rec["ApproximateArrivalTimestamp"], (int, float))
        self.assertLess(abs(rec["ApproximateArrivalTimestamp"] - time.time()), 60)
        status, _, res = self.json_call("ListShards", {"StreamARN": a})
        self.assertEqual([s["ShardId"] for s in res["Shards"]], [shard_id(0), shard_id(1)])
        for action, body in [
                ("AddTagsToStream", {"Tags": {"t": "v"}}),
                ("IncreaseStreamRetentionPeriod", {"RetentionPeriodHours": 30}),
                ("DecreaseStreamRetentionPeriod", {"RetentionPeriodHours": 25}),
                ("SplitShard", {"ShardToSplit": shard_id(0), "NewStartingHashKey": "77"}),
                ("MergeShards", {"ShardToMerge": shard_id(2), "AdjacentShardToMerge": shard_id(3)}),
                ("UpdateShardCount", {"TargetShardCount": 2, "ScalingType": "UNIFORM_SCALING"})]:
            status, _, res = self.json_call(action, dict(body, StreamARN=a))
            self.assertEqual(status, 200, (action, res))
        status, _, res = self.json_call("ListTagsForStream", {"StreamARN": a})
        self.assertEqual(res["Tags"], [{"Key": "t", "Value": "v"}])
        status, _, res = self.json_call("DescribeStream", {"StreamARN": a})
        self.assertEqual(res["StreamDescription"]["RetentionPeriodHours"], 25)
        status, _, res = self.json_call("DeleteStream", {"StreamARN": a})
        self.assertEqual(status, 200, res)
        msg = self.json_error("DescribeStreamSummary", {"StreamARN": a},
                              "ResourceNotFoundException")
        self.assertEqual(msg, f"Stream byarn under account {ACCOUNT} not found.")

    def test_name_or_arn_is_required(self):
        status, _, res = self.json_call("DescribeStreamSummary", {})
        self.assertEqual(status, 400)
        self.assertIn(res["__type"], ("InvalidArgumentException", "ValidationException"))

    def test_a_malformed_stream_arn_fails_validation(self):
        # StreamARN must match arn:aws.*:kinesis:.*:\d{12}:stream/\S+ (API reference).
        bad = f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/x y"
        msg = self.json_error("DescribeStreamSummary", {"StreamARN": bad}, "ValidationException")
        self.assertIn(f"Value '{bad}' at 'streamARN' failed to satisfy constraint: Member must "
                      "satisfy regular expression pattern", msg)

    def test_a_very_long_stream_arn_is_a_validation_error_not_a_crash(self):
        # Reproduces a crash: std::regex recursed once per character of a 30,000+ character
        # StreamARN and took serverlite down with SIGSEGV.
        long_arn = f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/" + "a" * 40000
        msg = self.json_error("DescribeStreamSummary", {"StreamARN": long_arn},
                              "ValidationException")
        self.assertTrue(msg.startswith("1 validation error detected: Value 'arn:aws:kinesis"), msg[:80])
        self.assertTrue(msg.endswith("' at 'streamARN' failed to satisfy constraint: Member must "
                                     "have length less than or equal to 2048"), msg[-120:])
        bad = "arn:aws:sqs:" + "x" * 40000
        msg = self.json_error("PutRecord", {"StreamARN": bad, "Data": "eA==", "PartitionKey": "p"},
                              "ValidationException")
        self.assertTrue(msg.startswith("2 validation errors detected: "), msg[:80])
        self.assertIn("regular expression pattern", msg)
        status, _, _ = self.json_call("ListStreams", {})
        self.assertEqual(status, 200)  # still serving

    def test_an_arn_of_another_account_names_no_stream(self):
        other = "arn:aws:kinesis:us-east-1:123456789012:stream/elsewhere"
        msg = self.json_error("DescribeStreamSummary", {"StreamARN": other},
                              "ResourceNotFoundException")
        self.assertEqual(msg, "Stream elsewhere under account 123456789012 not found.")


class StreamWithCli(KinesisCase):
    def cli(self, *args):
        r = self.sl.aws_cli("kinesis", *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout) if r.stdout.strip() else None

    def test_cli_round_trip(self):
        self.cli("create-stream", "--stream-name", "cli", "--shard-count", "2")
        r = self.sl.aws_cli("kinesis", "wait", "stream-exists", "--stream-name", "cli")
        self.assertEqual(r.returncode, 0, r.stderr)
        put = self.cli("put-record", "--stream-name", "cli", "--partition-key", "k",
                       "--data", "hello", "--cli-binary-format", "raw-in-base64-out")
        it = self.cli("get-shard-iterator", "--stream-name", "cli", "--shard-id", put["ShardId"],
                      "--shard-iterator-type", "TRIM_HORIZON")["ShardIterator"]
        got = self.cli("get-records", "--shard-iterator", it)
        self.assertEqual(got["Records"][0]["Data"], base64.b64encode(b"hello").decode())
        self.assertEqual(got["Records"][0]["SequenceNumber"], put["SequenceNumber"])
        shards = self.cli("list-shards", "--stream-name", "cli")["Shards"]
        self.assertEqual([s["ShardId"] for s in shards], [shard_id(0), shard_id(1)])
        # The CLI's paginator sends StreamName with NextToken, which Kinesis rejects; the
        # emulator must reject it the same way (aws-cli issue 9635).
        r = self.sl.aws_cli("kinesis", "list-shards", "--stream-name", "cli", "--page-size", "1")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("NextToken and StreamName cannot be provided together.", r.stderr)
        streams = self.cli("list-streams", "--page-size", "1")
        self.assertIn("cli", streams["StreamNames"])
        self.assertIn("cli", [s["StreamName"] for s in streams["StreamSummaries"]])
        summary = self.cli("describe-stream-summary", "--stream-arn", arn("cli"))
        self.assertEqual(summary["StreamDescriptionSummary"]["OpenShardCount"], 2)
        put = self.cli("put-record", "--stream-arn", arn("cli"), "--partition-key", "k",
                       "--data", "aGk=")
        self.assertIn(put["ShardId"], (shard_id(0), shard_id(1)))
        r = self.sl.aws_cli("kinesis", "describe-stream", "--stream-name", "absent")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("ResourceNotFoundException", r.stderr)
        self.assertIn(f"Stream absent under account {ACCOUNT} not found.", r.stderr)
        self.cli("delete-stream", "--stream-name", "cli")
        r = self.sl.aws_cli("kinesis", "wait", "stream-not-exists", "--stream-name", "cli")
        self.assertEqual(r.returncode, 0, r.stderr)


class ThroughputLimits(KinesisCase):
    """`up --stream-throughput-limits` applies Kinesis's per-shard write limit: 1 MiB or 1000
    records per second."""
    ARGS = ("--stream-throughput-limits",)

    def test_put_records_fails_records_over_the_shard_limit(self):
        self.create("hot", 1)
        # 2,000,000 bytes in one call: at most about half fits in the shard's second.
        entries = [{"Data": b"x" * 4000, "PartitionKey": "k"} for _ in range(500)]
        res = self.kinesis.put_records(StreamName="hot", Records=entries)
        failed = [r for r in res["Records"] if "ErrorCode" in r]
        self.assertGreater(len(failed), 0)
        self.assertLess(len(failed), 500)
        self.assertEqual(res["FailedRecordCount"], len(failed))
        for r in failed:
            self.assertEqual(r["ErrorCode"], "ProvisionedThroughputExceededException")
            self.assertEqual(r["ErrorMessage"], f"Rate exceeded for shard {shard_id(0)} in "
                                                f"stream hot under account {ACCOUNT}.")
            self.assertNotIn("SequenceNumber", r)
            self.assertNotIn("ShardId", r)
        ok = [r for r in res["Records"] if "ErrorCode" not in r]
        self.assertLessEqual(len(ok) * 4001, 1024 * 1024)
        # Only the acknowledged records were stored.
        self.assertEqual(len(self.read_all("hot", shard_id(0))), len(ok))

    def test_put_record_is_throttled(self):
        self.create("hot1", 1)
        code = None
        for _ in range(8):  # 8 x 512 KiB, far over 1 MiB/s even on a slow build
            try:
                self.kinesis.put_record(StreamName="hot1", Data=b"y" * (512 * 1024),
                                        PartitionKey="k")
            except self.kinesis.exceptions.ProvisionedThroughputExceededException as e:
                code = e.response["Error"]["Code"]
                self.assertEqual(e.response["Error"]["Message"],
                                 f"Rate exceeded for shard {shard_id(0)} in stream hot1 under "
                                 f"account {ACCOUNT}.")
                self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], 400)
                break
        self.assertEqual(code, "ProvisionedThroughputExceededException")

    def test_record_count_limit(self):
        self.create("many", 1)
        small = [{"Data": b"s", "PartitionKey": "k"} for _ in range(500)]
        failed = 0
        # The shard takes 1000 records a second (whole seconds of the clock): three calls within
        # one second overflow it. However slow the build, some second sees three of ten calls.
        for _ in range(10):
            failed += self.kinesis.put_records(StreamName="many", Records=small)[
                "FailedRecordCount"]
            if failed:
                break
        self.assertGreater(failed, 0)


class NoThroughputLimitsByDefault(KinesisCase):
    def test_a_big_batch_is_accepted(self):
        self.create("cool", 1)
        entries = [{"Data": b"x" * 4000, "PartitionKey": "k"} for _ in range(500)]
        for _ in range(2):
            res = self.kinesis.put_records(StreamName="cool", Records=entries)
            self.assertEqual(res["FailedRecordCount"], 0)


class StreamSurvivesKill(RestartTestCase):
    """Every acknowledged PutRecord / PutRecords entry is still readable, with the same sequence
    number, after serverlite is killed with SIGKILL mid-traffic and restarted on its --state."""

    SERVICE = "kinesis"

    def test_acknowledged_records_survive_sigkill(self):
        sl = self.start()
        k = self.client(sl)
        k.create_stream(StreamName="durable", ShardCount=2)
        first = k.put_record(StreamName="durable", Data=b"first", PartitionKey="k")

        lock = threading.Lock()
        acked = {}  # data -> (shard, sequence number)
        attempted = set()
        in_flight = [0]
        stop = threading.Event()
        killed = threading.Event()
        errors = []

        def writer(tid, batch):
            c = self.client(sl)
            n = 0
            while not stop.is_set():
                datas = [f"w{tid}-{n}-{i}".encode() for i in range(10 if batch else 1)]
                n += 1
                with lock:
                    attempted.update(datas)
                    in_flight[0] += 1
                try:
                    if batch:
                        res = c.put_records(StreamName="durable", Records=[
                            {"Data": d, "PartitionKey": d.decode()} for d in datas])["Records"]
                    else:
                        res = [c.put_record(StreamName="durable", Data=datas[0],
                                            PartitionKey=datas[0].decode())]
                except Exception as e:  # the connection dies with the server
                    if not killed.is_set():
                        errors.append(repr(e))
                    return
                finally:
                    with lock:
                        in_flight[0] -= 1
                with lock:
                    for d, r in zip(datas, res):
                        if "SequenceNumber" in r:
                            acked[d] = (r["ShardId"], r["SequenceNumber"])

        threads = [threading.Thread(target=writer, args=(t, t == 0), daemon=True)
                   for t in range(4)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with lock:
                if in_flight[0] > 0:
                    break
            time.sleep(0.0005)
        killed.set()
        sl.stop(signal.SIGKILL)
        stop.set()
        for t in threads:
            t.join(15)
            self.assertFalse(t.is_alive())
        self.assertEqual(errors, [])
        self.assertGreater(len(acked), 30, "too few records were acknowledged before the kill")

        sl = self.start()
        k = self.client(sl)
        found = {}
        for shard in (shard_id(0), shard_id(1)):
            it = k.get_shard_iterator(StreamName="durable", ShardId=shard,
                                      ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            while True:
                res = k.get_records(ShardIterator=it)
                for r in res["Records"]:
                    self.assertNotIn(r["Data"], found, "a record was stored twice")
                    found[r["Data"]] = (shard, r["SequenceNumber"])
                it = res["NextShardIterator"]
                if not res["Records"]:
                    break
        self.assertEqual(found[b"first"], (first["ShardId"], first["SequenceNumber"]))
        lost = [d for d in acked if d not in found]
        self.assertFalse(lost, f"{len(lost)} of {len(acked)} acknowledged records were lost")
        for d, where in acked.items():
            self.assertEqual(found[d], where)
        self.assertEqual(set(found) - attempted - {b"first"}, set())
        # Sequence numbers keep increasing after the restart.
        after = k.put_record(StreamName="durable", Data=b"after", PartitionKey="k",
                             ExplicitHashKey="0")
        newest = max(int(s) for sh, s in found.values() if sh == shard_id(0))
        self.assertGreater(int(after["SequenceNumber"]), newest)


if __name__ == "__main__":
    unittest.main()
