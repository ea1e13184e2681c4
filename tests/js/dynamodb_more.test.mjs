// DynamoDB beyond single items, through the AWS SDK for JavaScript v3: secondary indexes, table
// streams read with @aws-sdk/client-dynamodb-streams, transactions, time to live and PartiQL,
// each through DynamoDBClient and lib-dynamodb's DynamoDBDocumentClient.
//
// As in dynamodb.test.mjs, every DynamoDB client carries a deserialize-step middleware that checks
// x-amz-crc32 against the bytes of each answer, since the v3 clients do not.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  BatchExecuteStatementCommand, CreateTableCommand, DescribeTableCommand,
  DescribeTimeToLiveCommand, DuplicateItemException, DynamoDBClient, DynamoDBServiceException,
  ExecuteStatementCommand as RawExecuteStatementCommand, IdempotentParameterMismatchException,
  ResourceNotFoundException, TransactionCanceledException,
  TransactWriteItemsCommand, UpdateTableCommand, UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand, DynamoDBStreamsClient, DynamoDBStreamsServiceException,
  GetRecordsCommand, GetShardIteratorCommand, ListStreamsCommand,
  ResourceNotFoundException as StreamNotFoundException,
} from "@aws-sdk/client-dynamodb-streams";
import {
  BatchExecuteStatementCommand as DocBatchExecuteStatementCommand, BatchWriteCommand,
  DeleteCommand, DynamoDBDocumentClient, ExecuteStatementCommand, ExecuteTransactionCommand,
  GetCommand, PutCommand, QueryCommand, ScanCommand, TransactGetCommand, TransactWriteCommand,
  UpdateCommand, paginateQuery, paginateScan,
} from "@aws-sdk/lib-dynamodb";
import { clientConfig, crc32Checker, startServerlite } from "./serverlite.mjs";

const ACCOUNT = "000000000000";
const arnOf = (name) => `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${name}`;

let sl;
let ddb;
let doc;
let streams;
const answers = { checked: 0 };
const clients = [];

function client() {
  const c = new DynamoDBClient(clientConfig(sl.endpoint));
  c.middlewareStack.use({ applyToStack: crc32Checker(answers) });
  clients.push(c);
  return c;
}

before(async () => {
  sl = await startServerlite("tables");
  ddb = client();
  doc = DynamoDBDocumentClient.from(ddb);
  // DynamoDB Streams has its own endpoint in AWS; serverlite answers both on one port.
  streams = new DynamoDBStreamsClient(clientConfig(sl.endpoint));
  clients.push(streams);
});
after(async () => {
  for (const c of clients) c.destroy();
  if (sl) assert.equal(await sl.stop(), 0, "serverlite exits 0 on SIGTERM");
});

const send = (command) => ddb.send(command);

// Asserts that `promise` rejects with a service exception named `name` (an instance of `type`
// when given), HTTP 400, and `message` (a string for equality, a RegExp to match).
async function rejectsWith(promise, name, message, type) {
  let caught;
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof DynamoDBServiceException || e instanceof DynamoDBStreamsServiceException,
      `not a service exception: ${e}`);
    if (type) assert.ok(e instanceof type, `${e.name} (${e.message}) is not ${type.name}`);
    assert.equal(e.name, name, e.message);
    assert.equal(e.$fault, "client");
    assert.equal(e.$metadata.httpStatusCode, 400);
    if (typeof message === "string") assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    caught = e;
    return true;
  });
  return caught;
}
const validation = (promise, message) => rejectsWith(promise, "ValidationException", message);

// A pay-per-request table keyed pk (S) + sk (N), or pk alone when `range` is false; `extra` is
// merged into the CreateTable input (indexes, streams, more attribute definitions).
async function table(name, { range = true, attributes = [], ...extra } = {}) {
  const KeySchema = [{ AttributeName: "pk", KeyType: "HASH" }];
  const AttributeDefinitions = [{ AttributeName: "pk", AttributeType: "S" }];
  if (range) {
    KeySchema.push({ AttributeName: "sk", KeyType: "RANGE" });
    AttributeDefinitions.push({ AttributeName: "sk", AttributeType: "N" });
  }
  AttributeDefinitions.push(...attributes);
  return (await send(new CreateTableCommand({
    TableName: name, KeySchema, AttributeDefinitions, BillingMode: "PAY_PER_REQUEST", ...extra,
  }))).TableDescription;
}

// Orders keyed pk (customer) + sk (order number), with
//   GSI byStatus (status, created), INCLUDE [total]: only items with a status are in it;
//   GSI byCoupon (coupon), KEYS_ONLY: sparse, few items carry a coupon;
//   LSI byCreated (pk, created), KEYS_ONLY: reads of other attributes fetch from the table.
const ordersTable = (name, extra = {}) => table(name, {
  attributes: [{ AttributeName: "status", AttributeType: "S" },
    { AttributeName: "created", AttributeType: "N" },
    { AttributeName: "coupon", AttributeType: "S" }],
  GlobalSecondaryIndexes: [
    { IndexName: "byStatus",
      KeySchema: [{ AttributeName: "status", KeyType: "HASH" },
        { AttributeName: "created", KeyType: "RANGE" }],
      Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: ["total"] } },
    { IndexName: "byCoupon", KeySchema: [{ AttributeName: "coupon", KeyType: "HASH" }],
      Projection: { ProjectionType: "KEYS_ONLY" } },
  ],
  LocalSecondaryIndexes: [
    { IndexName: "byCreated",
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "created", KeyType: "RANGE" }],
      Projection: { ProjectionType: "KEYS_ONLY" } },
  ],
  ...extra,
});

const ids = (items) => items.map((i) => `${i.pk}/${i.sk}`).sort();

