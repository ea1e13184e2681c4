"""Kinesis's request framework on the wire: how a request is read (content types, an unknown
action), the order of its checks (member types -> every violated constraint -> the stream), and
the layouts of sequence numbers and shard iterators. Raw HTTP where a client would hide the wire."""

import base64
import json
import time
import unittest
import urllib.error
import urllib.request


from harness import signed
from test_stream import ACCOUNT, KinesisCase


def raw(url, headers, body):
    req = urllib.request.Request(url + "/", data=body, method="POST", headers=signed(headers))
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return res.status, {k.lower(): v for k, v in res.headers.items()}, res.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


class RequestFraming(KinesisCase):
    def call(self, action, body, content_type="application/x-amz-json-1.1"):
        headers = {"X-Amz-Target": f"Kinesis_20131202.{action}"}
        if content_type is not None:
            headers["Content-Type"] = content_type
        return raw(self.sl.aws_url, headers, body)

    def test_unknown_action_and_unreadable_bodies(self):
        status, headers, body = self.call("Whatever", b"{}")
        self.assertEqual((status, json.loads(body)), (400, {"__type": "UnknownOperationException"}))
        self.assertEqual(headers["content-type"], "application/x-amz-json-1.1")
        self.assertGreaterEqual(len(base64.b64decode(headers["x-amz-id-2"])), 64)
        for payload in (b"", b"hello", b"true"):
            status, _, body = self.call("ListStreams", payload)
            self.assertEqual((status, json.loads(body)), (400, {"__type": "SerializationException"}))
        # Without a JSON content type the answer is CBOR, the protocol's other form.
        status, headers, body = self.call("ListStreams", b"", content_type=None)
        self.assertEqual(status, 400)
        self.assertEqual(headers["content-type"], "application/x-amz-cbor-1.1")
        self.assertIn(b"SerializationException", body)
        # The old `application/json` envelope.
        status, headers, body = self.call("ListStreams", b"{}", content_type="application/json")
        self.assertEqual((status, headers["content-type"]), (404, "application/json"))
        self.assertEqual(json.loads(body), {
            "Output": {"__type": "com.amazon.coral.service#UnknownOperationException"},
            "Version": "1.0"})
        status, _, body = self.call("ListStreams", b"hello", content_type=" application/json ;")
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(body)["Output"]["__type"],
                         "com.amazon.coral.service#SerializationException")

    def test_wrong_types_are_serialization_exceptions(self):
        for body, message in (
                ({"StreamName": True},
                 "class java.lang.Boolean can not be converted to an String"),
                ({"StreamName": "s", "ShardCount": "1"},
                 "class java.lang.String can not be converted to an Integer"),
                ({"StreamName": "s", "ShardCount": 1, "Tags": []},
                 "Start of list found where not expected")):
            status, _, res = self.call("CreateStream", json.dumps(body).encode())
            self.assertEqual((status, json.loads(res)),
                             (400, {"__type": "SerializationException", "Message": message}))

    def test_every_violation_before_the_stream_is_looked_up(self):
        status, _, res = self.call("DescribeStream",
                                   json.dumps({"StreamName": "", "Limit": 0}).encode())
        self.assertEqual(status, 400)
        res = json.loads(res)
        self.assertEqual(res["__type"], "ValidationException")
        self.assertEqual(res["message"],
                         "3 validation errors detected: "
                         "Value '0' at 'limit' failed to satisfy constraint: Member must have "
                         "value greater than or equal to 1; "
                         "Value '' at 'streamName' failed to satisfy constraint: Member must "
                         "satisfy regular expression pattern: [a-zA-Z0-9_.-]+; "
                         "Value '' at 'streamName' failed to satisfy constraint: Member must "
                         "have length greater than or equal to 1")
        # A valid request for a stream that does not exist gets past validation.
        msg = self.json_error("AddTagsToStream", {"StreamName": "nosuch", "Tags": {"a": "b"}},
                              "ResourceNotFoundException")
        self.assertEqual(msg, f"Stream nosuch under account {ACCOUNT} not found.")
        msg = self.json_error("AddTagsToStream", {"StreamName": "x" * 129, "Tags": {"a": "b"}},
                              "ValidationException")
        self.assertTrue(msg.startswith("1 validation error detected: Value 'xxx"), msg)

    def test_operations_without_output_answer_an_empty_body(self):
        status, _, body = self.call("CreateStream",
                                    json.dumps({"StreamName": "empty", "ShardCount": 1}).encode())
        self.assertEqual((status, body), (200, b""))
        status, _, body = self.call("AddTagsToStream",
                                    json.dumps({"StreamName": "empty", "Tags": {"a": "b"}}).encode())
        self.assertEqual((status, body), (200, b""))
        # PutRecord names no encryption for a stream without one.
        res = self.kinesis.put_record(StreamName="empty", Data=b"x", PartitionKey="k")
        self.assertNotIn("EncryptionType", res)


