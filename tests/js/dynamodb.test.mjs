// DynamoDB through @aws-sdk/client-dynamodb (AWS JSON 1.0, typed AttributeValues) and
// @aws-sdk/lib-dynamodb's DynamoDBDocumentClient, which marshals plain JS values: numbers to N,
// Set to SS / NS / BS, Uint8Array to B, objects and arrays to M and L.
//
// Unlike boto3 and the v2 JavaScript SDK, the v3 clients do not check x-amz-crc32 themselves, so
// every client here carries a small deserialize-step middleware that does: it checks the header
// against the CRC-32 of the exact bytes of every answer, errors included, before the SDK parses
// them.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  ConditionalCheckFailedException, CreateTableCommand, DeleteTableCommand,
  DescribeEndpointsCommand, DescribeLimitsCommand, DescribeTableCommand, DynamoDBClient,
  DynamoDBServiceException, GetItemCommand, ListTablesCommand, ListTagsOfResourceCommand,
  PutItemCommand, ResourceInUseException, ResourceNotFoundException, TagResourceCommand,
  UntagResourceCommand, UpdateTableCommand, paginateListTables, waitUntilTableExists,
  waitUntilTableNotExists,
} from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand, BatchWriteCommand, DeleteCommand, DynamoDBDocumentClient, GetCommand,
  NumberValue, PutCommand, QueryCommand, ScanCommand, UpdateCommand, paginateQuery,
  paginateScan,
} from "@aws-sdk/lib-dynamodb";
import { clientConfig, crc32Checker, startServerlite } from "./serverlite.mjs";

const ACCOUNT = "000000000000";
const arnOf = (name) => `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${name}`;

let sl;
let ddb;
let doc;
const answers = { checked: 0 };
const clients = [];

function client() {
  const c = new DynamoDBClient(clientConfig(sl.endpoint));
  c.middlewareStack.use({ applyToStack: crc32Checker(answers) });
  clients.push(c);
  return c;
}
// A DocumentClient stores its translateConfig on the DynamoDBClient it wraps, so two
// DocumentClients with different options need two DynamoDBClients.
const docClient = (translateConfig) => DynamoDBDocumentClient.from(client(), translateConfig);

before(async () => {
  sl = await startServerlite("tables");
  ddb = client();
  doc = docClient();
});
after(async () => {
  for (const c of clients) c.destroy();
  if (sl) assert.equal(await sl.stop(), 0, "serverlite exits 0 on SIGTERM");
});

const send = (command) => ddb.send(command);

// A pay-per-request table keyed pk (S) + sk (N), or pk alone when `range` is false.
async function table(name, { range = true } = {}) {
  const KeySchema = [{ AttributeName: "pk", KeyType: "HASH" }];
  const AttributeDefinitions = [{ AttributeName: "pk", AttributeType: "S" }];
  if (range) {
    KeySchema.push({ AttributeName: "sk", KeyType: "RANGE" });
    AttributeDefinitions.push({ AttributeName: "sk", AttributeType: "N" });
  }
  await send(new CreateTableCommand({
    TableName: name, KeySchema, AttributeDefinitions, BillingMode: "PAY_PER_REQUEST",
  }));
}

// Asserts that `promise` rejects with a DynamoDB exception named `name` (an instance of `type`
// when the SDK models one), HTTP 400, and `message` (a string for equality, a RegExp to match).
// Returns the exception.
async function rejectsWith(promise, name, message, type) {
  let caught;
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof DynamoDBServiceException, `not a DynamoDB exception: ${e}`);
    if (type) assert.ok(e instanceof type, `${e.name} (${e.message}) is not ${type.name}`);
    assert.equal(e.name, name, e.message);
    assert.equal(e.$fault, "client");
    assert.equal(e.$metadata.httpStatusCode, 400);
    assert.match(e.$metadata.requestId ?? "", /\S/, "a request id");
    if (typeof message === "string") assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    caught = e;
    return true;
  });
  return caught;
}
const validation = (promise, message) => rejectsWith(promise, "ValidationException", message);

