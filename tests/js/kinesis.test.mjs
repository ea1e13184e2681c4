// Kinesis Data Streams through @aws-sdk/client-kinesis, which speaks AWS JSON 1.1: record data
// as base64 text turned into Uint8Array by the SDK, timestamps as epoch seconds turned into Date.
//
// The Kinesis client alone defaults to an HTTP/2 handler (for SubscribeToShard): over plain
// http:// that is HTTP/2 with prior knowledge, which serverlite's endpoint speaks, so the client
// here is the SDK's default, as an app's own code would have it.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import {
  AddTagsToStreamCommand, CreateStreamCommand, DecreaseStreamRetentionPeriodCommand,
  DeleteStreamCommand, DescribeStreamCommand, DescribeStreamSummaryCommand, GetRecordsCommand,
  GetShardIteratorCommand, IncreaseStreamRetentionPeriodCommand, InvalidArgumentException,
  KinesisClient, KinesisServiceException, LimitExceededException, ListShardsCommand,
  ListStreamsCommand, ListTagsForStreamCommand, MergeShardsCommand, PutRecordCommand,
  PutRecordsCommand, RemoveTagsFromStreamCommand, ResourceInUseException,
  ResourceNotFoundException, SplitShardCommand, UpdateShardCountCommand, ValidationException,
  paginateListStreams,
} from "@aws-sdk/client-kinesis";
import { clientConfig, startServerlite } from "./serverlite.mjs";

const ACCOUNT = "000000000000";
const MAX_HASH_KEY = (1n << 128n) - 1n;

let sl;
let kinesis;
before(async () => {
  sl = await startServerlite("demo");
  kinesis = new KinesisClient(clientConfig(sl.endpoint));
});
after(async () => {
  kinesis?.destroy();
  if (sl) assert.equal(await sl.stop(), 0, "serverlite exits 0 on SIGTERM");
});

const send = (command) => kinesis.send(command);
const arnOf = (name) => `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/${name}`;
const shardId = (i) => `shardId-${String(i).padStart(12, "0")}`;
const bytes = (text) => new TextEncoder().encode(text);
const text = (data) => new TextDecoder().decode(data);

// Kinesis places a record by the MD5 of its partition key as a 128-bit big-endian integer.
const hashKey = (key) => BigInt(`0x${createHash("md5").update(key, "utf8").digest("hex")}`);
// The ranges of `count` new shards: equal slices of 2^128, the last one up to 2^128-1.
function evenRanges(count) {
  const size = (1n << 128n) / BigInt(count);
  return Array.from({ length: count }, (_, i) => [
    BigInt(i) * size, i === count - 1 ? MAX_HASH_KEY : BigInt(i + 1) * size - 1n]);
}
const shardFor = (key, ranges) => ranges.findIndex(([lo, hi]) => key >= lo && key <= hi);

async function create(name, ShardCount = 1) {
  await send(new CreateStreamCommand({ StreamName: name, ShardCount }));
}

// Asserts that `promise` rejects with the SDK's exception class `type`, HTTP 400, and `message`
// when given (a string for equality, a RegExp to match).
async function rejectsWith(promise, type, message) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof KinesisServiceException, `not a Kinesis exception: ${e}`);
    assert.ok(e instanceof type, `${e.name} (${e.message}) is not ${type.name}`);
    assert.equal(e.name, type.name);
    assert.equal(e.$fault, "client");
    assert.equal(e.$metadata.httpStatusCode, 400);
    if (typeof message === "string") assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    return true;
  });
}

async function iterator(stream, shard, type = "TRIM_HORIZON", extra = {}) {
  return (await send(new GetShardIteratorCommand({
    StreamName: stream, ShardId: shard, ShardIteratorType: type, ...extra,
  }))).ShardIterator;
}

async function readAll(stream, shard, type, extra) {
  let it = await iterator(stream, shard, type, extra);
  const records = [];
  for (let i = 0; i < 100 && it; i++) {
    const res = await send(new GetRecordsCommand({ ShardIterator: it }));
    records.push(...res.Records);
    it = res.NextShardIterator;
    if (res.Records.length === 0) break;
  }
  return records;
}