describe("secondary indexes", () => {
  test("DescribeTable shows both kinds of index with their counts, sizes and ARNs", async () => {
    const created = await ordersTable("js-idx-describe");
    assert.deepEqual(created.GlobalSecondaryIndexes.map((g) => g.IndexName).sort(),
      ["byCoupon", "byStatus"]);
    assert.equal(created.LocalSecondaryIndexes[0].IndexName, "byCreated");
    await doc.send(new PutCommand({ TableName: "js-idx-describe", Item: {
      pk: "c1", sk: 1, status: "open", created: 10, total: 5 } }));
    await doc.send(new PutCommand({ TableName: "js-idx-describe", Item: {
      pk: "c1", sk: 2, status: "open", created: 11, coupon: "X" } }));
    await doc.send(new PutCommand({ TableName: "js-idx-describe", Item: { pk: "c2", sk: 1 } }));

    const t = (await send(new DescribeTableCommand({ TableName: "js-idx-describe" }))).Table;
    assert.equal(t.ItemCount, 3);
    assert.deepEqual(t.AttributeDefinitions.map((a) => a.AttributeName).sort(),
      ["coupon", "created", "pk", "sk", "status"]);
    const gsis = Object.fromEntries(t.GlobalSecondaryIndexes.map((g) => [g.IndexName, g]));
    const byStatus = gsis.byStatus;
    assert.equal(byStatus.IndexStatus, "ACTIVE");
    assert.deepEqual(byStatus.KeySchema, [{ AttributeName: "status", KeyType: "HASH" },
      { AttributeName: "created", KeyType: "RANGE" }]);
    assert.deepEqual(byStatus.Projection,
      { ProjectionType: "INCLUDE", NonKeyAttributes: ["total"] });
    assert.equal(byStatus.ItemCount, 2);
    assert.ok(byStatus.IndexSizeBytes > 0, `IndexSizeBytes ${byStatus.IndexSizeBytes}`);
    assert.equal(byStatus.IndexArn, `${arnOf("js-idx-describe")}/index/byStatus`);
    // On-demand: a GSI has no capacity of its own, reported as zeros.
    assert.deepEqual(byStatus.ProvisionedThroughput,
      { NumberOfDecreasesToday: 0, ReadCapacityUnits: 0, WriteCapacityUnits: 0 });
    assert.equal(gsis.byCoupon.ItemCount, 1, "only the item with a coupon");
    assert.deepEqual(gsis.byCoupon.Projection, { ProjectionType: "KEYS_ONLY" });

    const [lsi] = t.LocalSecondaryIndexes;
    assert.equal(t.LocalSecondaryIndexes.length, 1);
    assert.equal(lsi.IndexName, "byCreated");
    assert.deepEqual(lsi.KeySchema, [{ AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "created", KeyType: "RANGE" }]);
    assert.equal(lsi.ItemCount, 2);
    assert.ok(lsi.IndexSizeBytes > 0);
    assert.equal(lsi.IndexArn, `${arnOf("js-idx-describe")}/index/byCreated`);
    // A local index lives and dies with its table: it has no status of its own.
    assert.equal(lsi.IndexStatus, undefined);
  });

  test("Query a GSI with paginateQuery: projected attributes, both key sets in each page key",
    async () => {
      await ordersTable("js-idx-query");
      const items = Array.from({ length: 20 }, (_, i) => ({
        pk: `c${i % 3}`, sk: i, status: i % 4 === 0 ? "shipped" : "open", created: 100 + (i % 7),
        total: i * 10, note: `n${i}`,
      }));
      await doc.send(new BatchWriteCommand({ RequestItems: {
        "js-idx-query": items.map((Item) => ({ PutRequest: { Item } })),
      } }));
      const open = items.filter((i) => i.status === "open");

      const pages = [];
      for await (const page of paginateQuery({ client: doc, pageSize: 4 }, {
        TableName: "js-idx-query", IndexName: "byStatus", KeyConditionExpression: "#s = :s",
        ExpressionAttributeNames: { "#s": "status" }, ExpressionAttributeValues: { ":s": "open" },
        ScanIndexForward: false,
      })) {
        assert.ok(page.Items.length <= 4);
        // A page of an index resumes from the index key and the table key of its last entry.
        if (page.LastEvaluatedKey) {
          assert.deepEqual(Object.keys(page.LastEvaluatedKey).sort(),
            ["created", "pk", "sk", "status"]);
        }
        pages.push(page);
      }
      const got = pages.flatMap((p) => p.Items);
      assert.equal(got.length, open.length);
      assert.deepEqual(ids(got), ids(open), "every entry once");
      const created = got.map((i) => i.created);
      assert.deepEqual(created, [...created].sort((a, b) => b - a), "descending index sort key");
      // INCLUDE [total]: the table key, the index key and total; never note.
      for (const i of got) {
        assert.deepEqual(Object.keys(i).sort(), ["created", "pk", "sk", "status", "total"]);
        assert.equal(i.total, i.sk * 10);
      }

      const between = await doc.send(new QueryCommand({
        TableName: "js-idx-query", IndexName: "byStatus",
        KeyConditionExpression: "#s = :s AND created BETWEEN :lo AND :hi",
        FilterExpression: "#t >= :t", ProjectionExpression: "pk, sk, #t",
        ExpressionAttributeNames: { "#s": "status", "#t": "total" },
        ExpressionAttributeValues: { ":s": "open", ":lo": 101, ":hi": 102, ":t": 50 },
      }));
      const want = open.filter((i) => i.created >= 101 && i.created <= 102 && i.total >= 50);
      assert.deepEqual(ids(between.Items), ids(want));
      assert.ok(between.ScannedCount >= between.Count);
      for (const i of between.Items) assert.deepEqual(Object.keys(i).sort(), ["pk", "sk", "total"]);

      // A GSI holds copies updated a moment later: strongly consistent reads are refused.
      await validation(doc.send(new QueryCommand({
        TableName: "js-idx-query", IndexName: "byStatus", KeyConditionExpression: "#s = :s",
        ExpressionAttributeNames: { "#s": "status" }, ExpressionAttributeValues: { ":s": "open" },
        ConsistentRead: true,
      })), "Consistent reads are not supported on global secondary indexes");
      await validation(doc.send(new QueryCommand({
        TableName: "js-idx-query", IndexName: "byStatus", KeyConditionExpression: "#s = :s",
        ExpressionAttributeNames: { "#s": "status" }, ExpressionAttributeValues: { ":s": "open" },
        ProjectionExpression: "note",
      })), "One or more parameter values were invalid: Global secondary index byStatus does not "
        + "project [note]");
      await validation(doc.send(new QueryCommand({
        TableName: "js-idx-query", IndexName: "nope", KeyConditionExpression: "pk = :p",
        ExpressionAttributeValues: { ":p": "c1" },
      })), "The table does not have the specified index: nope");
    });

  test("an LSI shares the partition key; asking for more attributes reads the table", async () => {
    await ordersTable("js-idx-lsi");
    for (let sk = 1; sk <= 5; sk++) {
      await doc.send(new PutCommand({ TableName: "js-idx-lsi", Item: {
        pk: "c", sk, created: 50 - sk, note: `n${sk}` } }));
    }
    await doc.send(new PutCommand({ TableName: "js-idx-lsi", Item: { pk: "c", sk: 6 } }));
    const lt = await doc.send(new QueryCommand({
      TableName: "js-idx-lsi", IndexName: "byCreated",
      KeyConditionExpression: "pk = :c AND created < :x",
      ExpressionAttributeValues: { ":c": "c", ":x": 48 },
    }));
    assert.deepEqual(lt.Items, [{ pk: "c", sk: 5, created: 45 }, { pk: "c", sk: 4, created: 46 },
      { pk: "c", sk: 3, created: 47 }]);
    const all = await doc.send(new QueryCommand({
      TableName: "js-idx-lsi", IndexName: "byCreated", KeyConditionExpression: "pk = :c",
      ExpressionAttributeValues: { ":c": "c" }, Select: "ALL_ATTRIBUTES", ConsistentRead: true,
    }));
    assert.deepEqual(all.Items.map((i) => i.note), ["n5", "n4", "n3", "n2", "n1"],
      "sk 6 has no created: not in the index");
    const scanned = await doc.send(new ScanCommand({
      TableName: "js-idx-lsi", IndexName: "byCreated",
    }));
    assert.equal(scanned.Count, 5);
    assert.equal(scanned.ScannedCount, 5);
  });

  test("a sparse GSI holds only the items that carry its key", async () => {
    await ordersTable("js-idx-sparse");
    await doc.send(new BatchWriteCommand({ RequestItems: { "js-idx-sparse": [
      { PutRequest: { Item: { pk: "a", sk: 1, coupon: "SAVE" } } },
      { PutRequest: { Item: { pk: "a", sk: 2 } } },
      { PutRequest: { Item: { pk: "b", sk: 1, coupon: "SAVE", note: "x" } } },
      { PutRequest: { Item: { pk: "b", sk: 2, coupon: "FREE" } } },
      { PutRequest: { Item: { pk: "c", sk: 1, status: "open", created: 1 } } },
    ] } }));
    const entries = [];
    for await (const page of paginateScan({ client: doc, pageSize: 2 }, {
      TableName: "js-idx-sparse", IndexName: "byCoupon",
    })) entries.push(...page.Items);
    assert.deepEqual(ids(entries), ["a/1", "b/1", "b/2"]);
    // KEYS_ONLY: the table key and the index key, nothing else.
    for (const e of entries) assert.deepEqual(Object.keys(e).sort(), ["coupon", "pk", "sk"]);
    const save = await doc.send(new QueryCommand({
      TableName: "js-idx-sparse", IndexName: "byCoupon", KeyConditionExpression: "coupon = :c",
      ExpressionAttributeValues: { ":c": "SAVE" }, Select: "COUNT",
    }));
    assert.equal(save.Count, 2);
    assert.equal(save.Items, undefined);
    // Segments of an index scan split its entries, not the table's items.
    const segments = [];
    for (let Segment = 0; Segment < 2; Segment++) {
      const r = await doc.send(new ScanCommand({
        TableName: "js-idx-sparse", IndexName: "byCoupon", Segment, TotalSegments: 2,
      }));
      segments.push(...r.Items);
    }
    assert.deepEqual(ids(segments), ["a/1", "b/1", "b/2"]);
  });

  test("an index entry moves when its key changes and leaves with the key or the item",
    async () => {
      await ordersTable("js-idx-move");
      const TableName = "js-idx-move";
      const byStatus = async (status) => (await doc.send(new QueryCommand({
        TableName, IndexName: "byStatus", KeyConditionExpression: "#s = :s",
        ExpressionAttributeNames: { "#s": "status" }, ExpressionAttributeValues: { ":s": status },
      }))).Items;
      for (let sk = 1; sk <= 4; sk++) {
        await doc.send(new PutCommand({ TableName, Item: {
          pk: "m", sk, status: "open", created: sk, total: sk } }));
      }
      assert.deepEqual(ids(await byStatus("open")), ["m/1", "m/2", "m/3", "m/4"]);

      await doc.send(new UpdateCommand({
        TableName, Key: { pk: "m", sk: 1 }, UpdateExpression: "SET #s = :s, #t = :t",
        ExpressionAttributeNames: { "#s": "status", "#t": "total" },
        ExpressionAttributeValues: { ":s": "shipped", ":t": 99 },
      }));
      await doc.send(new UpdateCommand({
        TableName, Key: { pk: "m", sk: 2 }, UpdateExpression: "REMOVE #s",
        ExpressionAttributeNames: { "#s": "status" },
      }));
      // A put replaces the whole item: its old index entry goes, its new one comes.
      await doc.send(new PutCommand({ TableName, Item: {
        pk: "m", sk: 3, status: "shipped", created: 30 } }));
      await doc.send(new DeleteCommand({ TableName, Key: { pk: "m", sk: 4 } }));

      assert.deepEqual(await byStatus("open"), []);
      const shipped = await byStatus("shipped");
      assert.deepEqual(shipped, [
        { pk: "m", sk: 1, status: "shipped", created: 1, total: 99 },
        { pk: "m", sk: 3, status: "shipped", created: 30 },
      ]);
      // The sort key moves too: created 1 → 40 reorders the entry.
      await doc.send(new UpdateCommand({
        TableName, Key: { pk: "m", sk: 1 }, UpdateExpression: "SET created = :c",
        ExpressionAttributeValues: { ":c": 40 },
      }));
      assert.deepEqual((await byStatus("shipped")).map((i) => i.sk), [3, 1]);
      const t = (await send(new DescribeTableCommand({ TableName }))).Table;
      const counts = Object.fromEntries(t.GlobalSecondaryIndexes.map((g) => [g.IndexName,
        g.ItemCount]));
      assert.deepEqual(counts, { byStatus: 2, byCoupon: 0 });
      assert.equal(t.LocalSecondaryIndexes[0].ItemCount, 3, "created on sk 1, 2 and 3");
    });

  test("the serverless.yml table's indexes and stream", async () => {
    const t = (await send(new DescribeTableCommand({ TableName: "orders" }))).Table;
    assert.deepEqual(t.GlobalSecondaryIndexes.map((g) => [g.IndexName, g.Projection]),
      [["byState", { ProjectionType: "KEYS_ONLY" }]]);
    assert.deepEqual(t.LocalSecondaryIndexes.map((g) => [g.IndexName, g.Projection]),
      [["byCustomerState", { ProjectionType: "INCLUDE", NonKeyAttributes: ["total"] }]]);
    await doc.send(new PutCommand({ TableName: "orders", Item: {
      customer: "grace", placed: 1, state: "paid", total: 3, note: "x" } }));
    const byState = await doc.send(new QueryCommand({
      TableName: "orders", IndexName: "byState", KeyConditionExpression: "#s = :s",
      ExpressionAttributeNames: { "#s": "state" }, ExpressionAttributeValues: { ":s": "paid" },
    }));
    assert.deepEqual(byState.Items, [{ customer: "grace", placed: 1, state: "paid" }]);
    const lsi = await doc.send(new QueryCommand({
      TableName: "orders", IndexName: "byCustomerState",
      KeyConditionExpression: "customer = :c AND begins_with(#s, :p)",
      ExpressionAttributeNames: { "#s": "state" },
      ExpressionAttributeValues: { ":c": "grace", ":p": "pa" },
    }));
    assert.deepEqual(lsi.Items, [{ customer: "grace", placed: 1, state: "paid", total: 3 }]);
    const recs = await streamRecords(t.LatestStreamArn);
    const mine = recs.filter((r) => r.dynamodb.Keys.customer.S === "grace");
    assert.deepEqual(mine.map((r) => r.eventName), ["INSERT"]);
    assert.equal(mine[0].dynamodb.StreamViewType, "NEW_IMAGE");
    assert.deepEqual(mine[0].dynamodb.NewImage.note, { S: "x" });
  });

  test("UpdateTable adds a GSI over the existing items and removes it", async () => {
    await table("js-idx-update", { range: false });
    for (let i = 0; i < 12; i++) {
      await doc.send(new PutCommand({ TableName: "js-idx-update",
        Item: { pk: `p${i}`, email: `u${i % 4}@x` } }));
    }
    const out = (await send(new UpdateTableCommand({
      TableName: "js-idx-update",
      AttributeDefinitions: [{ AttributeName: "email", AttributeType: "S" }],
      GlobalSecondaryIndexUpdates: [{ Create: {
        IndexName: "byEmail", KeySchema: [{ AttributeName: "email", KeyType: "HASH" }],
        Projection: { ProjectionType: "ALL" } } }],
    }))).TableDescription;
    assert.equal(out.GlobalSecondaryIndexes[0].IndexName, "byEmail");
    const got = await doc.send(new QueryCommand({
      TableName: "js-idx-update", IndexName: "byEmail", KeyConditionExpression: "email = :e",
      ExpressionAttributeValues: { ":e": "u1@x" },
    }));
    assert.deepEqual(got.Items.map((i) => i.pk).sort(), ["p1", "p5", "p9"]);
    await send(new UpdateTableCommand({
      TableName: "js-idx-update",
      GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: "byEmail" } }],
    }));
    const t = (await send(new DescribeTableCommand({ TableName: "js-idx-update" }))).Table;
    assert.equal(t.GlobalSecondaryIndexes, undefined);
    await validation(doc.send(new QueryCommand({
      TableName: "js-idx-update", IndexName: "byEmail", KeyConditionExpression: "email = :e",
      ExpressionAttributeValues: { ":e": "u1@x" },
    })), "The table does not have the specified index: byEmail");
  });
});