class KinesisLayouts(KinesisCase):
    def test_sequence_numbers_encode_shard_and_times(self):
        self.create("layout", 3)
        before = int(time.time())
        res = self.kinesis.put_record(StreamName="layout", Data=b"x", PartitionKey="k",
                                      ExplicitHashKey=str(2 ** 128 - 1))
        self.assertEqual(res["ShardId"], "shardId-000000000002")
        h = format(int(res["SequenceNumber"]), "x")
        self.assertEqual(len(h), 47)
        self.assertEqual((h[0], h[10], h[27:29], h[38:46], h[46]), ("2", "2", "00", "00000002", "2"))
        self.assertTrue(before - 5 <= int(h[1:10], 16) <= int(h[29:38], 16) <= time.time() + 1)
        # The reader sees the same number, and the arrival time the number encodes.
        it = self.iterator("layout", "shardId-000000000002")
        rec = self.kinesis.get_records(ShardIterator=it)["Records"][0]
        self.assertEqual(rec["SequenceNumber"], res["SequenceNumber"])
        self.assertEqual(int(rec["ApproximateArrivalTimestamp"].timestamp()), int(h[29:38], 16))
        # An iterator: eight bytes 0..01, then blocks of 16 bytes.
        data = base64.b64decode(it)
        self.assertEqual(data[:8], b"\0" * 7 + b"\1")
        self.assertEqual((len(data) - 152) % 16, 0)
        # A sequence number from another shard names that shard.
        msg = self.error(self.kinesis.get_shard_iterator, "InvalidArgumentException",
                         StreamName="layout", ShardId="shardId-000000000000",
                         ShardIteratorType="AT_SEQUENCE_NUMBER",
                         StartingSequenceNumber=res["SequenceNumber"])
        self.assertEqual(msg, "Invalid StartingSequenceNumber. It encodes shardId-000000000002, "
                              "while it was used in a call to a shard with shardId-000000000000")
        # Kinesis's own layouts are accepted for ordering; a version it does not know is not.
        ok = self.kinesis.put_record(StreamName="layout", Data=b"x", PartitionKey="k",
                                     ExplicitHashKey=str(2 ** 128 - 1),
                                     SequenceNumberForOrdering=str(int("2" + "0" * 45 + "2", 16)))
        self.assertGreater(int(ok["SequenceNumber"]), int(res["SequenceNumber"]))
        bad = str(int("2" + "0" * 45 + "4", 16))
        self.error(self.kinesis.put_record, "InvalidArgumentException",
                   f"ExclusiveMinimumSequenceNumber {bad} used in PutRecord on stream layout "
                   f"under account {ACCOUNT} is invalid.", StreamName="layout", Data=b"x",
                   PartitionKey="k", SequenceNumberForOrdering=bad)

    def test_shard_ids_and_merge_direction(self):
        self.create("ids", 3)
        # Any prefix before '-' names the shard by its digits.
        self.assertTrue(self.iterator("ids", "anything-1", "LATEST"))
        msg = self.error(self.kinesis.split_shard, "InvalidArgumentException", StreamName="ids",
                         ShardToSplit="shard-0", NewStartingHashKey="1")
        self.assertTrue(msg.startswith("NewStartingHashKey 1 used in SplitShard() on shard "
                                       "shardId-000000000000"), msg)
        # The adjacent shard must follow ShardToMerge's range, not precede it.
        msg = self.error(self.kinesis.merge_shards, "InvalidArgumentException", StreamName="ids",
                         ShardToMerge="shardId-000000000001",
                         AdjacentShardToMerge="shardId-000000000000")
        self.assertIn("are not an adjacent pair of shards eligible for merging", msg)
        self.kinesis.merge_shards(StreamName="ids", ShardToMerge="shardId-000000000000",
                                  AdjacentShardToMerge="shardId-000000000001")


if __name__ == "__main__":
    unittest.main()
