// SQS through @aws-sdk/client-sqs, which speaks AWS JSON 1.0 and checks MD5OfBody /
// MD5OfMessageBody itself. It does not check MD5OfMessageAttributes, so the tests do.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import {
  BatchEntryIdsNotDistinct, ChangeMessageVisibilityCommand, CreateQueueCommand,
  DeleteMessageBatchCommand, DeleteMessageCommand, DeleteQueueCommand, EmptyBatchRequest,
  GetQueueAttributesCommand, GetQueueUrlCommand, ListQueuesCommand, ListQueueTagsCommand,
  PurgeQueueCommand, QueueDoesNotExist, QueueNameExists, ReceiptHandleIsInvalid,
  ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, SetQueueAttributesCommand,
  SQSClient, SQSServiceException, TagQueueCommand, UntagQueueCommand,
} from "@aws-sdk/client-sqs";
import { clientConfig, startServerlite } from "./serverlite.mjs";

let sl;
let sqs;
before(async () => {
  sl = await startServerlite("demo");
  sqs = new SQSClient(clientConfig(sl.endpoint));
});
after(async () => {
  sqs?.destroy();
  if (sl) assert.equal(await sl.stop(), 0, "serverlite exits 0 on SIGTERM");
});

const send = (command) => sqs.send(command);
const create = async (name, Attributes, tags) =>
  (await send(new CreateQueueCommand({ QueueName: name, Attributes, tags }))).QueueUrl;
const receive = (QueueUrl, extra = {}) => send(new ReceiveMessageCommand({ QueueUrl, ...extra }));

const md5 = (bytes) => createHash("md5").update(bytes).digest("hex");

// SQS's digest of message attributes: for each attribute in name order, the name, the data type
// (each as a 4-byte big-endian length and the UTF-8 bytes), one transport byte (1 string and
// number, 2 binary), and the value as length and bytes.
function md5OfAttributes(attrs) {
  const parts = [];
  const field = (bytes) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    parts.push(len, Buffer.from(bytes));
  };
  for (const name of Object.keys(attrs).sort()) {
    const { DataType, StringValue, BinaryValue } = attrs[name];
    field(Buffer.from(name, "utf8"));
    field(Buffer.from(DataType, "utf8"));
    if (BinaryValue !== undefined) {
      parts.push(Buffer.from([2]));
      field(BinaryValue);
    } else {
      parts.push(Buffer.from([1]));
      field(Buffer.from(StringValue, "utf8"));
    }
  }
  return md5(Buffer.concat(parts));
}

// Asserts that `promise` rejects with the SDK's exception class `type`, HTTP status 400, and,
// where given, the query-protocol code the SDK takes from x-amzn-query-error (`e.Code`).
async function rejectsWith(promise, type, code) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof SQSServiceException, `not an SQS exception: ${e}`);
    assert.ok(e instanceof type, `${e.name} (${e.message}) is not ${type.name}`);
    assert.equal(e.name, type.name);
    assert.equal(e.$fault, "client");
    assert.equal(e.$metadata.httpStatusCode, 400);
    if (code) assert.equal(e.Code, code);
    return true;
  });
}