describe("tables", () => {
  test("create, wait, describe, list, tag, update, delete", async () => {
    const created = (await send(new CreateTableCommand({
      TableName: "js-widgets",
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" }],
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "N" }],
      ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
      Tags: [{ Key: "team", Value: "js" }],
    }))).TableDescription;
    assert.equal(created.TableName, "js-widgets");
    assert.equal(created.TableArn, arnOf("js-widgets"));
    assert.equal(created.TableStatus, "CREATING");
    assert.ok(created.CreationDateTime instanceof Date);
    assert.ok(Math.abs(created.CreationDateTime.getTime() - Date.now()) < 60000);

    const waited = await waitUntilTableExists({ client: ddb, minDelay: 1, maxWaitTime: 20 },
      { TableName: "js-widgets" });
    assert.equal(waited.state, "SUCCESS");
    const t = (await send(new DescribeTableCommand({ TableName: "js-widgets" }))).Table;
    assert.equal(t.TableStatus, "ACTIVE");
    assert.equal(t.ItemCount, 0);
    assert.equal(t.TableSizeBytes, 0);
    assert.match(t.TableId, /^[0-9a-f-]{36}$/);
    assert.deepEqual(t.KeySchema, created.KeySchema);
    assert.deepEqual(t.AttributeDefinitions, [{ AttributeName: "pk", AttributeType: "S" },
      { AttributeName: "sk", AttributeType: "N" }]);
    assert.equal(t.ProvisionedThroughput.ReadCapacityUnits, 5);
    assert.equal(t.ProvisionedThroughput.WriteCapacityUnits, 5);

    await rejectsWith(send(new CreateTableCommand({
      TableName: "js-widgets", KeySchema: t.KeySchema,
      AttributeDefinitions: t.AttributeDefinitions, BillingMode: "PAY_PER_REQUEST",
    })), "ResourceInUseException", "Table already exists: js-widgets", ResourceInUseException);

    const tags = await send(new ListTagsOfResourceCommand({ ResourceArn: t.TableArn }));
    assert.deepEqual(tags.Tags, [{ Key: "team", Value: "js" }]);
    await send(new TagResourceCommand({
      ResourceArn: t.TableArn, Tags: [{ Key: "x", Value: "1" }],
    }));
    await send(new UntagResourceCommand({ ResourceArn: t.TableArn, TagKeys: ["team"] }));
    assert.deepEqual((await send(new ListTagsOfResourceCommand({ ResourceArn: t.TableArn }))).Tags,
      [{ Key: "x", Value: "1" }]);

    const updated = (await send(new UpdateTableCommand({
      TableName: "js-widgets", BillingMode: "PAY_PER_REQUEST",
    }))).TableDescription;
    assert.equal(updated.BillingModeSummary.BillingMode, "PAY_PER_REQUEST");

    const deleted = (await send(new DeleteTableCommand({ TableName: "js-widgets" })))
      .TableDescription;
    assert.equal(deleted.TableStatus, "DELETING");
    const gone = await waitUntilTableNotExists({ client: ddb, minDelay: 1, maxWaitTime: 20 },
      { TableName: "js-widgets" });
    assert.equal(gone.state, "SUCCESS");
    await rejectsWith(send(new DescribeTableCommand({ TableName: "js-widgets" })),
      "ResourceNotFoundException", "Requested resource not found: Table: js-widgets not found",
      ResourceNotFoundException);
    await rejectsWith(send(new DeleteTableCommand({ TableName: "js-widgets" })),
      "ResourceNotFoundException", /^Requested resource not found/, ResourceNotFoundException);
  });

  test("ListTables pages with paginateListTables and sees the serverless.yml tables", async () => {
    for (const n of ["js-page-a", "js-page-b", "js-page-c"]) await table(n);
    const names = [];
    let pages = 0;
    for await (const page of paginateListTables({ client: ddb, pageSize: 2 }, {})) {
      assert.ok(page.TableNames.length <= 2);
      names.push(...page.TableNames);
      pages++;
    }
    assert.ok(pages >= 3, `${pages} pages`);
    assert.deepEqual([...names].sort(), names, "in name order");
    for (const n of ["js-page-a", "js-page-b", "js-page-c", "orders", "tables-dev-Users"]) {
      assert.ok(names.includes(n), `${n} in ${names}`);
    }
    const first = await send(new ListTablesCommand({ Limit: 1 }));
    assert.equal(first.LastEvaluatedTableName, first.TableNames[0]);
    const after = await send(new ListTablesCommand({
      ExclusiveStartTableName: "js-page-a", Limit: 1,
    }));
    assert.deepEqual(after.TableNames, ["js-page-b"]);
  });

  test("DescribeLimits and DescribeEndpoints", async () => {
    const limits = await send(new DescribeLimitsCommand({}));
    assert.equal(limits.TableMaxWriteCapacityUnits, 40000);
    assert.equal(limits.TableMaxReadCapacityUnits, 40000);
    const { Endpoints } = await send(new DescribeEndpointsCommand({}));
    assert.equal(Endpoints[0].Address, new URL(sl.endpoint).host);
    assert.ok(Endpoints[0].CachePeriodInMinutes > 0);
  });
});