describe("streams", () => {
  test("create, describe with exact shard ranges, delete", async () => {
    await create("js-s", 3);
    await rejectsWith(create("js-s", 1), ResourceInUseException,
      `Stream js-s under account ${ACCOUNT} already exists.`);
    const d = (await send(new DescribeStreamCommand({ StreamName: "js-s" }))).StreamDescription;
    assert.equal(d.StreamARN, arnOf("js-s"));
    assert.equal(d.StreamStatus, "ACTIVE");
    assert.deepEqual(d.StreamModeDetails, { StreamMode: "PROVISIONED" });
    assert.equal(d.RetentionPeriodHours, 24);
    assert.equal(d.HasMoreShards, false);
    assert.ok(d.StreamCreationTimestamp instanceof Date);
    assert.ok(Math.abs(d.StreamCreationTimestamp.getTime() - Date.now()) < 60000);
    assert.deepEqual(d.Shards.map((s) => s.ShardId), [0, 1, 2].map(shardId));
    assert.deepEqual(
      d.Shards.map((s) => [BigInt(s.HashKeyRange.StartingHashKey),
        BigInt(s.HashKeyRange.EndingHashKey)]),
      evenRanges(3));
    assert.equal(d.Shards[0].HashKeyRange.EndingHashKey,
      "113427455640312821154458202477256070484");

    const page = (await send(new DescribeStreamCommand({
      StreamName: "js-s", Limit: 2, ExclusiveStartShardId: shardId(0),
    }))).StreamDescription;
    assert.deepEqual(page.Shards.map((s) => s.ShardId), [shardId(1), shardId(2)]);
    assert.equal(page.HasMoreShards, false);

    await send(new DeleteStreamCommand({ StreamARN: arnOf("js-s") }));
    await rejectsWith(send(new DescribeStreamSummaryCommand({ StreamName: "js-s" })),
      ResourceNotFoundException, `Stream js-s under account ${ACCOUNT} not found.`);
  });

  test("on-demand streams and summaries", async () => {
    await send(new CreateStreamCommand({
      StreamName: "js-od", StreamModeDetails: { StreamMode: "ON_DEMAND" },
    }));
    const s = (await send(new DescribeStreamSummaryCommand({ StreamARN: arnOf("js-od") })))
      .StreamDescriptionSummary;
    assert.equal(s.StreamName, "js-od");
    assert.deepEqual(s.StreamModeDetails, { StreamMode: "ON_DEMAND" });
    assert.equal(s.OpenShardCount, 4);
    assert.equal(s.ConsumerCount, 0);
    assert.equal(s.EncryptionType, "NONE");
  });

  test("ListStreams pages with NextToken and carries summaries", async () => {
    for (const n of ["js-l-a", "js-l-b", "js-l-c"]) await create(n);
    const names = [];
    const summaries = [];
    for await (const page of paginateListStreams({ client: kinesis, pageSize: 2 }, {})) {
      assert.ok(page.StreamNames.length <= 2);
      names.push(...page.StreamNames);
      summaries.push(...(page.StreamSummaries ?? []));
    }
    assert.deepEqual(names.filter((n) => n.startsWith("js-l-")), ["js-l-a", "js-l-b", "js-l-c"]);
    assert.deepEqual(summaries.map((s) => s.StreamName), names);
    const a = summaries.find((s) => s.StreamName === "js-l-a");
    assert.equal(a.StreamARN, arnOf("js-l-a"));
    assert.ok(a.StreamCreationTimestamp instanceof Date);
  });

  test("ListShards pages with NextToken alone", async () => {
    await create("js-ls", 5);
    // After the first page only NextToken (and MaxResults) may be sent: it names the stream.
    let page = await send(new ListShardsCommand({ StreamName: "js-ls", MaxResults: 2 }));
    const ids = page.Shards.map((s) => s.ShardId);
    while (page.NextToken) {
      page = await send(new ListShardsCommand({ NextToken: page.NextToken, MaxResults: 2 }));
      assert.ok(page.Shards.length <= 2);
      ids.push(...page.Shards.map((s) => s.ShardId));
    }
    assert.deepEqual(ids, [0, 1, 2, 3, 4].map(shardId));
    const first = await send(new ListShardsCommand({ StreamName: "js-ls", MaxResults: 2 }));
    await rejectsWith(send(new ListShardsCommand({
      StreamName: "js-ls", NextToken: first.NextToken,
    })), InvalidArgumentException, "NextToken and StreamName cannot be provided together.");
  });

  test("retention period and tags", async () => {
    await create("js-rt");
    await send(new IncreaseStreamRetentionPeriodCommand({
      StreamName: "js-rt", RetentionPeriodHours: 72,
    }));
    await rejectsWith(send(new IncreaseStreamRetentionPeriodCommand({
      StreamName: "js-rt", RetentionPeriodHours: 48,
    })), InvalidArgumentException,
    "Requested retention period (48 hours) for stream js-rt can not be shorter than existing "
      + "retention period (72 hours). Use DecreaseRetentionPeriod API.");
    await rejectsWith(send(new DecreaseStreamRetentionPeriodCommand({
      StreamName: "js-rt", RetentionPeriodHours: 12,
    })), InvalidArgumentException,
    "Minimum allowed retention period is 24 hours. Requested retention period (12 hours) is "
      + "too short.");
    await send(new DecreaseStreamRetentionPeriodCommand({
      StreamARN: arnOf("js-rt"), RetentionPeriodHours: 36,
    }));
    const s = (await send(new DescribeStreamSummaryCommand({ StreamName: "js-rt" })))
      .StreamDescriptionSummary;
    assert.equal(s.RetentionPeriodHours, 36);

    await send(new AddTagsToStreamCommand({ StreamName: "js-rt", Tags: { b: "2", a: "1" } }));
    await send(new RemoveTagsFromStreamCommand({ StreamARN: arnOf("js-rt"), TagKeys: ["b"] }));
    const tags = await send(new ListTagsForStreamCommand({ StreamName: "js-rt" }));
    assert.deepEqual(tags.Tags, [{ Key: "a", Value: "1" }]);
    assert.equal(tags.HasMoreTags, false);
  });

  test("validation and limit errors", async () => {
    await rejectsWith(create("bad name", 1), ValidationException,
      "1 validation error detected: Value 'bad name' at 'streamName' failed to satisfy "
        + "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
    await rejectsWith(create("js-huge", 100000), LimitExceededException,
      new RegExp(`^This request would exceed the shard limit for the account ${ACCOUNT} in `
        + "us-east-1\\."));
  });
});

describe("records", () => {
  test("PutRecord places by MD5 or ExplicitHashKey; GetRecords returns bytes", async () => {
    await create("js-r", 3);
    const ranges = evenRanges(3);
    const sent = [];
    for (let i = 0; i < 30; i++) {
      const key = `user-${i}`;
      const res = await send(new PutRecordCommand({
        StreamName: "js-r", PartitionKey: key, Data: bytes(`v${i}`),
      }));
      assert.equal(res.ShardId, shardId(shardFor(hashKey(key), ranges)), key);
      assert.match(res.SequenceNumber, /^\d{56}$/);
      sent.push({ ...res, key, data: `v${i}` });
    }
    const explicit = await send(new PutRecordCommand({
      StreamARN: arnOf("js-r"), PartitionKey: "x", Data: new Uint8Array([0, 255]),
      ExplicitHashKey: ranges[2][0].toString(),
    }));
    assert.equal(explicit.ShardId, shardId(2));
    await rejectsWith(send(new PutRecordCommand({
      StreamName: "js-r", PartitionKey: "x", Data: bytes("x"),
      ExplicitHashKey: (1n << 128n).toString(),
    })), InvalidArgumentException, /ExplicitHashKey/);

    const t0 = Date.now();
    const got = await readAll("js-r", shardId(2));
    const want = sent.filter((r) => r.ShardId === shardId(2));
    assert.deepEqual(got.slice(0, -1).map((r) => [r.SequenceNumber, r.PartitionKey,
      text(r.Data)]), want.map((r) => [r.SequenceNumber, r.key, r.data]));
    const last = got.at(-1);
    assert.deepEqual([...last.Data], [0, 255]);
    assert.ok(last.ApproximateArrivalTimestamp instanceof Date);
    assert.ok(Math.abs(last.ApproximateArrivalTimestamp.getTime() - t0) < 60000);
  });

  test("PutRecords: 500 records with per-record results", async () => {
    await create("js-b", 2);
    const ranges = evenRanges(2);
    const Records = Array.from({ length: 500 }, (_, i) => ({
      Data: bytes(`r${i}`), PartitionKey: `k${i}`,
    }));
    const res = await send(new PutRecordsCommand({ StreamARN: arnOf("js-b"), Records }));
    assert.equal(res.FailedRecordCount, 0);
    assert.equal(res.Records.length, 500);
    res.Records.forEach((r, i) => {
      assert.equal(r.ShardId, shardId(shardFor(hashKey(`k${i}`), ranges)));
      assert.equal(r.ErrorCode, undefined);
    });
    const all = [...await readAll("js-b", shardId(0)), ...await readAll("js-b", shardId(1))];
    assert.equal(all.length, 500);
    await rejectsWith(send(new PutRecordsCommand({
      StreamName: "js-b", Records: [...Records, { Data: bytes("x"), PartitionKey: "x" }],
    })), ValidationException, /at 'records' failed to satisfy constraint/);
  });

  test("iterator types and GetRecords paging", async () => {
    await create("js-i", 2);
    const seqs = [];
    for (let i = 0; i < 5; i++) {
      seqs.push((await send(new PutRecordCommand({
        StreamName: "js-i", PartitionKey: "p", Data: bytes(`d${i}`), ExplicitHashKey: "1",
        SequenceNumberForOrdering: seqs.at(-1),
      }))).SequenceNumber);
    }
    assert.deepEqual([...seqs].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)), seqs);
    const data = (records) => records.map((r) => text(r.Data));
    assert.deepEqual(data(await readAll("js-i", shardId(0))), ["d0", "d1", "d2", "d3", "d4"]);
    assert.deepEqual(data(await readAll("js-i", shardId(0), "AT_SEQUENCE_NUMBER",
      { StartingSequenceNumber: seqs[3] })), ["d3", "d4"]);
    assert.deepEqual(data(await readAll("js-i", shardId(0), "AFTER_SEQUENCE_NUMBER",
      { StartingSequenceNumber: seqs[3] })), ["d4"]);
    assert.deepEqual(data(await readAll("js-i", shardId(0), "AT_TIMESTAMP",
      { Timestamp: new Date(Date.now() - 60000) })), ["d0", "d1", "d2", "d3", "d4"]);
    const latest = await iterator("js-i", shardId(0), "LATEST");
    await send(new PutRecordCommand({
      StreamName: "js-i", PartitionKey: "p", Data: bytes("d5"), ExplicitHashKey: "1",
    }));
    const res = await send(new GetRecordsCommand({
      ShardIterator: latest, StreamARN: arnOf("js-i"),
    }));
    assert.deepEqual(data(res.Records), ["d5"]);
    assert.equal(res.MillisBehindLatest, 0);

    let it = await iterator("js-i", shardId(0));
    const pages = [];
    for (;;) {
      const page = await send(new GetRecordsCommand({ ShardIterator: it, Limit: 4 }));
      if (page.Records.length === 0) break;
      pages.push(data(page.Records));
      it = page.NextShardIterator;
    }
    assert.deepEqual(pages, [["d0", "d1", "d2", "d3"], ["d4", "d5"]]);

    await rejectsWith(iterator("js-i", shardId(1), "AT_SEQUENCE_NUMBER",
      { StartingSequenceNumber: seqs[0] }), InvalidArgumentException,
    `Invalid StartingSequenceNumber. It encodes ${shardId(0)}, while it was used in a call to `
      + `a shard with ${shardId(1)}`);
    await rejectsWith(iterator("js-i", shardId(9), "LATEST"), ResourceNotFoundException,
      `Shard ${shardId(9)} in stream js-i under account ${ACCOUNT} does not exist`);
  });
});

