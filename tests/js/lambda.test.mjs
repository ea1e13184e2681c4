// The Lambda API through @aws-sdk/client-lambda.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  GetFunctionCommand, InvokeCommand, LambdaClient, ListFunctionsCommand,
  ResourceNotFoundException,
} from "@aws-sdk/client-lambda";
import { credentials, startServerlite } from "./serverlite.mjs";

let sl;
let lambda;
before(async () => {
  sl = await startServerlite("edge-cases");
  lambda = new LambdaClient({ endpoint: sl.endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
});
after(async () => {
  lambda.destroy();
  assert.equal(await sl.stop(), 0);
});

const text = (bytes) => new TextDecoder().decode(bytes);

test("invoke returns the result, and the log with LogType Tail", async () => {
  const res = await lambda.send(new InvokeCommand({
    FunctionName: "edge-dev-printer", Payload: JSON.stringify({}), LogType: "Tail",
  }));
  assert.equal(res.StatusCode, 200);
  assert.equal(res.FunctionError, undefined);
  assert.deepEqual(JSON.parse(text(res.Payload)), { ok: true });
  assert.match(Buffer.from(res.LogResult, "base64").toString(), /REPORT RequestId:/);
});

test("a failing function is FunctionError Unhandled", async () => {
  const res = await lambda.send(new InvokeCommand({ FunctionName: "edge-dev-boom" }));
  assert.equal(res.FunctionError, "Unhandled");
  const err = JSON.parse(text(res.Payload));
  assert.equal(err.errorType, "ValueError");
  assert.equal(err.errorMessage, "boom");
});

test("Event invocations are accepted with 202", async () => {
  const res = await lambda.send(new InvokeCommand({
    FunctionName: "edge-dev-printer", InvocationType: "Event",
  }));
  assert.equal(res.StatusCode, 202);
});

test("ListFunctions, GetFunction and ResourceNotFoundException", async () => {
  const list = await lambda.send(new ListFunctionsCommand({}));
  assert.ok(list.Functions.some((f) => f.FunctionName === "edge-dev-boom"));
  const fn = await lambda.send(new GetFunctionCommand({ FunctionName: "edge-dev-slow" }));
  assert.equal(fn.Configuration.Timeout, 1);
  await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: "nope" })), (e) => {
    assert.ok(e instanceof ResourceNotFoundException);
    assert.match(e.message, /Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope/);
    return true;
  });
});
