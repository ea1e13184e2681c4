// The Lambda API through @aws-sdk/client-lambda, against the demo app (normal functions) and the
// edge-cases app (failing ones).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  GetFunctionCommand, InvalidRequestContentException, InvokeCommand, LambdaClient,
  LambdaServiceException, ListFunctionsCommand, ResourceNotFoundException,
} from "@aws-sdk/client-lambda";
import { clientConfig, startServerlite } from "./serverlite.mjs";

let demo;
let edge;
let lambda; // the demo app's endpoint
let edgeLambda;
before(async () => {
  // Both start together; if one fails, the other is still kept so that after() stops it.
  const [d, e] = await Promise.allSettled([startServerlite("demo"), startServerlite("edge-cases")]);
  demo = d.value;
  edge = e.value;
  for (const r of [d, e]) if (r.status === "rejected") throw r.reason;
  lambda = new LambdaClient(clientConfig(demo.endpoint));
  edgeLambda = new LambdaClient(clientConfig(edge.endpoint));
});
after(async () => {
  lambda?.destroy();
  edgeLambda?.destroy();
  const running = [demo, edge].filter(Boolean);
  const codes = await Promise.all(running.map((s) => s.stop()));
  assert.deepEqual(codes, running.map(() => 0), "serverlite exits 0 on SIGTERM");
});

const text = (bytes) => new TextDecoder().decode(bytes);
const json = (bytes) => JSON.parse(text(bytes));
const ARN = "arn:aws:lambda:us-east-1:000000000000:function:";

describe("Invoke", () => {
  test("RequestResponse with a payload returns the handler's result", async () => {
    const res = await lambda.send(new InvokeCommand({
      FunctionName: "demo-dev-hello",
      Payload: JSON.stringify({ queryStringParameters: { name: "js" } }),
    }));
    assert.equal(res.StatusCode, 200);
    assert.equal(res.$metadata.httpStatusCode, 200);
    assert.equal(res.FunctionError, undefined);
    assert.equal(res.ExecutedVersion, "$LATEST");
    assert.deepEqual(json(res.Payload), { message: "Hello, js!" });
  });

  test("the handler sees its name, ARN and Lambda's environment", async () => {
    const res = await lambda.send(new InvokeCommand({
      FunctionName: "demo-dev-env", Payload: "{}",
    }));
    const out = json(res.Payload);
    assert.equal(out.context.function_name, "demo-dev-env");
    assert.equal(out.context.invoked_function_arn, `${ARN}demo-dev-env`);
    // Python's runtime reads it from AWS_LAMBDA_FUNCTION_MEMORY_SIZE, so it is a string.
    assert.equal(out.context.memory_limit_in_mb, "1024");
    assert.equal(out.AWS_LAMBDA_FUNCTION_NAME, "demo-dev-env");
    assert.equal(out.AWS_REGION, "us-east-1");
    assert.equal(out.GREETING, "Hello");
  });

  test("a function addressed by its ARN", async () => {
    const res = await lambda.send(new InvokeCommand({
      FunctionName: `${ARN}demo-dev-hello`, Payload: "{}",
    }));
    assert.deepEqual(json(res.Payload), { message: "Hello, world!" });
  });

  test("a failing function: 200 with FunctionError Unhandled and the error document", async () => {
    const py = await edgeLambda.send(new InvokeCommand({ FunctionName: "edge-dev-boom" }));
    assert.equal(py.StatusCode, 200);
    assert.equal(py.FunctionError, "Unhandled");
    const err = json(py.Payload);
    assert.equal(err.errorType, "ValueError");
    assert.equal(err.errorMessage, "boom");
    assert.ok(Array.isArray(err.stackTrace));

    const node = await edgeLambda.send(new InvokeCommand({ FunctionName: "edge-dev-boom-node" }));
    assert.equal(node.FunctionError, "Unhandled");
    assert.equal(json(node.Payload).errorType, "Error");
    assert.equal(json(node.Payload).errorMessage, "boom");
  });

  test("LogType Tail returns the invocation's log, base64", async () => {
    const res = await edgeLambda.send(new InvokeCommand({
      FunctionName: "edge-dev-printer", Payload: "{}", LogType: "Tail",
    }));
    assert.deepEqual(json(res.Payload), { ok: true });
    const log = Buffer.from(res.LogResult, "base64").toString("utf8");
    for (const line of ["printer: line 1", "printer: line 3", "printer: to stderr"]) {
      assert.ok(log.includes(line), `${line} in\n${log}`);
    }
    assert.match(log, /START RequestId: [0-9a-f-]{36}/);
    assert.match(log, /END RequestId: /);
    assert.match(log, /REPORT RequestId: .*Duration: /);
    assert.equal(res.$metadata.requestId, log.match(/START RequestId: ([0-9a-f-]{36})/)[1]);

    const quiet = await edgeLambda.send(new InvokeCommand({ FunctionName: "edge-dev-printer" }));
    assert.equal(quiet.LogResult, undefined, "no log without LogType Tail");
  });

  test("InvocationType Event is accepted with 202 and no payload", async () => {
    const res = await lambda.send(new InvokeCommand({
      FunctionName: "demo-dev-hello", InvocationType: "Event", Payload: "{}",
    }));
    assert.equal(res.StatusCode, 202);
    assert.equal(res.$metadata.httpStatusCode, 202);
    assert.equal(res.FunctionError, undefined);
    assert.equal(res.Payload?.length ?? 0, 0);
  });

  test("InvocationType DryRun answers 204", async () => {
    const res = await lambda.send(new InvokeCommand({
      FunctionName: "demo-dev-hello", InvocationType: "DryRun",
    }));
    assert.equal(res.StatusCode, 204);
  });
});