describe("items through the DocumentClient", () => {
  test("marshalling: strings, numbers, big numbers, Sets, Uint8Array, nesting, null", async () => {
    await table("js-types");
    const item = {
      pk: "a", sk: 1, text: "héllo ✓", empty: "", int: 42, neg: -0.5, exp: 1e-7, yes: true,
      no: false, nothing: null, bytes: new Uint8Array([0, 1, 254, 255]),
      strings: new Set(["p", "q"]), numbers: new Set([1, 2.5, -3]),
      blobs: new Set([new Uint8Array([1]), new Uint8Array([2, 3])]),
      nested: { list: [1, "two", { three: [true, null] }], map: { deep: { deeper: "x" } } },
      emptyList: [], emptyMap: {},
    };
    await doc.send(new PutCommand({ TableName: "js-types", Item: item }));
    // 29 significant digits: more than a JS number holds, within DynamoDB's 38.
    const big = "12345678901234567890.123456789";
    await doc.send(new PutCommand({ TableName: "js-types", Item: {
      pk: "a", sk: 2, big: new NumberValue(big), huge: new NumberValue(`-${"9".repeat(38)}`),
      tiny: new NumberValue("1E-130"), wide: 2n ** 70n,
    } }));

    // The plain DocumentClient turns every N into a JS number.
    const got = (await doc.send(new GetCommand({
      TableName: "js-types", Key: { pk: "a", sk: 1 }, ConsistentRead: true,
    }))).Item;
    assert.equal(got.text, "héllo ✓");
    assert.equal(got.empty, "");
    assert.equal(got.int, 42);
    assert.equal(got.neg, -0.5);
    assert.equal(got.exp, 1e-7);
    assert.equal(got.yes, true);
    assert.equal(got.no, false);
    assert.equal(got.nothing, null);
    assert.ok(got.bytes instanceof Uint8Array);
    assert.deepEqual([...got.bytes], [0, 1, 254, 255]);
    assert.deepEqual(got.strings, new Set(["p", "q"]));
    assert.deepEqual(got.numbers, new Set([1, 2.5, -3]));
    assert.deepEqual([...got.blobs].map((b) => [...b]).sort(), [[1], [2, 3]]);
    assert.deepEqual(got.nested, item.nested);
    assert.deepEqual(got.emptyList, []);
    assert.deepEqual(got.emptyMap, {});
    assert.equal(Object.keys(got).length, Object.keys(item).length);

    // wrapNumbers keeps every N as its exact text.
    const exact = docClient({ unmarshallOptions: { wrapNumbers: true } });
    const wrapped = (await exact.send(new GetCommand({
      TableName: "js-types", Key: { pk: "a", sk: 2 },
    }))).Item;
    assert.ok(wrapped.big instanceof NumberValue);
    assert.equal(wrapped.big.toString(), big);
    assert.equal(wrapped.huge.toString(), "-" + "9".repeat(38));
    assert.equal(wrapped.wide.toString(), (2n ** 70n).toString());
    assert.equal(wrapped.sk.toString(), "2");
    // DynamoDB keeps a number's value, not its spelling: 1E-130 may come back in another form.
    assert.equal(Number(wrapped.tiny.toString()), 1e-130);
    // The plain DocumentClient refuses a number it cannot hold exactly.
    await assert.rejects(doc.send(new GetCommand({
      TableName: "js-types", Key: { pk: "a", sk: 2 }, ProjectionExpression: "big",
    })), /12345678901234567890\.123456789/);
    // An integer beyond 2^53 comes back as a BigInt.
    const asBigInt = (await doc.send(new GetCommand({
      TableName: "js-types", Key: { pk: "a", sk: 2 }, ProjectionExpression: "wide",
    }))).Item;
    assert.equal(asBigInt.wide, 2n ** 70n);

    // The wire form, through the low-level client: N as text, B as bytes, sets as lists.
    const raw = (await send(new GetItemCommand({
      TableName: "js-types", Key: { pk: { S: "a" }, sk: { N: "1" } },
      ProjectionExpression: "#n, #b, numbers, nested.#l[2]",
      ExpressionAttributeNames: { "#n": "int", "#b": "bytes", "#l": "list" },
    }))).Item;
    assert.deepEqual(raw.int, { N: "42" });
    assert.deepEqual([...raw.bytes.B], [0, 1, 254, 255]);
    assert.deepEqual([...raw.numbers.NS].map(Number).sort((x, y) => x - y), [-3, 1, 2.5]);
    assert.deepEqual(raw.nested, { M: { list: { L: [{ M: { three: { L: [{ BOOL: true },
      { NULL: true }] } } }] } } });
  });

  test("removeUndefinedValues drops undefined; without it the SDK refuses the item", async () => {
    await table("js-undef");
    const item = { pk: "u", sk: 1, keep: "yes", drop: undefined, m: { a: 1, b: undefined } };
    await assert.rejects(doc.send(new PutCommand({ TableName: "js-undef", Item: item })),
      /removeUndefinedValues/);
    const loose = docClient({ marshallOptions: { removeUndefinedValues: true } });
    await loose.send(new PutCommand({ TableName: "js-undef", Item: item }));
    const got = (await doc.send(new GetCommand({
      TableName: "js-undef", Key: { pk: "u", sk: 1 },
    }))).Item;
    assert.deepEqual(got, { pk: "u", sk: 1, keep: "yes", m: { a: 1 } });
  });

  test("Put / Update / Delete with ConditionExpression and ReturnValues", async () => {
    await table("js-conds");
    const Key = { pk: "c", sk: 1 };
    const put = await doc.send(new PutCommand({
      TableName: "js-conds", Item: { ...Key, n: 1, status: "new" },
      ConditionExpression: "attribute_not_exists(pk)", ReturnValues: "ALL_OLD",
    }));
    assert.equal(put.Attributes, undefined);
    assert.equal(put.$metadata.httpStatusCode, 200);

    const failed = await rejectsWith(doc.send(new PutCommand({
      TableName: "js-conds", Item: { ...Key }, ConditionExpression: "attribute_not_exists(pk)",
    })), "ConditionalCheckFailedException", "The conditional request failed",
    ConditionalCheckFailedException);
    assert.equal(failed.Item, undefined);

    // With ReturnValuesOnConditionCheckFailure the exception carries the item as it stands.
    const withItem = await rejectsWith(doc.send(new DeleteCommand({
      TableName: "js-conds", Key, ConditionExpression: "n = :two",
      ExpressionAttributeValues: { ":two": 2 }, ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    })), "ConditionalCheckFailedException", "The conditional request failed",
    ConditionalCheckFailedException);
    assert.deepEqual(withItem.Item, { pk: { S: "c" }, sk: { N: "1" }, n: { N: "1" },
      status: { S: "new" } });

    const old = await doc.send(new PutCommand({
      TableName: "js-conds", Item: { ...Key, n: 2, status: "replaced" },
      ConditionExpression: "n = :one AND #s IN (:a, :b)",
      ExpressionAttributeNames: { "#s": "status" },
      ExpressionAttributeValues: { ":one": 1, ":a": "new", ":b": "old" },
      ReturnValues: "ALL_OLD",
    }));
    assert.deepEqual(old.Attributes, { ...Key, n: 1, status: "new" });

    const u = await doc.send(new UpdateCommand({
      TableName: "js-conds", Key, UpdateExpression: "SET n = n + :d, note = :note",
      ConditionExpression: "attribute_exists(pk) AND n < :ten",
      ExpressionAttributeValues: { ":d": 3, ":note": "bumped", ":ten": 10 },
      ReturnValues: "UPDATED_NEW",
    }));
    assert.deepEqual(u.Attributes, { n: 5, note: "bumped" });
    const uo = await doc.send(new UpdateCommand({
      TableName: "js-conds", Key, UpdateExpression: "REMOVE note", ReturnValues: "UPDATED_OLD",
    }));
    assert.deepEqual(uo.Attributes, { note: "bumped" });
    const an = await doc.send(new UpdateCommand({
      TableName: "js-conds", Key, UpdateExpression: "SET #s = :s",
      ExpressionAttributeNames: { "#s": "status" }, ExpressionAttributeValues: { ":s": "done" },
      ReturnValues: "ALL_NEW",
    }));
    assert.deepEqual(an.Attributes, { ...Key, n: 5, status: "done" });
    const none = await doc.send(new UpdateCommand({
      TableName: "js-conds", Key, UpdateExpression: "SET n = :n",
      ExpressionAttributeValues: { ":n": 6 },
    }));
    assert.equal(none.Attributes, undefined);

    await rejectsWith(doc.send(new UpdateCommand({
      TableName: "js-conds", Key: { pk: "c", sk: 2 }, UpdateExpression: "SET n = :n",
      ConditionExpression: "attribute_exists(pk)", ExpressionAttributeValues: { ":n": 1 },
    })), "ConditionalCheckFailedException", "The conditional request failed",
    ConditionalCheckFailedException);
    const miss = await doc.send(new GetCommand({ TableName: "js-conds", Key: { pk: "c", sk: 2 } }));
    assert.equal(miss.Item, undefined, "a failed conditional update creates nothing");

    const del = await doc.send(new DeleteCommand({
      TableName: "js-conds", Key, ConditionExpression: "n = :six",
      ExpressionAttributeValues: { ":six": 6 }, ReturnValues: "ALL_OLD",
    }));
    assert.deepEqual(del.Attributes, { ...Key, n: 6, status: "done" });
    assert.equal((await doc.send(new GetCommand({ TableName: "js-conds", Key }))).Item,
      undefined);
    // Deleting what is not there succeeds and returns nothing.
    const again = await doc.send(new DeleteCommand({
      TableName: "js-conds", Key, ReturnValues: "ALL_OLD",
    }));
    assert.equal(again.Attributes, undefined);
  });

  test("UpdateExpression: ADD to a number set and a number, list_append, DELETE", async () => {
    await table("js-updates");
    const Key = { pk: "u", sk: 1 };
    const first = await doc.send(new UpdateCommand({
      TableName: "js-updates", Key,
      UpdateExpression: "SET #c = if_not_exists(#c, :zero) + :one, "
        + "tags = list_append(if_not_exists(tags, :empty), :t) ADD scores :s, visits :one",
      ExpressionAttributeNames: { "#c": "count" },
      ExpressionAttributeValues: { ":zero": 0, ":one": 1, ":empty": [], ":t": ["x"],
        ":s": new Set([10, 20]) },
      ReturnValues: "ALL_NEW",
    }));
    assert.deepEqual(first.Attributes, { ...Key, count: 1, tags: ["x"], visits: 1,
      scores: new Set([10, 20]) });

    const second = await doc.send(new UpdateCommand({
      TableName: "js-updates", Key,
      UpdateExpression: "SET tags = list_append(:front, tags), #c = #c + :one "
        + "ADD scores :s, visits :five",
      ExpressionAttributeNames: { "#c": "count" },
      ExpressionAttributeValues: { ":front": ["w"], ":one": 1, ":s": new Set([20, 30]),
        ":five": 5 },
      ReturnValues: "UPDATED_NEW",
    }));
    assert.deepEqual(second.Attributes, { count: 2, tags: ["w", "x"], visits: 6,
      scores: new Set([10, 20, 30]) });

    const third = await doc.send(new UpdateCommand({
      TableName: "js-updates", Key,
      UpdateExpression: "SET tags = list_append(tags, :end) DELETE scores :gone",
      ExpressionAttributeValues: { ":end": ["y", "z"], ":gone": new Set([10, 99]) },
      ReturnValues: "ALL_NEW",
    }));
    assert.deepEqual(third.Attributes.scores, new Set([20, 30]));
    assert.deepEqual(third.Attributes.tags, ["w", "x", "y", "z"]);
    // Two actions may not touch overlapping paths of one update.
    await validation(doc.send(new UpdateCommand({
      TableName: "js-updates", Key,
      UpdateExpression: "SET tags = list_append(tags, :end), tags[0] = :head",
      ExpressionAttributeValues: { ":end": ["q"], ":head": "W" },
    })), "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
      + "rewrite one of these paths; path one: [tags], path two: [tags, [0]]");

    // Deleting every element removes the attribute: DynamoDB has no empty sets.
    const fourth = await doc.send(new UpdateCommand({
      TableName: "js-updates", Key, UpdateExpression: "DELETE scores :all",
      ExpressionAttributeValues: { ":all": new Set([20, 30]) }, ReturnValues: "ALL_NEW",
    }));
    assert.equal(fourth.Attributes.scores, undefined);
  });

  test("ADD of a number set to a list names the incorrect data type", async () => {
    await table("js-add-type");
    const Key = { pk: "u", sk: 1 };
    await doc.send(new PutCommand({ TableName: "js-add-type", Item: { ...Key, tags: ["x"] } }));
    await validation(doc.send(new UpdateCommand({
      TableName: "js-add-type", Key, UpdateExpression: "ADD tags :s",
      ExpressionAttributeValues: { ":s": new Set([1]) },
    })), "An operand in the update expression has an incorrect data type");
  });

  test("Query: key condition, filter, order, pages with paginateQuery", async () => {
    await table("js-reads");
    const items = Array.from({ length: 30 }, (_, sk) => ({ pk: "h", sk, odd: sk % 2 === 1,
      label: `item-${sk}` }));
    for (let i = 0; i < items.length; i += 25) {
      const r = await doc.send(new BatchWriteCommand({ RequestItems: {
        "js-reads": items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
      } }));
      assert.deepEqual(r.UnprocessedItems, {});
    }
    await doc.send(new PutCommand({
      TableName: "js-reads", Item: { pk: "other", sk: 1, odd: true },
    }));

    const between = await doc.send(new QueryCommand({
      TableName: "js-reads", KeyConditionExpression: "pk = :h AND sk BETWEEN :lo AND :hi",
      ExpressionAttributeValues: { ":h": "h", ":lo": 5, ":hi": 9 }, ScanIndexForward: false,
    }));
    assert.deepEqual(between.Items.map((i) => i.sk), [9, 8, 7, 6, 5]);
    assert.equal(between.Count, 5);
    assert.equal(between.ScannedCount, 5);
    assert.equal(between.LastEvaluatedKey, undefined);

    const prefix = await doc.send(new QueryCommand({
      TableName: "js-reads", KeyConditionExpression: "#p = :h AND sk < :three",
      ExpressionAttributeNames: { "#p": "pk" },
      ExpressionAttributeValues: { ":h": "h", ":three": 3 },
      ProjectionExpression: "sk, label",
    }));
    assert.deepEqual(prefix.Items, [{ sk: 0, label: "item-0" }, { sk: 1, label: "item-1" },
      { sk: 2, label: "item-2" }]);

    // Limit counts items read before the filter, so pages may hold fewer (even zero) items.
    const pages = [];
    for await (const page of paginateQuery({ client: doc, pageSize: 7 }, {
      TableName: "js-reads", KeyConditionExpression: "pk = :h",
      FilterExpression: "odd = :t AND begins_with(label, :p)",
      ExpressionAttributeValues: { ":h": "h", ":t": true, ":p": "item-" },
    })) {
      assert.ok(page.ScannedCount <= 7);
      if (page.LastEvaluatedKey) assert.deepEqual(Object.keys(page.LastEvaluatedKey).sort(),
        ["pk", "sk"]);
      pages.push(page);
    }
    assert.equal(pages.length, 5, "30 items in pages of 7: 7+7+7+7+2");
    assert.deepEqual(pages.flatMap((p) => p.Items.map((i) => i.sk)),
      Array.from({ length: 15 }, (_, i) => 2 * i + 1));
    assert.deepEqual(pages[0].LastEvaluatedKey, { pk: "h", sk: 6 });
    assert.equal(pages.at(-1).LastEvaluatedKey, undefined);

    const count = await doc.send(new QueryCommand({
      TableName: "js-reads", KeyConditionExpression: "pk = :h", Select: "COUNT",
      FilterExpression: "odd = :f", ExpressionAttributeValues: { ":h": "h", ":f": false },
    }));
    assert.equal(count.Items, undefined);
    assert.deepEqual([count.Count, count.ScannedCount], [15, 30]);

    const resumed = await doc.send(new QueryCommand({
      TableName: "js-reads", KeyConditionExpression: "pk = :h", Limit: 2,
      ExclusiveStartKey: { pk: "h", sk: 27 }, ExpressionAttributeValues: { ":h": "h" },
    }));
    assert.deepEqual(resumed.Items.map((i) => i.sk), [28, 29]);

    await validation(doc.send(new QueryCommand({
      TableName: "js-reads", KeyConditionExpression: "sk = :one",
      ExpressionAttributeValues: { ":one": 1 },
    })), "Query condition missed key schema element: pk");
  });

  test("Query refuses a FilterExpression on a key attribute", async () => {
    await table("js-key-filter");
    await validation(doc.send(new QueryCommand({
      TableName: "js-key-filter", KeyConditionExpression: "pk = :h",
      FilterExpression: "sk > :one", ExpressionAttributeValues: { ":h": "h", ":one": 1 },
    })), "Filter Expression can only contain non-primary key attributes: "
      + "Primary key attribute: sk");
  });

  test("Scan: paginateScan, filters, projections and parallel segments", async () => {
    await table("js-scan", { range: false });
    const puts = Array.from({ length: 40 }, (_, i) => ({
      PutRequest: {
        Item: { pk: `k${String(i).padStart(2, "0")}`, n: i, tags: new Set([`t${i % 3}`]) },
      },
    }));
    for (let i = 0; i < puts.length; i += 20) {
      await doc.send(new BatchWriteCommand({ RequestItems: { "js-scan": puts.slice(i, i + 20) } }));
    }

    const seen = [];
    let pages = 0;
    for await (const page of paginateScan({ client: doc, pageSize: 9 }, {
      TableName: "js-scan", FilterExpression: "contains(tags, :t) AND n >= :ten",
      ExpressionAttributeValues: { ":t": "t1", ":ten": 10 }, ProjectionExpression: "pk, n",
    })) {
      assert.ok(page.ScannedCount <= 9);
      for (const i of page.Items) assert.deepEqual(Object.keys(i).sort(), ["n", "pk"]);
      seen.push(...page.Items.map((i) => i.n));
      pages++;
    }
    assert.equal(pages, 5, "40 items in pages of 9");
    assert.deepEqual(seen.sort((a, b) => a - b), [10, 13, 16, 19, 22, 25, 28, 31, 34, 37]);

    // Segments split the table with nothing missed and nothing repeated.
    const bySegment = [];
    for (let Segment = 0; Segment < 4; Segment++) {
      const keys = [];
      for await (const page of paginateScan({ client: doc, pageSize: 6 }, {
        TableName: "js-scan", Segment, TotalSegments: 4,
      })) keys.push(...page.Items.map((i) => i.pk));
      bySegment.push(keys);
    }
    const all = bySegment.flat();
    assert.equal(all.length, 40);
    assert.equal(new Set(all).size, 40);
    assert.ok(bySegment.filter((s) => s.length > 0).length >= 2, "hashing spreads the keys");

    const counted = await doc.send(new ScanCommand({
      TableName: "js-scan", Select: "COUNT", FilterExpression: "n < :five",
      ExpressionAttributeValues: { ":five": 5 },
    }));
    assert.deepEqual([counted.Count, counted.ScannedCount], [5, 40]);

    await validation(doc.send(new ScanCommand({
      TableName: "js-scan", Segment: 4, TotalSegments: 4,
    })), "The Segment parameter is zero-based and must be less than parameter TotalSegments: "
      + "Segment: 4 is not less than TotalSegments: 4");
  });

  test("BatchWrite and BatchGet through the DocumentClient", async () => {
    await table("js-batch-a");
    await table("js-batch-b", { range: false });
    const w = await doc.send(new BatchWriteCommand({ RequestItems: {
      "js-batch-a": Array.from({ length: 15 }, (_, i) => ({
        PutRequest: { Item: { pk: "b", sk: i, data: new Uint8Array([i]) } },
      })),
      "js-batch-b": [{ PutRequest: { Item: { pk: "x", v: new Set(["s"]) } } },
        { PutRequest: { Item: { pk: "y", v: 1 } } }],
    } }));
    assert.deepEqual(w.UnprocessedItems, {});

    const g = await doc.send(new BatchGetCommand({ RequestItems: {
      "js-batch-a": { Keys: [0, 5, 14, 99].map((sk) => ({ pk: "b", sk })),
        ProjectionExpression: "sk, #d", ExpressionAttributeNames: { "#d": "data" } },
      "js-batch-b": { Keys: [{ pk: "x" }, { pk: "y" }], ConsistentRead: true },
    } }));
    assert.deepEqual(g.UnprocessedKeys, {});
    const a = g.Responses["js-batch-a"].sort((x, y) => x.sk - y.sk);
    assert.deepEqual(a.map((i) => [i.sk, [...i.data]]), [[0, [0]], [5, [5]], [14, [14]]]);
    assert.deepEqual(g.Responses["js-batch-b"].sort((x, y) => x.pk.localeCompare(y.pk)),
      [{ pk: "x", v: new Set(["s"]) }, { pk: "y", v: 1 }]);

    const d = await doc.send(new BatchWriteCommand({ RequestItems: {
      "js-batch-a": [{ DeleteRequest: { Key: { pk: "b", sk: 0 } } },
        { PutRequest: { Item: { pk: "b", sk: 100 } } }],
    } }));
    assert.deepEqual(d.UnprocessedItems, {});
    const after = await doc.send(new BatchGetCommand({ RequestItems: {
      "js-batch-a": { Keys: [{ pk: "b", sk: 0 }, { pk: "b", sk: 100 }] },
    } }));
    assert.deepEqual(after.Responses["js-batch-a"], [{ pk: "b", sk: 100 }]);

    await validation(doc.send(new BatchWriteCommand({ RequestItems: {
      "js-batch-a": Array.from({ length: 26 },
        (_, sk) => ({ PutRequest: { Item: { pk: "z", sk } } })),
    } })), /Member must have length less than or equal to 25/);
    await rejectsWith(doc.send(new BatchGetCommand({ RequestItems: {
      "js-no-such": { Keys: [{ pk: "x" }] },
    } })), "ResourceNotFoundException", /^Requested resource not found/,
    ResourceNotFoundException);
  });

  test("BatchWrite refuses two requests for one key", async () => {
    await table("js-batch-dup");
    const same = { PutRequest: { Item: { pk: "b", sk: 1 } } };
    await validation(doc.send(new BatchWriteCommand({
      RequestItems: { "js-batch-dup": [same, { DeleteRequest: { Key: { pk: "b", sk: 1 } } }] },
    })), "Provided list of item keys contains duplicates");
  });

  test("the tables from serverless.yml take items", async () => {
    await doc.send(new PutCommand({ TableName: "orders", Item: {
      customer: "ada", placed: 1700000000, total: 12.5 } }));
    const r = await doc.send(new QueryCommand({
      TableName: "orders", KeyConditionExpression: "customer = :c",
      ExpressionAttributeValues: { ":c": "ada" },
    }));
    assert.deepEqual(r.Items, [{ customer: "ada", placed: 1700000000, total: 12.5 }]);
    const id = new Uint8Array([0xde, 0xad, 0xbe, 0xef]);
    await doc.send(new PutCommand({ TableName: "tables-dev-Users", Item: { id, name: "bin" } }));
    const u = await doc.send(new GetCommand({ TableName: "tables-dev-Users", Key: { id } }));
    assert.equal(u.Item.name, "bin");
    assert.deepEqual([...u.Item.id], [...id]);
  });
});

