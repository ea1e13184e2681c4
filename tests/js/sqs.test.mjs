// SQS through @aws-sdk/client-sqs, which speaks AWS JSON 1.0 and checks the MD5s it is sent.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  ChangeMessageVisibilityCommand, CreateQueueCommand, DeleteMessageBatchCommand,
  DeleteQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, ListQueuesCommand,
  ListQueueTagsCommand, PurgeQueueCommand, QueueDoesNotExist, ReceiveMessageCommand,
  SendMessageBatchCommand, SendMessageCommand, SQSClient, TagQueueCommand,
} from "@aws-sdk/client-sqs";
import { credentials, startServerlite } from "./serverlite.mjs";

let sl;
let sqs;
before(async () => {
  sl = await startServerlite("demo");
  sqs = new SQSClient({ endpoint: sl.endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
});
after(async () => {
  sqs.destroy();
  assert.equal(await sl.stop(), 0);
});

const create = async (name, Attributes) =>
  (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes }))).QueueUrl;

test("send and receive attributes of every type", async () => {
  const url = await create("js-basic");
  const sent = await sqs.send(new SendMessageCommand({
    QueueUrl: url, MessageBody: "héllo",
    MessageAttributes: {
      s: { DataType: "String", StringValue: "v" },
      n: { DataType: "Number", StringValue: "42" },
      b: { DataType: "Binary", BinaryValue: Uint8Array.from([0, 255]) },
    },
  }));
  const got = await sqs.send(new ReceiveMessageCommand({
    QueueUrl: url, MessageAttributeNames: ["All"], MessageSystemAttributeNames: ["All"],
  }));
  assert.equal(got.Messages.length, 1);
  const m = got.Messages[0];
  assert.equal(m.MessageId, sent.MessageId);
  assert.equal(m.Body, "héllo");
  assert.equal(m.MessageAttributes.s.StringValue, "v");
  assert.deepEqual([...m.MessageAttributes.b.BinaryValue], [0, 255]);
  assert.equal(m.Attributes.ApproximateReceiveCount, "1");
});

test("batches, visibility and a failing entry", async () => {
  const url = await create("js-batch");
  const res = await sqs.send(new SendMessageBatchCommand({
    QueueUrl: url,
    Entries: [{ Id: "a", MessageBody: "1" }, { Id: "b", MessageBody: "2" },
      { Id: "c", MessageBody: "3", DelaySeconds: 901 }],
  }));
  assert.equal(res.Successful.length, 2);
  assert.equal(res.Failed[0].Id, "c");
  const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
  assert.equal(got.Messages.length, 2);
  await sqs.send(new ChangeMessageVisibilityCommand({
    QueueUrl: url, ReceiptHandle: got.Messages[0].ReceiptHandle, VisibilityTimeout: 0,
  }));
  const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
  assert.equal(again.Messages[0].MessageId, got.Messages[0].MessageId);
  const del = await sqs.send(new DeleteMessageBatchCommand({
    QueueUrl: url,
    Entries: [{ Id: "x", ReceiptHandle: again.Messages[0].ReceiptHandle },
      { Id: "y", ReceiptHandle: got.Messages[1].ReceiptHandle }],
  }));
  assert.equal(del.Successful.length, 2);
});

test("FIFO order and deduplication", async () => {
  const url = await create("js-order.fifo", { FifoQueue: "true" });
  for (const [body, id] of [["a", "1"], ["b", "2"], ["a", "1"]]) {
    await sqs.send(new SendMessageCommand({
      QueueUrl: url, MessageBody: body, MessageGroupId: "g", MessageDeduplicationId: id,
    }));
  }
  const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
  assert.deepEqual(got.Messages.map((m) => m.Body), ["a", "b"]);
});

test("long polling returns when a message arrives", async () => {
  const url = await create("js-wait");
  setTimeout(() => sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "late" })), 300);
  const t0 = Date.now();
  const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 10 }));
  assert.equal(got.Messages[0].Body, "late");
  assert.ok(Date.now() - t0 < 5000);
});

test("queue management and errors", async () => {
  const url = await create("js-managed", { VisibilityTimeout: "7" });
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] }));
  assert.equal(attrs.Attributes.VisibilityTimeout, "7");
  await sqs.send(new TagQueueCommand({ QueueUrl: url, Tags: { team: "a" } }));
  assert.deepEqual((await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags, { team: "a" });
  const list = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: "js-managed" }));
  assert.deepEqual(list.QueueUrls, [url]);
  await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
  await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
  await assert.rejects(sqs.send(new GetQueueUrlCommand({ QueueName: "js-managed" })), (e) => {
    assert.ok(e instanceof QueueDoesNotExist);
    assert.equal(e.$metadata.httpStatusCode, 400);
    return true;
  });
});