// Every record of the single shard of `arn`, read from TRIM_HORIZON (or `type`) until a page
// comes back empty.
async function streamRecords(arn, type = "TRIM_HORIZON", extra = {}) {
  const d = (await streams.send(new DescribeStreamCommand({ StreamArn: arn }))).StreamDescription;
  let it = (await streams.send(new GetShardIteratorCommand({
    StreamArn: arn, ShardId: d.Shards[0].ShardId, ShardIteratorType: type, ...extra,
  }))).ShardIterator;
  const records = [];
  for (let i = 0; i < 20 && it; i++) {
    const page = await streams.send(new GetRecordsCommand({ ShardIterator: it }));
    records.push(...page.Records);
    if (page.Records.length === 0) break;
    it = page.NextShardIterator;
  }
  return records;
}

const streamed = (name, view) => table(name, {
  range: false, StreamSpecification: { StreamEnabled: true, StreamViewType: view },
});

// The same four changes on a table: insert a, modify a, insert b, remove a.
async function fourChanges(TableName) {
  await doc.send(new PutCommand({ TableName, Item: { pk: "a", n: 1, tags: new Set(["x"]) } }));
  await doc.send(new UpdateCommand({ TableName, Key: { pk: "a" },
    UpdateExpression: "SET n = n + :one", ExpressionAttributeValues: { ":one": 1 } }));
  await doc.send(new PutCommand({ TableName, Item: { pk: "b" } }));
  await doc.send(new DeleteCommand({ TableName, Key: { pk: "a" } }));
}