describe("queues", () => {
  test("create, get url, list and delete", async () => {
    const a = await create("js-q-a");
    const b = await create("js-q-b");
    assert.match(a, /^http:\/\/127\.0\.0\.1:\d+\/000000000000\/js-q-a$/);
    assert.equal(await create("js-q-a"), a, "CreateQueue is idempotent with the same attributes");
    assert.equal((await send(new GetQueueUrlCommand({ QueueName: "js-q-b" }))).QueueUrl, b);
    const listed = await send(new ListQueuesCommand({ QueueNamePrefix: "js-q-" }));
    assert.deepEqual([...listed.QueueUrls].sort(), [a, b]);
    await send(new DeleteQueueCommand({ QueueUrl: a }));
    const after = await send(new ListQueuesCommand({ QueueNamePrefix: "js-q-" }));
    assert.deepEqual(after.QueueUrls, [b]);
    const none = await send(new ListQueuesCommand({ QueueNamePrefix: "js-nothing-" }));
    assert.equal(none.QueueUrls, undefined, "no QueueUrls member when nothing matches");
  });

  test("attributes: create with, get, set", async () => {
    const url = await create("js-attrs", { VisibilityTimeout: "7", DelaySeconds: "0" });
    const all = (await send(new GetQueueAttributesCommand({
      QueueUrl: url, AttributeNames: ["All"],
    }))).Attributes;
    assert.equal(all.VisibilityTimeout, "7");
    assert.equal(all.QueueArn, "arn:aws:sqs:us-east-1:000000000000:js-attrs");
    assert.equal(all.ApproximateNumberOfMessages, "0");
    assert.equal(all.MaximumMessageSize, "1048576");
    assert.equal(all.MessageRetentionPeriod, "345600");
    assert.match(all.CreatedTimestamp, /^\d+$/);
    await send(new SetQueueAttributesCommand({
      QueueUrl: url, Attributes: { VisibilityTimeout: "45", ReceiveMessageWaitTimeSeconds: "2" },
    }));
    const some = (await send(new GetQueueAttributesCommand({
      QueueUrl: url, AttributeNames: ["VisibilityTimeout", "ReceiveMessageWaitTimeSeconds"],
    }))).Attributes;
    assert.deepEqual(some, { VisibilityTimeout: "45", ReceiveMessageWaitTimeSeconds: "2" });
    const fifo = await create("js-attrs.fifo", { FifoQueue: "true" });
    const f = (await send(new GetQueueAttributesCommand({
      QueueUrl: fifo, AttributeNames: ["FifoQueue", "ContentBasedDeduplication"],
    }))).Attributes;
    assert.deepEqual(f, { FifoQueue: "true", ContentBasedDeduplication: "false" });
  });

  test("tags: at creation, tag, untag, list", async () => {
    const url = await create("js-tags", undefined, { team: "a" });
    await send(new TagQueueCommand({ QueueUrl: url, Tags: { env: "dev", cost: "1" } }));
    await send(new UntagQueueCommand({ QueueUrl: url, TagKeys: ["cost"] }));
    const tags = (await send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags;
    assert.deepEqual(tags, { team: "a", env: "dev" });
  });

  test("purge empties the queue", async () => {
    const url = await create("js-purge");
    await send(new SendMessageBatchCommand({
      QueueUrl: url, Entries: ["1", "2", "3"].map((Id) => ({ Id, MessageBody: Id })),
    }));
    await send(new PurgeQueueCommand({ QueueUrl: url }));
    const attrs = (await send(new GetQueueAttributesCommand({
      QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages"],
    }))).Attributes;
    assert.equal(attrs.ApproximateNumberOfMessages, "0");
    assert.equal((await receive(url)).Messages, undefined);
  });
});

describe("messages", () => {
  test("SQS's attribute digest (known vectors)", () => {
    // Published digests for these attributes: checks the helper the other tests rely on.
    const s = { attribName1: { DataType: "String", StringValue: "attribValue 1" } };
    const n = { customNumberTypeAttrib: {
      DataType: "Number.float", StringValue: "4563442423554324324264524243.32543234" } };
    const b = { binaryAttribute: {
      DataType: "Binary", BinaryValue: Buffer.from("Hello binary world!") } };
    assert.equal(md5OfAttributes(s), "19e27d4e946b072f3f58da80d94fd778");
    assert.equal(md5OfAttributes(n), "9fe1b90bbd9965bdf77bac517c7d2495");
    assert.equal(md5OfAttributes(b), "31a92b15d92f8db860eda32aceb656c3");
    assert.equal(md5OfAttributes({ ...s, ...n, ...b }), "c932db14a896c663f83c260297d594ff");
  });

  test("attributes of each type round-trip with SQS's digests", async () => {
    const url = await create("js-basic");
    const attrs = {
      s: { DataType: "String", StringValue: "v ✓" },
      n: { DataType: "Number", StringValue: "42" },
      f: { DataType: "Number.float", StringValue: "-1.5e3" },
      b: { DataType: "Binary", BinaryValue: Uint8Array.from([0, 255, 10]) },
      c: { DataType: "String.custom", StringValue: "x".repeat(100) },
    };
    const body = "héllo 🌍";
    const sent = await send(new SendMessageCommand({
      QueueUrl: url, MessageBody: body, MessageAttributes: attrs,
    }));
    assert.equal(sent.MD5OfMessageBody, md5(Buffer.from(body, "utf8")));
    assert.equal(sent.MD5OfMessageAttributes, md5OfAttributes(attrs));
    assert.match(sent.MessageId, /^[0-9a-f-]{36}$/);

    const got = await receive(url, {
      MessageAttributeNames: ["All"], MessageSystemAttributeNames: ["All"],
    });
    assert.equal(got.Messages.length, 1);
    const m = got.Messages[0];
    assert.equal(m.MessageId, sent.MessageId);
    assert.equal(m.Body, body);
    assert.equal(m.MD5OfBody, sent.MD5OfMessageBody);
    assert.equal(m.MD5OfMessageAttributes, sent.MD5OfMessageAttributes);
    assert.deepEqual(Object.keys(m.MessageAttributes).sort(), ["b", "c", "f", "n", "s"]);
    for (const name of ["s", "n", "f", "c"]) {
      assert.equal(m.MessageAttributes[name].DataType, attrs[name].DataType);
      assert.equal(m.MessageAttributes[name].StringValue, attrs[name].StringValue);
    }
    assert.equal(m.MessageAttributes.b.DataType, "Binary");
    assert.deepEqual([...m.MessageAttributes.b.BinaryValue], [0, 255, 10]);
    assert.equal(m.Attributes.ApproximateReceiveCount, "1");
    assert.match(m.Attributes.SentTimestamp, /^\d{13}$/);
    assert.match(m.Attributes.ApproximateFirstReceiveTimestamp, /^\d{13}$/);
    await send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    assert.equal((await receive(url)).Messages, undefined);
  });

  test("only the attributes asked for come back", async () => {
    const url = await create("js-select");
    const attrs = {
      "trace.id": { DataType: "String", StringValue: "t" },
      "trace.span": { DataType: "Number", StringValue: "7" },
      other: { DataType: "String", StringValue: "o" },
    };
    await send(new SendMessageCommand({
      QueueUrl: url, MessageBody: "x", MessageAttributes: attrs,
    }));
    const m = (await receive(url, { MessageAttributeNames: ["trace.*"] })).Messages[0];
    assert.deepEqual(Object.keys(m.MessageAttributes).sort(), ["trace.id", "trace.span"]);
    // The digest covers only the attributes returned (as SQS computes it per response).
    assert.equal(m.MD5OfMessageAttributes,
      md5OfAttributes({ "trace.id": attrs["trace.id"], "trace.span": attrs["trace.span"] }));
    const plain = await send(new SendMessageCommand({ QueueUrl: url, MessageBody: "y" }));
    assert.equal(plain.MD5OfMessageAttributes, undefined);
  });

  test("batches: send and delete with a failing entry", async () => {
    const url = await create("js-batch");
    const res = await send(new SendMessageBatchCommand({
      QueueUrl: url,
      Entries: [
        { Id: "a", MessageBody: "1" },
        { Id: "b", MessageBody: "2",
          MessageAttributes: { k: { DataType: "String", StringValue: "v" } } },
        { Id: "c", MessageBody: "3", DelaySeconds: 901 }, // over the 900 s limit
      ],
    }));
    assert.deepEqual(res.Successful.map((e) => e.Id).sort(), ["a", "b"]);
    const b = res.Successful.find((e) => e.Id === "b");
    assert.equal(b.MD5OfMessageAttributes,
      md5OfAttributes({ k: { DataType: "String", StringValue: "v" } }));
    assert.equal(res.Failed.length, 1);
    assert.equal(res.Failed[0].Id, "c");
    assert.equal(res.Failed[0].SenderFault, true);
    assert.equal(res.Failed[0].Code, "InvalidParameterValue");

    const got = await receive(url, { MaxNumberOfMessages: 10 });
    assert.deepEqual(got.Messages.map((m) => m.Body).sort(), ["1", "2"]);
    const del = await send(new DeleteMessageBatchCommand({
      QueueUrl: url,
      Entries: [
        { Id: "x", ReceiptHandle: got.Messages[0].ReceiptHandle },
        { Id: "y", ReceiptHandle: "not-a-receipt-handle" },
        { Id: "z", ReceiptHandle: got.Messages[1].ReceiptHandle },
      ],
    }));
    assert.deepEqual(del.Successful.map((e) => e.Id).sort(), ["x", "z"]);
    assert.equal(del.Failed.length, 1);
    assert.equal(del.Failed[0].Id, "y");
    assert.equal(del.Failed[0].Code, "ReceiptHandleIsInvalid");
    assert.equal(del.Failed[0].SenderFault, true);
    const left = (await send(new GetQueueAttributesCommand({
      QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible"],
    }))).Attributes;
    assert.deepEqual(left, { ApproximateNumberOfMessages: "0",
      ApproximateNumberOfMessagesNotVisible: "0" });
  });

  test("visibility: hidden while in flight, back after ChangeMessageVisibility 0", async () => {
    const url = await create("js-vis", { VisibilityTimeout: "30" });
    await send(new SendMessageCommand({ QueueUrl: url, MessageBody: "v" }));
    const first = (await receive(url)).Messages[0];
    assert.equal((await receive(url)).Messages, undefined, "in flight, so not visible");
    await send(new ChangeMessageVisibilityCommand({
      QueueUrl: url, ReceiptHandle: first.ReceiptHandle, VisibilityTimeout: 0,
    }));
    const again = (await receive(url, { MessageSystemAttributeNames: ["ApproximateReceiveCount"],
      VisibilityTimeout: 1 })).Messages[0];
    assert.equal(again.MessageId, first.MessageId);
    assert.notEqual(again.ReceiptHandle, first.ReceiptHandle);
    assert.equal(again.Attributes.ApproximateReceiveCount, "2");
    await sleep(1300); // the receive's own VisibilityTimeout of 1 s runs out
    const third = (await receive(url)).Messages[0];
    assert.equal(third.MessageId, first.MessageId);
  });

  test("FIFO: group id, deduplication id, order and sequence numbers", async () => {
    const url = await create("js-order.fifo", { FifoQueue: "true" });
    const sent = [];
    for (const [body, group, dedup] of [["a1", "A", "1"], ["b1", "B", "2"], ["a2", "A", "3"],
      ["a1 again", "A", "1"]]) {
      sent.push(await send(new SendMessageCommand({
        QueueUrl: url, MessageBody: body, MessageGroupId: group, MessageDeduplicationId: dedup,
      })));
    }
    for (const s of sent) assert.match(s.SequenceNumber, /^\d+$/);
    assert.ok(BigInt(sent[0].SequenceNumber) < BigInt(sent[1].SequenceNumber));

    const got = (await receive(url, {
      MaxNumberOfMessages: 10, MessageSystemAttributeNames: ["All"],
    })).Messages;
    const byGroup = (g) => got.filter((m) => m.Attributes.MessageGroupId === g).map((m) => m.Body);
    assert.deepEqual(byGroup("A"), ["a1", "a2"]);
    assert.deepEqual(byGroup("B"), ["b1"]);
    const a1 = got.find((m) => m.Body === "a1");
    assert.equal(a1.Attributes.MessageDeduplicationId, "1");
    assert.equal(a1.Attributes.SequenceNumber, sent[0].SequenceNumber);
    assert.equal(got.length, 3, "the duplicate was dropped");
  });

  test("long polling returns as soon as a message arrives", async () => {
    const url = await create("js-wait");
    const late = sleep(400).then(() =>
      send(new SendMessageCommand({ QueueUrl: url, MessageBody: "late" })));
    const t0 = Date.now();
    const got = await receive(url, { WaitTimeSeconds: 10 });
    const waited = Date.now() - t0;
    await late;
    assert.equal(got.Messages[0].Body, "late");
    assert.ok(waited >= 300 && waited < 5000, `waited ${waited} ms`);
  });

  test("long polling on an empty queue waits WaitTimeSeconds", async () => {
    const url = await create("js-wait-empty");
    const t0 = Date.now();
    const got = await receive(url, { WaitTimeSeconds: 1 });
    const waited = Date.now() - t0;
    assert.equal(got.Messages, undefined);
    assert.ok(waited >= 900 && waited < 4000, `waited ${waited} ms`);
  });
});

describe("errors as the SDK surfaces them", () => {
  test("QueueDoesNotExist", async () => {
    await rejectsWith(send(new GetQueueUrlCommand({ QueueName: "js-missing" })),
      QueueDoesNotExist, "AWS.SimpleQueueService.NonExistentQueue");
    const url = await create("js-gone");
    await send(new DeleteQueueCommand({ QueueUrl: url }));
    await rejectsWith(send(new SendMessageCommand({ QueueUrl: url, MessageBody: "x" })),
      QueueDoesNotExist, "AWS.SimpleQueueService.NonExistentQueue");
  });

  test("QueueNameExists for different attributes", async () => {
    await create("js-exists", { VisibilityTimeout: "5" });
    await rejectsWith(create("js-exists", { VisibilityTimeout: "6" }), QueueNameExists,
      "QueueAlreadyExists");
  });

  test("ReceiptHandleIsInvalid", async () => {
    const url = await create("js-bad-handle");
    await rejectsWith(send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: "garbage" })),
      ReceiptHandleIsInvalid, "ReceiptHandleIsInvalid");
  });

  test("batch request errors", async () => {
    const url = await create("js-bad-batch");
    await rejectsWith(send(new SendMessageBatchCommand({
      QueueUrl: url, Entries: [{ Id: "a", MessageBody: "1" }, { Id: "a", MessageBody: "2" }],
    })), BatchEntryIdsNotDistinct, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct");
    await rejectsWith(send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: [] })),
      EmptyBatchRequest, "AWS.SimpleQueueService.EmptyBatchRequest");
  });
});
