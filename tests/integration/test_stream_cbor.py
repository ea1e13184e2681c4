"""Kinesis's CBOR protocol (`application/x-amz-cbor-1.1`), which the AWS SDK for Java and the
Kinesis Producer/Client Libraries use by default: the same operations and X-Amz-Target as AWS JSON
1.1, with the body a CBOR map. Record data travels as CBOR byte strings, and timestamps as tag 1
(epoch-based date/time) holding epoch *milliseconds*, which is what the Java SDK writes and reads
(its CBOR generator writes `Date.getTime()` under tag 1; its unmarshaller reads a long of ms).
Errors are a CBOR map {"__type", "message"} with HTTP 400.

Requests are encoded with cbor2. Answers are decoded by a small strict decoder below that keeps
tags as they are, because cbor2 would turn tag 1 into a datetime read as seconds and fail on a
millisecond value; the test must see exactly what a Java client would.
"""
import struct
import time
import unittest
import urllib.error
import urllib.request

import cbor2

from harness import ServerTestCase, signed

CBOR = "application/x-amz-cbor-1.1"
ACCOUNT = "000000000000"


def shard_id(index):
    return f"shardId-{index:012d}"


class Tag:
    def __init__(self, tag, value):
        self.tag, self.value = tag, value

    def __repr__(self):
        return f"Tag({self.tag}, {self.value!r})"


_BREAK = object()


def cbor_decode(data):
    """Decodes one CBOR item that must fill `data`; tags come back as Tag, byte strings as bytes,
    text strings as str."""
    value, end = _item(data, 0)
    if end != len(data):
        raise ValueError(f"{len(data) - end} bytes after the CBOR item")
    return value


def _item(b, i):
    head = b[i]
    major, info = head >> 5, head & 31
    i += 1
    if info < 24:
        arg = info
    elif info in (24, 25, 26, 27):
        n = 1 << (info - 24)
        if major == 7 and info >= 25:
            fmt = {2: ">e", 4: ">f", 8: ">d"}[n]
            return struct.unpack(fmt, b[i:i + n])[0], i + n
        arg = int.from_bytes(b[i:i + n], "big")
        i += n
    elif info == 31:
        arg = None  # indefinite length, or a break
    else:
        raise ValueError(f"reserved additional info {info}")

    if major == 0:
        return arg, i
    if major == 1:
        return -1 - arg, i
    if major in (2, 3):
        if arg is None:
            chunks = []
            while b[i] != 0xFF:
                chunk, i = _item(b, i)
                chunks.append(chunk)
            joined = (b"" if major == 2 else "").join(chunks)
            return joined, i + 1
        raw = bytes(b[i:i + arg])
        return (raw if major == 2 else raw.decode("utf-8")), i + arg
    if major == 4:
        out = []
        while (arg is None and b[i] != 0xFF) or (arg is not None and len(out) < arg):
            v, i = _item(b, i)
            out.append(v)
        return out, i + (1 if arg is None else 0)
    if major == 5:
        out = {}
        count = 0
        while (arg is None and b[i] != 0xFF) or (arg is not None and count < arg):
            k, i = _item(b, i)
            v, i = _item(b, i)
            out[k] = v
            count += 1
        return out, i + (1 if arg is None else 0)
    if major == 6:
        v, i = _item(b, i)
        return Tag(arg, v), i
    # major 7
    if arg is None:
        return _BREAK, i
    return {20: False, 21: True, 22: None, 23: None}[arg], i