describe("errors", () => {
  test("validation: reserved words, placeholders, key types", async () => {
    await table("js-invalid");
    const Key = { pk: "v", sk: 1 };
    await validation(doc.send(new UpdateCommand({
      TableName: "js-invalid", Key, UpdateExpression: "SET total = :v",
      ExpressionAttributeValues: { ":v": 1 },
    })), "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: total");
    await validation(doc.send(new PutCommand({
      TableName: "js-invalid", Item: Key, ConditionExpression: "attribute_not_exists(status)",
    })), "Invalid ConditionExpression: Attribute name is a reserved keyword; "
      + "reserved keyword: status");
    await validation(doc.send(new UpdateCommand({
      TableName: "js-invalid", Key, UpdateExpression: "SET a = :v",
      ExpressionAttributeValues: { ":v": "b", ":unused": "c" },
    })), "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}");
    await validation(doc.send(new UpdateCommand({
      TableName: "js-invalid", Key, UpdateExpression: "SET a = :v",
      ExpressionAttributeNames: { "#x": "x" }, ExpressionAttributeValues: { ":v": "b" },
    })), "Value provided in ExpressionAttributeNames unused in expressions: keys: {#x}");
    await validation(doc.send(new UpdateCommand({
      TableName: "js-invalid", Key, UpdateExpression: "SET a = :missing",
    })), "Invalid UpdateExpression: An expression attribute value used in expression is not "
      + "defined; attribute value: :missing");
    await validation(doc.send(new UpdateCommand({
      TableName: "js-invalid", Key, UpdateExpression: "SET pk = :v",
      ExpressionAttributeValues: { ":v": "w" },
    })), "One or more parameter values were invalid: Cannot update attribute pk. This "
      + "attribute is part of the key");

    await validation(doc.send(new PutCommand({
      TableName: "js-invalid", Item: { pk: "v", sk: "not a number" },
    })), "One or more parameter values were invalid: Type mismatch for key sk expected: N "
      + "actual: S");
    await validation(doc.send(new PutCommand({ TableName: "js-invalid", Item: { pk: "v" } })),
      "One or more parameter values were invalid: Missing the key sk in the item");
    await validation(doc.send(new GetCommand({
      TableName: "js-invalid", Key: { pk: "v", sk: "1" },
    })), "The provided key element does not match the schema");
    await validation(doc.send(new GetCommand({ TableName: "js-invalid", Key: { pk: "v" } })),
      "The provided key element does not match the schema");
    await validation(doc.send(new PutCommand({
      TableName: "js-invalid", Item: { ...Key, big: "x".repeat(401 * 1024) },
    })), "Item size has exceeded the maximum allowed size");
    await validation(send(new PutItemCommand({
      TableName: "js-invalid", Item: { pk: { S: "v" }, sk: { N: "1" }, s: { SS: [] } },
    })), "One or more parameter values were invalid: An string set  may not be empty");
    // The SDK names an unmodelled error after the __type shape and keeps its class generic.
    const e = await validation(doc.send(new GetCommand({
      TableName: "js-invalid", Key, ProjectionExpression: "a,,b",
    })), /^Invalid ProjectionExpression: Syntax error/);
    assert.equal(e.constructor, DynamoDBServiceException);
  });

  test("ResourceNotFoundException on every item operation", async () => {
    const msg = "Requested resource not found";
    const rnf = (promise) => rejectsWith(promise, "ResourceNotFoundException", msg,
      ResourceNotFoundException);
    const TableName = "js-no-such-table";
    await rnf(doc.send(new GetCommand({ TableName, Key: { pk: "a" } })));
    await rnf(doc.send(new PutCommand({ TableName, Item: { pk: "a" } })));
    await rnf(doc.send(new UpdateCommand({ TableName, Key: { pk: "a" },
      UpdateExpression: "SET a = :a", ExpressionAttributeValues: { ":a": 1 } })));
    await rnf(doc.send(new DeleteCommand({ TableName, Key: { pk: "a" } })));
    await rnf(doc.send(new QueryCommand({ TableName, KeyConditionExpression: "pk = :a",
      ExpressionAttributeValues: { ":a": "a" } })));
    await rnf(doc.send(new ScanCommand({ TableName })));
  });

  test("every answer checked carried a matching x-amz-crc32", () => {
    assert.ok(answers.checked > 100, `${answers.checked} answers checked`);
  });
});
