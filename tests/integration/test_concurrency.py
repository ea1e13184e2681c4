"""How many invocations of a function run at once, and what happens to the others.

A function without reservedConcurrency runs at most --function-concurrency invocations at once;
the others wait for a free worker, in order, and all succeed. A function with reservedConcurrency
throttles the calls beyond it (429 TooManyRequestsException), as Lambda does.
"""
import concurrent.futures
import http.client
import json
import re
import time
import unittest
import urllib.parse

from harness import Serverlite, ServerTestCase, app_path, signed

LIMIT = 4
CALLS = 200


def raw_invoke(aws_url, function, payload=b"{}", headers=None, timeout=60):
    """POSTs an Invoke over its own connection; returns (status, headers, body bytes)."""
    url = urllib.parse.urlparse(aws_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        conn.request("POST", f"/2015-03-31/functions/{function}/invocations", body=payload,
                     headers=signed(headers, path="/2015-03-31/functions"))
        res = conn.getresponse()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, res.read()
    finally:
        conn.close()


def functions(sl):
    status = json.loads(sl.request("GET", sl.aws_url + "/_serverlite/functions")[2])
    return {f["key"]: f for f in status["functions"]}


class QueueingPastTheLocalLimit(ServerTestCase):
    APP = "concurrency"
    ARGS = ("--function-concurrency", str(LIMIT))

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        import boto3
        from botocore.config import Config
        # Enough connections for every call at once; no retries, so a 429 would show.
        cls.wide = boto3.client("lambda", endpoint_url=cls.sl.aws_url, region_name="us-east-1",
                                aws_access_key_id="test", aws_secret_access_key="test",
                                config=Config(retries={"max_attempts": 1}, read_timeout=120,
                                              max_pool_connections=CALLS))

    @classmethod
    def tearDownClass(cls):
        cls.wide.close()
        super().tearDownClass()

    def test_200_concurrent_lambda_api_calls_all_succeed(self):
        def call(i):
            res = self.wide.invoke(FunctionName="conc-dev-nap",
                                   Payload=json.dumps({"tag": f"api-{i}"}).encode())
            return res["StatusCode"], res.get("FunctionError"), json.loads(res["Payload"].read())

        with concurrent.futures.ThreadPoolExecutor(CALLS) as pool:
            results = list(pool.map(call, range(CALLS)))
        self.assertEqual([r[0] for r in results], [200] * CALLS)
        self.assertEqual([r[1] for r in results], [None] * CALLS)
        self.assertEqual(sorted(r[2]["tag"] for r in results),
                         sorted(f"api-{i}" for i in range(CALLS)))
        # Never more workers than the local limit; the wait was logged, with how many waited.
        self.assertLessEqual(len({r[2]["pid"] for r in results}), LIMIT)
        self.assertLessEqual(functions(self.sl)["nap"]["workers"], LIMIT)
        self.assertTrue(self.sl.wait_for_log(lambda l: re.match(
            rf"\[nap\] \d+ invocations waited for a free worker \(local limit {LIMIT}\), "
            r"the longest \d+\.\d\d s$", l)), self.sl.stderr()[-3000:])
        self.assertIn(f"[nap] local limit of {LIMIT} workers reached: invocations wait for a "
                      "free worker, in order", self.sl.stderr_lines)

    def test_200_concurrent_gateway_calls_all_succeed(self):
        def call(i):
            path = "/nap" if i % 2 else "/dev/nap"  # the HTTP API and the REST API
            status, _, body = self.sl.gateway("POST", path, json.dumps({"tag": f"gw-{i}"}),
                                              {"Content-Type": "application/json"}, timeout=60)
            return status, json.loads(body)

        with concurrent.futures.ThreadPoolExecutor(CALLS) as pool:
            results = list(pool.map(call, range(CALLS)))
        self.assertEqual([r[0] for r in results], [200] * CALLS, results)
        self.assertEqual(sorted(r[1]["tag"] for r in results),
                         sorted(f"gw-{i}" for i in range(CALLS)))
        self.assertLessEqual(functions(self.sl)["nap"]["workers"], LIMIT)

    def test_reserved_concurrency_still_throttles(self):
        # `capped` has reservedConcurrency 2: of 12 calls of 1 s at once, 2 run and the rest are
        # throttled at once, whatever the local limit.
        def call(_):
            start = time.monotonic()
            status, headers, body = raw_invoke(self.sl.aws_url, "conc-dev-capped",
                                               json.dumps({"sleep": 1}).encode())
            return status, headers, json.loads(body), time.monotonic() - start

        with concurrent.futures.ThreadPoolExecutor(12) as pool:
            results = list(pool.map(call, range(12)))
        ok = [r for r in results if r[0] == 200]
        throttled = [r for r in results if r[0] == 429]
        self.assertEqual(len(ok) + len(throttled), 12, results)
        self.assertEqual(len(ok), 2, results)
        for _, headers, body, elapsed in throttled:
            self.assertEqual(headers["x-amzn-errortype"], "TooManyRequestsException")
            self.assertEqual(body["message"], "Rate Exceeded.")
            self.assertEqual(body["Reason"], "ReservedFunctionConcurrentInvocationLimitExceeded")
            self.assertLess(elapsed, 0.9)  # not after waiting
        with self.assertRaises(self.client.exceptions.TooManyRequestsException):
            with concurrent.futures.ThreadPoolExecutor(3) as pool:
                list(pool.map(lambda _: self.client.invoke(
                    FunctionName="conc-dev-capped", Payload=b'{"sleep": 1}'), range(3)))

    def test_asynchronous_invocations_and_a_queue_trigger_all_run(self):
        # 60 events wait for `drain`'s 4 workers while a queue trigger feeds it 10 messages:
        # every event and every message is handled.
        events = [f"ev-{i}" for i in range(60)]
        for tag in events:
            res = self.client.invoke(FunctionName="conc-dev-drain", InvocationType="Event",
                                     Payload=json.dumps({"tag": tag, "sleep": 0.1}).encode())
            self.assertEqual(res["StatusCode"], 202)
        sqs = self.sl.boto3_client("sqs")
        url = sqs.get_queue_url(QueueName="conc-jobs")["QueueUrl"]
        messages = [f"msg-{i}" for i in range(10)]
        for m in messages:
            sqs.send_message(QueueUrl=url, MessageBody=m)

        def ran(prefix, tags):
            seen = {l.split()[-1] for l in self.sl.stderr_lines if l.startswith(f"[drain] {prefix} ")}
            return set(tags) <= seen

        self.assertTrue(self.sl.wait_for_log(lambda _: ran("ran", events) and
                                             ran("got", messages), timeout=60),
                        self.sl.stderr()[-3000:])


class LineLimitsAndDeadlines(unittest.TestCase):
    """One worker, a line of 3, a gateway that gives up after 1 s."""

    @classmethod
    def setUpClass(cls):
        cls.sl = Serverlite(app_path("concurrency"), "--function-concurrency", "1",
                            "--function-queue-limit", "3", "--gateway-timeout", "1").__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.sl.__exit__(None, None, None)

    def test_past_the_line_calls_are_throttled(self):
        # Warm the worker, then 10 calls of 1.5 s at once: 1 runs, 3 wait, 6 are throttled.
        self.assertEqual(raw_invoke(self.sl.aws_url, "conc-dev-nap", b'{"sleep": 0}')[0], 200)

        def call(_):
            status, headers, body = raw_invoke(self.sl.aws_url, "conc-dev-nap",
                                               b'{"sleep": 1.5}')
            return status, json.loads(body)

        with concurrent.futures.ThreadPoolExecutor(10) as pool:
            results = list(pool.map(call, range(10)))
        statuses = sorted(r[0] for r in results)
        self.assertEqual(statuses, [200] * 4 + [429] * 6, results)
        for status, body in results:
            if status == 429:
                self.assertEqual(body["Reason"], "ConcurrentInvocationLimitExceeded")
        self.assertTrue(self.sl.wait_for_log(
            lambda l: l.startswith("[nap] 3 invocations waiting for a free worker, the most "
                                   "allowed")), self.sl.stderr()[-3000:])

    def test_a_call_the_gateway_gave_up_on_is_not_started(self):
        # One worker: 3 gateway calls of 0.8 s at once. The first runs, the second starts at
        # 0.8 s (timeout answer at 1 s; it runs on), the third would start at 1.6 s, after the
        # gateway's answer: it never starts.
        self.assertEqual(self.sl.gateway("POST", "/nap", '{"sleep": 0}')[0], 200)
        before = sum(1 for l in self.sl.stderr_lines if l.startswith("[nap] START"))

        def call(i):
            return self.sl.gateway("POST", "/nap", json.dumps({"sleep": 0.8, "tag": i}))[0]

        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            statuses = sorted(pool.map(call, range(3)))
        self.assertEqual(statuses[0], 200)
        self.assertEqual(statuses[1:], [503, 503])  # HTTP API's timeout answer
        time.sleep(1.5)  # the second ends at 1.6 s; the third would have ended at 2.4 s
        starts = sum(1 for l in self.sl.stderr_lines if l.startswith("[nap] START"))
        self.assertEqual(starts - before, 2, self.sl.stderr()[-3000:])


if __name__ == "__main__":
    unittest.main()