describe("resharding", () => {
  test("split, read the parent to its end, merge, update shard count", async () => {
    await create("js-x", 1);
    await send(new PutRecordCommand({ StreamName: "js-x", PartitionKey: "p", Data: bytes("old") }));
    const half = (1n << 127n).toString();
    await send(new SplitShardCommand({
      StreamARN: arnOf("js-x"), ShardToSplit: shardId(0), NewStartingHashKey: half,
    }));
    let shards = (await send(new ListShardsCommand({ StreamName: "js-x" }))).Shards;
    assert.deepEqual(shards.map((s) => [s.ShardId, s.ParentShardId]),
      [[shardId(0), undefined], [shardId(1), shardId(0)], [shardId(2), shardId(0)]]);
    assert.ok(shards[0].SequenceNumberRange.EndingSequenceNumber);

    let it = await iterator("js-x", shardId(0));
    let res;
    const seen = [];
    for (let i = 0; i < 10; i++) {
      res = await send(new GetRecordsCommand({ ShardIterator: it }));
      seen.push(...res.Records.map((r) => text(r.Data)));
      if (!res.NextShardIterator) break;
      it = res.NextShardIterator;
    }
    assert.deepEqual(seen, ["old"]);
    assert.equal(res.NextShardIterator, undefined);
    assert.deepEqual(res.ChildShards.map((c) => [c.ShardId, c.ParentShards]).sort(),
      [[shardId(1), [shardId(0)]], [shardId(2), [shardId(0)]]]);

    await send(new MergeShardsCommand({
      StreamName: "js-x", ShardToMerge: shardId(1), AdjacentShardToMerge: shardId(2),
    }));
    shards = (await send(new ListShardsCommand({
      StreamName: "js-x", ShardFilter: { Type: "AT_LATEST" },
    }))).Shards;
    assert.equal(shards.length, 1);
    assert.equal(shards[0].ShardId, shardId(3));
    assert.equal(shards[0].ParentShardId, shardId(1));
    assert.equal(shards[0].AdjacentParentShardId, shardId(2));
    assert.deepEqual(shards[0].HashKeyRange,
      { StartingHashKey: "0", EndingHashKey: MAX_HASH_KEY.toString() });
    await rejectsWith(send(new MergeShardsCommand({
      StreamName: "js-x", ShardToMerge: shardId(1), AdjacentShardToMerge: shardId(2),
    })), ResourceInUseException,
    `Shard ${shardId(1)} in stream js-x under account ${ACCOUNT} has already been merged or `
      + "split, and thus is not eligible for merging or splitting.");

    const up = await send(new UpdateShardCountCommand({
      StreamName: "js-x", TargetShardCount: 2, ScalingType: "UNIFORM_SCALING",
    }));
    assert.equal(up.CurrentShardCount, 1);
    assert.equal(up.TargetShardCount, 2);
    shards = (await send(new ListShardsCommand({
      StreamName: "js-x", ShardFilter: { Type: "AT_LATEST" },
    }))).Shards;
    assert.deepEqual(shards.map((s) => [BigInt(s.HashKeyRange.StartingHashKey),
      BigInt(s.HashKeyRange.EndingHashKey)]), evenRanges(2));
    for (const s of shards) assert.equal(s.ParentShardId, shardId(3));
    await rejectsWith(send(new UpdateShardCountCommand({
      StreamName: "js-x", TargetShardCount: 5, ScalingType: "UNIFORM_SCALING",
    })), LimitExceededException);
  });
});