describe("functions", () => {
  test("ListFunctions lists every function of the app", async () => {
    const list = await lambda.send(new ListFunctionsCommand({}));
    const names = list.Functions.map((f) => f.FunctionName).sort();
    assert.deepEqual(names, ["echo", "echo2", "env", "hello", "image", "items", "shout"]
      .map((n) => `demo-dev-${n}`));
    const echo = list.Functions.find((f) => f.FunctionName === "demo-dev-echo");
    assert.equal(echo.Runtime, "nodejs20.x");
    assert.equal(echo.Handler, "node/echo.handler");
    assert.equal(echo.FunctionArn, `${ARN}demo-dev-echo`);
  });

  test("GetFunction describes one", async () => {
    const fn = await lambda.send(new GetFunctionCommand({ FunctionName: "demo-dev-env" }));
    const c = fn.Configuration;
    assert.equal(c.FunctionName, "demo-dev-env");
    assert.equal(c.FunctionArn, `${ARN}demo-dev-env`);
    assert.equal(c.Runtime, "python3.11");
    assert.equal(c.Handler, "python/env.handler");
    // The Serverless Framework's defaults: 6 s and 1024 MB.
    assert.equal(c.Timeout, 6);
    assert.equal(c.MemorySize, 1024);
    assert.equal(c.Environment.Variables.GREETING, "Hello");
    const slow = await edgeLambda.send(new GetFunctionCommand({ FunctionName: "edge-dev-slow" }));
    assert.equal(slow.Configuration.Timeout, 1);
  });
});

describe("errors as the SDK surfaces them", () => {
  const notFound = (name) => (e) => {
    assert.ok(e instanceof LambdaServiceException, `not a Lambda exception: ${e}`);
    assert.ok(e instanceof ResourceNotFoundException, `${e.name}: ${e.message}`);
    assert.equal(e.name, "ResourceNotFoundException");
    assert.equal(e.$metadata.httpStatusCode, 404);
    assert.equal(e.$fault, "client");
    assert.equal(e.message, `Function not found: ${ARN}${name}`);
    return true;
  };

  test("ResourceNotFoundException from Invoke and GetFunction", async () => {
    await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: "nope" })),
      notFound("nope"));
    await assert.rejects(lambda.send(new InvokeCommand({
      FunctionName: "nope", InvocationType: "Event",
    })), notFound("nope"));
    await assert.rejects(lambda.send(new GetFunctionCommand({ FunctionName: "nope" })),
      notFound("nope"));
  });

  test("InvalidRequestContentException for a payload that is not JSON", async () => {
    await assert.rejects(lambda.send(new InvokeCommand({
      FunctionName: "demo-dev-hello", Payload: "{not json",
    })), (e) => {
      assert.ok(e instanceof InvalidRequestContentException, `${e.name}: ${e.message}`);
      assert.equal(e.$metadata.httpStatusCode, 400);
      return true;
    });
  });
});