describe("table streams", () => {
  test("enabled on CreateTable: INSERT, MODIFY, REMOVE with both images", async () => {
    const d = await streamed("js-st-changes", "NEW_AND_OLD_IMAGES");
    assert.deepEqual(d.StreamSpecification,
      { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" });
    const arn = d.LatestStreamArn;
    assert.match(arn, new RegExp(`^${arnOf("js-st-changes")}/stream/\\d{4}-\\d\\d-\\d\\dT`));
    assert.equal(arn, `${arnOf("js-st-changes")}/stream/${d.LatestStreamLabel}`);
    const described = (await send(new DescribeTableCommand({ TableName: "js-st-changes" }))).Table;
    assert.equal(described.LatestStreamArn, arn);

    const listed = (await streams.send(new ListStreamsCommand({ TableName: "js-st-changes" })))
      .Streams;
    assert.deepEqual(listed, [{ StreamArn: arn, TableName: "js-st-changes",
      StreamLabel: d.LatestStreamLabel }]);
    const desc = (await streams.send(new DescribeStreamCommand({ StreamArn: arn })))
      .StreamDescription;
    assert.equal(desc.StreamArn, arn);
    assert.equal(desc.StreamStatus, "ENABLED");
    assert.equal(desc.StreamViewType, "NEW_AND_OLD_IMAGES");
    assert.equal(desc.TableName, "js-st-changes");
    assert.ok(desc.CreationRequestDateTime instanceof Date);
    assert.deepEqual(desc.KeySchema, [{ AttributeName: "pk", KeyType: "HASH" }]);
    assert.match(desc.Shards[0].ShardId, /^shardId-/);
    assert.ok(desc.Shards[0].SequenceNumberRange.StartingSequenceNumber !== undefined);

    await fourChanges("js-st-changes");
    // Writing an item unchanged is no change: no record.
    await doc.send(new PutCommand({ TableName: "js-st-changes", Item: { pk: "b" } }));
    const recs = await streamRecords(arn);
    assert.deepEqual(recs.map((r) => r.eventName), ["INSERT", "MODIFY", "INSERT", "REMOVE"]);
    const [insert, modify, , remove] = recs;
    assert.equal(insert.eventSource, "aws:dynamodb");
    assert.equal(insert.eventVersion, "1.1");
    assert.equal(insert.awsRegion, "us-east-1");
    assert.match(insert.eventID, /\S/);
    assert.equal(new Set(recs.map((r) => r.eventID)).size, 4);
    const s = insert.dynamodb;
    assert.ok(s.ApproximateCreationDateTime instanceof Date);
    assert.ok(Math.abs(s.ApproximateCreationDateTime.getTime() - Date.now()) < 60000);
    assert.deepEqual(s.Keys, { pk: { S: "a" } });
    assert.deepEqual(s.NewImage, { pk: { S: "a" }, n: { N: "1" }, tags: { SS: ["x"] } });
    assert.equal(s.OldImage, undefined);
    assert.equal(s.StreamViewType, "NEW_AND_OLD_IMAGES");
    assert.ok(s.SizeBytes > 0);
    assert.deepEqual(modify.dynamodb.OldImage.n, { N: "1" });
    assert.deepEqual(modify.dynamodb.NewImage.n, { N: "2" });
    assert.deepEqual(remove.dynamodb.OldImage.n, { N: "2" });
    assert.equal(remove.dynamodb.NewImage, undefined);
    const seqs = recs.map((r) => BigInt(r.dynamodb.SequenceNumber));
    assert.deepEqual(seqs, [...seqs].sort((a, b) => (a < b ? -1 : 1)));

    const afterInsert = await streamRecords(arn, "AFTER_SEQUENCE_NUMBER",
      { SequenceNumber: s.SequenceNumber });
    assert.deepEqual(afterInsert.map((r) => r.eventName), ["MODIFY", "INSERT", "REMOVE"]);
    const atInsert = await streamRecords(arn, "AT_SEQUENCE_NUMBER",
      { SequenceNumber: s.SequenceNumber });
    assert.equal(atInsert.length, 4);
    assert.deepEqual(await streamRecords(arn, "LATEST"), []);
  });

  test("each view type carries its images", async () => {
    const want = {
      KEYS_ONLY: [[false, false], [false, false], [false, false], [false, false]],
      NEW_IMAGE: [[true, false], [true, false], [true, false], [false, false]],
      OLD_IMAGE: [[false, false], [false, true], [false, false], [false, true]],
      NEW_AND_OLD_IMAGES: [[true, false], [true, true], [true, false], [false, true]],
    };
    for (const [view, images] of Object.entries(want)) {
      const name = `js-st-view-${view.toLowerCase().replaceAll("_", "-")}`;
      const arn = (await streamed(name, view)).LatestStreamArn;
      await fourChanges(name);
      const recs = await streamRecords(arn);
      assert.deepEqual(recs.map((r) => r.eventName), ["INSERT", "MODIFY", "INSERT", "REMOVE"],
        view);
      assert.deepEqual(recs.map((r) => [r.dynamodb.NewImage !== undefined,
        r.dynamodb.OldImage !== undefined]), images, view);
      for (const r of recs) {
        assert.equal(r.dynamodb.StreamViewType, view);
        assert.ok(r.dynamodb.Keys.pk.S, `${view}: Keys in every record`);
      }
      if (view === "OLD_IMAGE") assert.deepEqual(recs[1].dynamodb.OldImage.n, { N: "1" });
      if (view === "NEW_IMAGE") assert.deepEqual(recs[1].dynamodb.NewImage.n, { N: "2" });
    }
  });

  test("disabling keeps the old stream readable; enabling again makes a new ARN", async () => {
    const first = (await streamed("js-st-toggle", "NEW_IMAGE")).LatestStreamArn;
    await doc.send(new PutCommand({ TableName: "js-st-toggle", Item: { pk: "before" } }));
    await validation(send(new UpdateTableCommand({ TableName: "js-st-toggle",
      StreamSpecification: { StreamEnabled: true, StreamViewType: "KEYS_ONLY" } })),
    "Table already has an enabled stream: TableName: js-st-toggle");

    await send(new UpdateTableCommand({ TableName: "js-st-toggle",
      StreamSpecification: { StreamEnabled: false } }));
    const off = (await send(new DescribeTableCommand({ TableName: "js-st-toggle" }))).Table;
    assert.equal(off.StreamSpecification, undefined);
    assert.equal(off.LatestStreamArn, first, "the old stream stays readable for 24 hours");
    const desc = (await streams.send(new DescribeStreamCommand({ StreamArn: first })))
      .StreamDescription;
    assert.equal(desc.StreamStatus, "DISABLED");
    assert.ok(desc.Shards[0].SequenceNumberRange.EndingSequenceNumber, "the shard is closed");
    await doc.send(new PutCommand({ TableName: "js-st-toggle", Item: { pk: "unseen" } }));

    const on = (await send(new UpdateTableCommand({ TableName: "js-st-toggle",
      StreamSpecification: { StreamEnabled: true, StreamViewType: "KEYS_ONLY" } })))
      .TableDescription;
    const second = on.LatestStreamArn;
    assert.ok(second);
    assert.notEqual(second, first);
    assert.deepEqual(on.StreamSpecification, { StreamEnabled: true, StreamViewType: "KEYS_ONLY" });
    await doc.send(new PutCommand({ TableName: "js-st-toggle", Item: { pk: "after" } }));
    assert.deepEqual((await streamRecords(first)).map((r) => r.dynamodb.Keys.pk.S), ["before"]);
    const recs = await streamRecords(second);
    assert.deepEqual(recs.map((r) => r.dynamodb.Keys.pk.S), ["after"]);
    assert.equal(recs[0].dynamodb.NewImage, undefined, "the new stream's view type");
    const listed = (await streams.send(new ListStreamsCommand({ TableName: "js-st-toggle" })))
      .Streams.map((x) => x.StreamArn);
    assert.deepEqual(listed.sort(), [first, second].sort());
  });

  test("errors of the streams API", async () => {
    const arn = (await streamed("js-st-errors", "KEYS_ONLY")).LatestStreamArn;
    await rejectsWith(streams.send(new DescribeStreamCommand({
      StreamArn: arn.replace("js-st-errors", "js-st-nope"),
    })), "ResourceNotFoundException", /\S/, StreamNotFoundException);
    await rejectsWith(streams.send(new GetShardIteratorCommand({
      StreamArn: arn, ShardId: "shardId-nope", ShardIteratorType: "TRIM_HORIZON",
    })), "ResourceNotFoundException", /\S/, StreamNotFoundException);
    await assert.rejects(streams.send(new GetRecordsCommand({ ShardIterator: "not-an-iterator" })),
      (e) => e instanceof DynamoDBStreamsServiceException && e.$metadata.httpStatusCode === 400);
    // A table that never had a stream lists none.
    await table("js-st-none", { range: false });
    assert.deepEqual((await streams.send(new ListStreamsCommand({ TableName: "js-st-none" })))
      .Streams, []);
  });
});

describe("transactions", () => {
  test("TransactWriteCommand applies Put, Update, Delete and ConditionCheck together",
    async () => {
      await table("js-tx");
      await table("js-tx-other", { range: false });
      await doc.send(new PutCommand({ TableName: "js-tx", Item: { pk: "acct", sk: 1, bal: 100 } }));
      await doc.send(new PutCommand({ TableName: "js-tx", Item: { pk: "acct", sk: 2, bal: 5 } }));
      await doc.send(new PutCommand({ TableName: "js-tx-other", Item: { pk: "lock",
        state: "free" } }));
      const out = await doc.send(new TransactWriteCommand({ TransactItems: [
        { Put: { TableName: "js-tx", Item: { pk: "acct", sk: 3, bal: 0, tags: new Set(["new"]) },
          ConditionExpression: "attribute_not_exists(pk)" } },
        { Update: { TableName: "js-tx", Key: { pk: "acct", sk: 1 },
          UpdateExpression: "SET bal = bal - :amt", ConditionExpression: "bal >= :amt",
          ExpressionAttributeValues: { ":amt": 30 } } },
        { Delete: { TableName: "js-tx", Key: { pk: "acct", sk: 2 } } },
        { ConditionCheck: { TableName: "js-tx-other", Key: { pk: "lock" },
          ConditionExpression: "#s = :free", ExpressionAttributeNames: { "#s": "state" },
          ExpressionAttributeValues: { ":free": "free" } } },
      ] }));
      assert.equal(out.$metadata.httpStatusCode, 200);
      const items = (await doc.send(new QueryCommand({
        TableName: "js-tx", KeyConditionExpression: "pk = :p",
        ExpressionAttributeValues: { ":p": "acct" },
      }))).Items;
      assert.deepEqual(items, [{ pk: "acct", sk: 1, bal: 70 },
        { pk: "acct", sk: 3, bal: 0, tags: new Set(["new"]) }]);
    });

  test("one failed condition cancels all, with a reason per action", async () => {
    await table("js-tx-cancel");
    const TableName = "js-tx-cancel";
    await doc.send(new PutCommand({ TableName, Item: { pk: "a", sk: 1, n: 1 } }));
    await doc.send(new PutCommand({ TableName, Item: { pk: "a", sk: 2, n: 2 } }));
    const e = await rejectsWith(doc.send(new TransactWriteCommand({ TransactItems: [
      { Put: { TableName, Item: { pk: "a", sk: 9, n: 9 } } },
      { Update: { TableName, Key: { pk: "a", sk: 1 }, UpdateExpression: "SET n = :ten",
        ExpressionAttributeValues: { ":ten": 10 } } },
      { ConditionCheck: { TableName, Key: { pk: "a", sk: 2 }, ConditionExpression: "n = :three",
        ExpressionAttributeValues: { ":three": 3 },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD" } },
      { Delete: { TableName, Key: { pk: "b", sk: 1 },
        ConditionExpression: "attribute_exists(pk)" } },
    ] })), "TransactionCanceledException", "Transaction cancelled, please refer cancellation "
      + "reasons for specific reasons [None, None, ConditionalCheckFailed, ConditionalCheckFailed]",
    TransactionCanceledException);
    // The SDK surfaces the reasons as modelled: one per action, in order, "None" where the action
    // was fine. lib-dynamodb does not unmarshall exceptions, so Item stays in AttributeValue form.
    assert.equal(e.CancellationReasons.length, 4);
    assert.deepEqual(e.CancellationReasons.map((r) => r.Code),
      ["None", "None", "ConditionalCheckFailed", "ConditionalCheckFailed"]);
    assert.equal(e.CancellationReasons[0].Message, undefined);
    assert.equal(e.CancellationReasons[2].Message, "The conditional request failed");
    assert.deepEqual(e.CancellationReasons[2].Item,
      { pk: { S: "a" }, sk: { N: "2" }, n: { N: "2" } });
    assert.equal(e.CancellationReasons[3].Item, undefined, "no ALL_OLD asked; no item anyway");

    const items = (await doc.send(new ScanCommand({ TableName }))).Items;
    assert.deepEqual(items.sort((x, y) => x.sk - y.sk), [{ pk: "a", sk: 1, n: 1 },
      { pk: "a", sk: 2, n: 2 }], "nothing applied");

    await validation(doc.send(new TransactWriteCommand({ TransactItems: [
      { Put: { TableName, Item: { pk: "a", sk: 1, n: 5 } } },
      { Delete: { TableName, Key: { pk: "a", sk: 1 } } },
    ] })), "Transaction request cannot include multiple operations on one item");
    await validation(doc.send(new TransactWriteCommand({ TransactItems:
      Array.from({ length: 101 }, (_, sk) => ({ Put: { TableName, Item: { pk: "z", sk } } })),
    })), /Member must have length less than or equal to 100/);
    await rejectsWith(doc.send(new TransactWriteCommand({ TransactItems: [
      { Put: { TableName: "js-tx-no-such", Item: { pk: "a" } } },
    ] })), "ResourceNotFoundException", /^Requested resource not found/,
    ResourceNotFoundException);
  });

  test("ClientRequestToken makes a retried transaction apply once", async () => {
    await table("js-tx-token", { range: false });
    const TableName = "js-tx-token";
    await doc.send(new PutCommand({ TableName, Item: { pk: "counter", n: 0 } }));
    const input = (by) => ({
      ClientRequestToken: "js-token-0001",
      TransactItems: [{ Update: { TableName, Key: { pk: "counter" },
        UpdateExpression: "ADD n :by", ExpressionAttributeValues: { ":by": by } } }],
    });
    await doc.send(new TransactWriteCommand(input(1)));
    await doc.send(new TransactWriteCommand(input(1)));
    const got = await doc.send(new GetCommand({ TableName, Key: { pk: "counter" } }));
    assert.equal(got.Item.n, 1, "the same token and request within 10 minutes apply once");
    await rejectsWith(doc.send(new TransactWriteCommand(input(2))),
      "IdempotentParameterMismatchException", /\S/, IdempotentParameterMismatchException);
    // Without a token the SDK makes a fresh one for each call, so each call applies.
    const raw = (by) => new TransactWriteItemsCommand({ TransactItems: [{ Update: {
      TableName, Key: { pk: { S: "counter" } }, UpdateExpression: "ADD n :by",
      ExpressionAttributeValues: { ":by": { N: String(by) } } } }] });
    await send(raw(10));
    await send(raw(10));
    assert.equal((await doc.send(new GetCommand({ TableName, Key: { pk: "counter" } }))).Item.n,
      21);
  });

  test("TransactGetCommand reads items from several tables in request order", async () => {
    await table("js-txget-a");
    await table("js-txget-b", { range: false });
    await doc.send(new PutCommand({ TableName: "js-txget-a", Item: { pk: "x", sk: 1, v: "one",
      extra: [1, 2] } }));
    await doc.send(new PutCommand({ TableName: "js-txget-b", Item: { pk: "y", v: new Set([1]) } }));
    const out = await doc.send(new TransactGetCommand({ TransactItems: [
      { Get: { TableName: "js-txget-b", Key: { pk: "y" } } },
      { Get: { TableName: "js-txget-a", Key: { pk: "x", sk: 2 } } },
      { Get: { TableName: "js-txget-a", Key: { pk: "x", sk: 1 }, ProjectionExpression: "v, #e",
        ExpressionAttributeNames: { "#e": "extra" } } },
    ] }));
    assert.equal(out.Responses.length, 3);
    assert.deepEqual(out.Responses[0].Item, { pk: "y", v: new Set([1]) });
    assert.equal(out.Responses[1].Item, undefined, "a missing item is an empty response");
    assert.deepEqual(out.Responses[2].Item, { v: "one", extra: [1, 2] });
    await rejectsWith(doc.send(new TransactGetCommand({ TransactItems: [
      { Get: { TableName: "js-txget-nope", Key: { pk: "y" } } },
    ] })), "ResourceNotFoundException", /^Requested resource not found/,
    ResourceNotFoundException);
  });

  test("a transaction's writes reach the table's stream", async () => {
    const arn = (await streamed("js-tx-stream", "NEW_IMAGE")).LatestStreamArn;
    await doc.send(new TransactWriteCommand({ TransactItems: [
      { Put: { TableName: "js-tx-stream", Item: { pk: "t1" } } },
      { Put: { TableName: "js-tx-stream", Item: { pk: "t2" } } },
    ] }));
    const recs = await streamRecords(arn);
    assert.deepEqual(recs.map((r) => [r.eventName, r.dynamodb.Keys.pk.S]).sort(),
      [["INSERT", "t1"], ["INSERT", "t2"]]);
  });
});

describe("time to live", () => {
  test("UpdateTimeToLive and DescribeTimeToLive", async () => {
    await table("js-ttl", { range: false });
    const TableName = "js-ttl";
    assert.deepEqual((await send(new DescribeTimeToLiveCommand({ TableName })))
      .TimeToLiveDescription, { TimeToLiveStatus: "DISABLED" });
    const on = await send(new UpdateTimeToLiveCommand({ TableName,
      TimeToLiveSpecification: { Enabled: true, AttributeName: "expires" } }));
    assert.deepEqual(on.TimeToLiveSpecification, { Enabled: true, AttributeName: "expires" });
    const described = (await send(new DescribeTimeToLiveCommand({ TableName })))
      .TimeToLiveDescription;
    assert.equal(described.AttributeName, "expires");
    assert.ok(["ENABLING", "ENABLED"].includes(described.TimeToLiveStatus),
      described.TimeToLiveStatus);
    // UpdateTimeToLive is not idempotent: enabling an enabled TTL is refused.
    await validation(send(new UpdateTimeToLiveCommand({ TableName,
      TimeToLiveSpecification: { Enabled: true, AttributeName: "expires" } })),
    "TimeToLive is already enabled");
    // Nor is disabling a TTL that was never enabled. (A change within an hour of the last one is
    // refused in AWS too, so this uses another table.)
    await table("js-ttl-off", { range: false });
    await validation(send(new UpdateTimeToLiveCommand({ TableName: "js-ttl-off",
      TimeToLiveSpecification: { Enabled: false, AttributeName: "expires" } })),
    "TimeToLive is already disabled");
    await rejectsWith(send(new DescribeTimeToLiveCommand({ TableName: "js-ttl-nope" })),
      "ResourceNotFoundException", /^Requested resource not found/, ResourceNotFoundException);
    await rejectsWith(send(new UpdateTimeToLiveCommand({ TableName: "js-ttl-nope",
      TimeToLiveSpecification: { Enabled: true, AttributeName: "expires" } })),
    "ResourceNotFoundException", /^Requested resource not found/, ResourceNotFoundException);
  });

  test("expired items are deleted by the service: a REMOVE record with its identity", async () => {
    const TableName = "js-ttl-expiry";
    const arn = (await table(TableName, { range: false,
      attributes: [{ AttributeName: "kind", AttributeType: "S" }],
      GlobalSecondaryIndexes: [{ IndexName: "byKind",
        KeySchema: [{ AttributeName: "kind", KeyType: "HASH" }],
        Projection: { ProjectionType: "KEYS_ONLY" } }],
      StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
    })).LatestStreamArn;
    await send(new UpdateTimeToLiveCommand({ TableName,
      TimeToLiveSpecification: { Enabled: true, AttributeName: "expires" } }));
    const now = Math.floor(Date.now() / 1000);
    await doc.send(new BatchWriteCommand({ RequestItems: { [TableName]: [
      { pk: "gone", expires: now - 60 },
      { pk: "future", expires: now + 3600 },
      // More than five years in the past, or not a number: not eligible for TTL.
      { pk: "ancient", expires: now - 6 * 366 * 86400 },
      { pk: "text", expires: String(now - 60) },
      { pk: "none" },
    ].map((Item) => ({ PutRequest: { Item: { ...Item, kind: "k" } } })) } }));

    // serverlite sweeps every second; DynamoDB takes up to a few days.
    const deadline = Date.now() + 10000;
    let left;
    do {
      await new Promise((resolve) => setTimeout(resolve, 200));
      left = (await doc.send(new ScanCommand({ TableName }))).Items.map((i) => i.pk).sort();
    } while (left.includes("gone") && Date.now() < deadline);
    assert.deepEqual(left, ["ancient", "future", "none", "text"]);
    const indexed = (await doc.send(new QueryCommand({ TableName, IndexName: "byKind",
      KeyConditionExpression: "kind = :k", ExpressionAttributeValues: { ":k": "k" } }))).Items;
    assert.deepEqual(indexed.map((i) => i.pk).sort(), left, "gone from the index too");

    const recs = await streamRecords(arn);
    const removes = recs.filter((r) => r.eventName === "REMOVE");
    assert.equal(removes.length, 1);
    assert.deepEqual(removes[0].dynamodb.Keys, { pk: { S: "gone" } });
    assert.deepEqual(removes[0].dynamodb.OldImage.expires, { N: String(now - 60) });
    // A TTL deletion is told apart from a user's by the identity of the service.
    assert.deepEqual(removes[0].userIdentity,
      { Type: "Service", PrincipalId: "dynamodb.amazonaws.com" });
    for (const r of recs.filter((x) => x.eventName === "INSERT")) {
      assert.equal(r.userIdentity, undefined);
    }
  });
});

describe("PartiQL", () => {
  test("ExecuteStatementCommand: INSERT, SELECT with parameters, UPDATE, DELETE", async () => {
    await table("js-pql");
    for (let sk = 1; sk <= 5; sk++) {
      const out = await doc.send(new ExecuteStatementCommand({
        Statement: "INSERT INTO \"js-pql\" VALUE {'pk': ?, 'sk': ?, 'label': ?, 'tags': ?}",
        Parameters: ["p", sk, `item ${sk}`, new Set(["t", `t${sk}`])],
      }));
      // A write statement reads nothing.
      assert.equal((out.Items ?? []).length, 0);
    }
    // INSERT never overwrites.
    await rejectsWith(doc.send(new ExecuteStatementCommand({
      Statement: "INSERT INTO \"js-pql\" VALUE {'pk': ?, 'sk': ?}", Parameters: ["p", 1],
    })), "DuplicateItemException", "Duplicate primary key exists in table",
    DuplicateItemException);

    const sel = await doc.send(new ExecuteStatementCommand({
      Statement: "SELECT sk, label FROM \"js-pql\" WHERE pk = ? AND sk >= ?",
      Parameters: ["p", 3],
    }));
    assert.deepEqual(sel.Items, [{ sk: 3, label: "item 3" }, { sk: 4, label: "item 4" },
      { sk: 5, label: "item 5" }]);
    const one = await doc.send(new ExecuteStatementCommand({
      Statement: "SELECT * FROM \"js-pql\" WHERE pk = ? AND sk = ?", Parameters: ["p", 2],
      ConsistentRead: true,
    }));
    assert.deepEqual(one.Items, [{ pk: "p", sk: 2, label: "item 2", tags: new Set(["t", "t2"]) }]);

    // Limit pages with NextToken.
    const seen = [];
    let NextToken;
    let pages = 0;
    do {
      const page = await doc.send(new ExecuteStatementCommand({
        Statement: "SELECT sk FROM \"js-pql\" WHERE pk = ?", Parameters: ["p"], Limit: 2,
        NextToken,
      }));
      seen.push(...page.Items.map((i) => i.sk));
      NextToken = page.NextToken;
      pages++;
    } while (NextToken && pages < 10);
    assert.deepEqual(seen, [1, 2, 3, 4, 5]);
    assert.ok(pages >= 3, `${pages} pages`);

    const upd = await doc.send(new ExecuteStatementCommand({
      Statement: "UPDATE \"js-pql\" SET label = ? SET n = 7 REMOVE tags WHERE pk = ? AND sk = ? "
        + "RETURNING ALL NEW *",
      Parameters: ["renamed", "p", 1],
    }));
    assert.deepEqual(upd.Items, [{ pk: "p", sk: 1, label: "renamed", n: 7 }]);
    // An UPDATE's WHERE is its condition: no item, no update.
    await rejectsWith(doc.send(new ExecuteStatementCommand({
      Statement: "UPDATE \"js-pql\" SET label = 'x' WHERE pk = ? AND sk = ?", Parameters: ["p", 99],
    })), "ConditionalCheckFailedException", "The conditional request failed");

    await doc.send(new ExecuteStatementCommand({
      Statement: "DELETE FROM \"js-pql\" WHERE pk = ? AND sk = ?", Parameters: ["p", 5],
    }));
    assert.equal((await doc.send(new GetCommand({ TableName: "js-pql",
      Key: { pk: "p", sk: 5 } }))).Item, undefined);

    // The low-level client takes and returns AttributeValues.
    const raw = await send(new RawExecuteStatementCommand({
      Statement: "SELECT label FROM \"js-pql\" WHERE pk = ? AND sk = ?",
      Parameters: [{ S: "p" }, { N: "1" }],
    }));
    assert.deepEqual(raw.Items, [{ label: { S: "renamed" } }]);
    await rejectsWith(doc.send(new ExecuteStatementCommand({
      Statement: "SELECT * FROM \"js-pql-nope\" WHERE pk = ?", Parameters: ["p"],
    })), "ResourceNotFoundException", /\S/, ResourceNotFoundException);
    await validation(doc.send(new ExecuteStatementCommand({ Statement: "SELEKT * FROM x" })),
      /\S/);
  });

  test("BatchExecuteStatementCommand answers each statement in order", async () => {
    await table("js-pql-batch", { range: false });
    await doc.send(new PutCommand({ TableName: "js-pql-batch", Item: { pk: "old", n: 1 } }));
    const writes = await doc.send(new DocBatchExecuteStatementCommand({ Statements: [
      { Statement: "INSERT INTO \"js-pql-batch\" VALUE {'pk': ?, 'n': ?}", Parameters: ["a", 1] },
      { Statement: "INSERT INTO \"js-pql-batch\" VALUE {'pk': ?, 'n': ?}", Parameters: ["old", 2] },
      { Statement: "UPDATE \"js-pql-batch\" SET n = n + 1 WHERE pk = ?", Parameters: ["old"] },
    ] }));
    assert.equal(writes.Responses.length, 3);
    assert.equal(writes.Responses[0].Error, undefined);
    assert.equal(writes.Responses[1].Error.Code, "DuplicateItem");
    assert.equal(writes.Responses[1].Error.Message, "Duplicate primary key exists in table");
    assert.equal(writes.Responses[2].Error, undefined);

    const reads = await doc.send(new DocBatchExecuteStatementCommand({ Statements: [
      { Statement: "SELECT * FROM \"js-pql-batch\" WHERE pk = ?", Parameters: ["old"] },
      { Statement: "SELECT * FROM \"js-pql-batch\" WHERE pk = ?", Parameters: ["missing"] },
      { Statement: "SELECT pk FROM \"js-pql-batch\" WHERE pk = ?", Parameters: ["a"] },
    ] }));
    assert.deepEqual(reads.Responses[0].Item, { pk: "old", n: 2 });
    assert.equal(reads.Responses[0].TableName, "js-pql-batch");
    assert.equal(reads.Responses[1].Item, undefined);
    assert.deepEqual(reads.Responses[2].Item, { pk: "a" });

    const failed = await send(new BatchExecuteStatementCommand({ Statements: [
      { Statement: "UPDATE \"js-pql-batch\" SET n = 5 WHERE pk = ? AND n = ?",
        Parameters: [{ S: "old" }, { N: "99" }] },
    ] }));
    assert.equal(failed.Responses[0].Error.Code, "ConditionalCheckFailed");
    assert.equal(failed.Responses[0].Error.Item, undefined);
  });

  test("BatchExecuteStatement returns the item of a failed condition when asked", async () => {
    await table("js-pql-batch-old", { range: false });
    await doc.send(new PutCommand({ TableName: "js-pql-batch-old", Item: { pk: "old", n: 2 } }));
    // BatchStatementError.Item: set when ReturnValuesOnConditionCheckFailure is ALL_OLD.
    const failed = await send(new BatchExecuteStatementCommand({ Statements: [
      { Statement: "UPDATE \"js-pql-batch-old\" SET n = 5 WHERE pk = ? AND n = ?",
        Parameters: [{ S: "old" }, { N: "99" }], ReturnValuesOnConditionCheckFailure: "ALL_OLD" },
    ] }));
    assert.equal(failed.Responses[0].Error.Code, "ConditionalCheckFailed");
    assert.deepEqual(failed.Responses[0].Error.Item, { pk: { S: "old" }, n: { N: "2" } });
  });

  test("ExecuteTransactionCommand is all or nothing", async () => {
    await table("js-pql-tx", { range: false });
    const ins = "INSERT INTO \"js-pql-tx\" VALUE {'pk': ?, 'n': ?}";
    await doc.send(new ExecuteTransactionCommand({ TransactStatements: [
      { Statement: ins, Parameters: ["a", 1] },
      { Statement: ins, Parameters: ["b", 2] },
    ] }));
    const e = await rejectsWith(doc.send(new ExecuteTransactionCommand({ TransactStatements: [
      { Statement: ins, Parameters: ["c", 3] },
      { Statement: "UPDATE \"js-pql-tx\" SET n = 20 WHERE pk = ?", Parameters: ["b"] },
      { Statement: ins, Parameters: ["a", 10] },
    ] })), "TransactionCanceledException", new RegExp("^Transaction cancelled, please refer "
      + "cancellation reasons for specific reasons \\[None, None, (\\w+)\\]$"),
    TransactionCanceledException);
    // The INSERT of an existing key is the reason; AWS's documentation names no code for it
    // here (ExecuteStatement says DuplicateItemException, BatchExecuteStatement DuplicateItem).
    const codes = e.CancellationReasons.map((r) => r.Code);
    assert.deepEqual(codes.slice(0, 2), ["None", "None"]);
    assert.ok(["DuplicateItem", "ConditionalCheckFailed"].includes(codes[2]), codes[2]);
    assert.ok(e.message.endsWith(`${codes[2]}]`));
    const items = (await doc.send(new ScanCommand({ TableName: "js-pql-tx" }))).Items;
    assert.deepEqual(items.sort((x, y) => x.pk.localeCompare(y.pk)),
      [{ pk: "a", n: 1 }, { pk: "b", n: 2 }]);

    const read = await doc.send(new ExecuteTransactionCommand({ TransactStatements: [
      { Statement: "SELECT * FROM \"js-pql-tx\" WHERE pk = ?", Parameters: ["b"] },
      { Statement: "SELECT n FROM \"js-pql-tx\" WHERE pk = ?", Parameters: ["a"] },
    ] }));
    assert.deepEqual(read.Responses.map((r) => r.Item), [{ pk: "b", n: 2 }, { n: 1 }]);
  });
});

describe("checks", () => {
  test("every DynamoDB answer carried a matching x-amz-crc32", () => {
    assert.ok(answers.checked > 50, `${answers.checked} answers checked`);
  });
});