class StreamOverCbor(ServerTestCase):
    APP = "demo"

    def call(self, action, body, raw=None):
        """POSTs a CBOR request; returns (status, content type, decoded body or None)."""
        data = raw if raw is not None else cbor2.dumps(body)
        req = urllib.request.Request(self.sl.aws_url + "/", data=data, method="POST", headers=signed({
            "X-Amz-Target": f"Kinesis_20131202.{action}", "Content-Type": CBOR}))
        try:
            with urllib.request.urlopen(req, timeout=30) as res:
                status, ctype, payload = res.status, res.headers.get("Content-Type"), res.read()
        except urllib.error.HTTPError as e:
            status, ctype, payload = e.code, e.headers.get("Content-Type"), e.read()
        return status, ctype, cbor_decode(payload) if payload else None

    def ok(self, action, body):
        status, ctype, res = self.call(action, body)
        self.assertEqual(status, 200, res)
        if res is not None:
            self.assertEqual(ctype, CBOR)
        return res

    def fails(self, action, body, code, message=None):
        status, ctype, res = self.call(action, body)
        self.assertEqual(status, 400, res)
        self.assertEqual(ctype, CBOR)
        self.assertIsInstance(res, dict)
        self.assertEqual(res["__type"], code, res)
        self.assertIsInstance(res["message"], str)
        if message is not None:
            self.assertEqual(res["message"], message)
        return res["message"]

    def assert_millis(self, value, around_ms, slack_ms=60000):
        """A CBOR timestamp as the Java SDK reads it: tag 1 holding integer epoch ms."""
        self.assertIsInstance(value, Tag)
        self.assertEqual(value.tag, 1)
        self.assertIsInstance(value.value, int)
        self.assertLess(abs(value.value - around_ms), slack_ms, value)

    def test_records_round_trip_as_byte_strings(self):
        self.ok("CreateStream", {"StreamName": "cb", "ShardCount": 1})
        t0 = int(time.time() * 1000)
        payloads = [b"\x00\x01\xfe\xff", "é".encode(), b"z", bytes(range(256)) * 40]
        puts = []
        for i, data in enumerate(payloads[:2]):
            res = self.ok("PutRecord", {"StreamName": "cb", "Data": data, "PartitionKey": f"k{i}"})
            self.assertEqual(res["ShardId"], shard_id(0))
            self.assertIsInstance(res["SequenceNumber"], str)
            self.assertTrue(res["SequenceNumber"].isdigit())
            puts.append(res["SequenceNumber"])
        res = self.ok("PutRecords", {"StreamName": "cb", "Records": [
            {"Data": d, "PartitionKey": "b"} for d in payloads[2:]]})
        self.assertEqual(res["FailedRecordCount"], 0)
        self.assertEqual(len(res["Records"]), 2)
        puts += [r["SequenceNumber"] for r in res["Records"]]

        it = self.ok("GetShardIterator", {"StreamName": "cb", "ShardId": shard_id(0),
                                          "ShardIteratorType": "TRIM_HORIZON"})["ShardIterator"]
        self.assertIsInstance(it, str)
        res = self.ok("GetRecords", {"ShardIterator": it, "Limit": 10})
        self.assertIsInstance(res["NextShardIterator"], str)
        self.assertIsInstance(res["MillisBehindLatest"], int)
        records = res["Records"]
        self.assertEqual([r["SequenceNumber"] for r in records], puts)
        for record, data in zip(records, payloads):
            self.assertIsInstance(record["Data"], bytes)  # a byte string, not base64 text
            self.assertEqual(record["Data"], data)
            self.assert_millis(record["ApproximateArrivalTimestamp"], t0)
        self.assertEqual(records[0]["PartitionKey"], "k0")

        # AT_TIMESTAMP with a CBOR timestamp in milliseconds, as the Java SDK sends it.
        third = records[2]["ApproximateArrivalTimestamp"].value
        first = records[0]["ApproximateArrivalTimestamp"].value
        if third > first:  # distinct milliseconds: the iterator must skip the first records
            it = self.ok("GetShardIterator", {
                "StreamName": "cb", "ShardId": shard_id(0), "ShardIteratorType": "AT_TIMESTAMP",
                "Timestamp": cbor2.CBORTag(1, third)})["ShardIterator"]
            got = self.ok("GetRecords", {"ShardIterator": it})["Records"]
            self.assertEqual(got[0]["SequenceNumber"],
                             next(r["SequenceNumber"] for r in records
                                  if r["ApproximateArrivalTimestamp"].value == third))
        it = self.ok("GetShardIterator", {
            "StreamName": "cb", "ShardId": shard_id(0), "ShardIteratorType": "AT_TIMESTAMP",
            "Timestamp": cbor2.CBORTag(1, first - 5000)})["ShardIterator"]
        got = self.ok("GetRecords", {"ShardIterator": it})["Records"]
        self.assertEqual([r["SequenceNumber"] for r in got], puts)

    def test_timestamps_in_descriptions(self):
        t0 = int(time.time() * 1000)
        self.ok("CreateStream", {"StreamName": "cbdesc", "ShardCount": 2})
        summary = self.ok("DescribeStreamSummary", {"StreamName": "cbdesc"})
        summary = summary["StreamDescriptionSummary"]
        self.assertEqual(summary["StreamName"], "cbdesc")
        self.assertEqual(summary["OpenShardCount"], 2)
        self.assert_millis(summary["StreamCreationTimestamp"], t0)
        desc = self.ok("DescribeStream", {"StreamName": "cbdesc"})["StreamDescription"]
        self.assertIs(desc["HasMoreShards"], False)
        self.assert_millis(desc["StreamCreationTimestamp"], t0)
        self.assertEqual([s["ShardId"] for s in desc["Shards"]], [shard_id(0), shard_id(1)])
        self.assertEqual(desc["Shards"][1]["HashKeyRange"]["EndingHashKey"], str(2 ** 128 - 1))
        listed = self.ok("ListStreams", {})
        self.assertIn("cbdesc", listed["StreamNames"])
        for s in listed.get("StreamSummaries", []):
            self.assert_millis(s["StreamCreationTimestamp"], t0)
        shards = self.ok("ListShards", {"StreamName": "cbdesc", "ShardFilter": {
            "Type": "AT_TIMESTAMP", "Timestamp": cbor2.CBORTag(1, int(time.time() * 1000))}})
        self.assertEqual([s["ShardId"] for s in shards["Shards"]], [shard_id(0), shard_id(1)])

    def test_errors_are_cbor_maps(self):
        self.fails("DescribeStream", {"StreamName": "missing"}, "ResourceNotFoundException",
                   f"Stream missing under account {ACCOUNT} not found.")
        self.ok("CreateStream", {"StreamName": "cberr", "ShardCount": 1})
        self.fails("CreateStream", {"StreamName": "cberr", "ShardCount": 1},
                   "ResourceInUseException",
                   f"Stream cberr under account {ACCOUNT} already exists.")
        msg = self.fails("PutRecord", {"StreamName": "cberr", "Data": b"x", "PartitionKey": ""},
                         "ValidationException")
        self.assertIn("at 'partitionKey' failed to satisfy constraint", msg)
        msg = self.fails("PutRecord", {"StreamName": "cberr", "Data": b"x" * (1024 * 1024 + 1),
                                       "PartitionKey": "k"}, "ValidationException")
        self.assertIn("at 'data' failed to satisfy constraint", msg)
        self.fails("IncreaseStreamRetentionPeriod",
                   {"StreamName": "cberr", "RetentionPeriodHours": 8761},
                   "InvalidArgumentException",
                   "Maximum allowed retention period is 8760 hours. Requested retention period "
                   "(8761 hours) is too long.")
        self.fails("GetShardIterator", {"StreamName": "cberr", "ShardId": shard_id(5),
                                        "ShardIteratorType": "LATEST"},
                   "ResourceNotFoundException",
                   f"Shard {shard_id(5)} in stream cberr under account {ACCOUNT} does not exist")
        # A body that is not CBOR.
        status, ctype, res = self.call("ListStreams", None, raw=b"\xff\xff\x00")
        self.assertEqual(status, 400)
        self.assertEqual(ctype, CBOR)
        self.assertIn("SerializationException", res["__type"])

    def test_put_records_result_shape(self):
        self.ok("CreateStream", {"StreamName": "cbbatch", "ShardCount": 2})
        res = self.ok("PutRecords", {"StreamName": "cbbatch", "Records": [
            {"Data": i.to_bytes(2, "big"), "PartitionKey": str(i)} for i in range(500)]})
        self.assertEqual(res["FailedRecordCount"], 0)
        self.assertEqual(len(res["Records"]), 500)
        for r in res["Records"]:
            self.assertEqual(set(r), {"SequenceNumber", "ShardId"})
        total = []
        for j in range(2):
            it = self.ok("GetShardIterator", {"StreamName": "cbbatch", "ShardId": shard_id(j),
                                              "ShardIteratorType": "TRIM_HORIZON"})
            total += self.ok("GetRecords", {"ShardIterator": it["ShardIterator"]})["Records"]
        self.assertEqual(sorted(r["Data"] for r in total),
                         [i.to_bytes(2, "big") for i in range(500)])


if __name__ == "__main__":
    unittest.main()
